//! The per-deploy steps both walks share: which changes a deploy introduced
//! and un-shipped, where a claim stands, the components its carriers touch,
//! the components' states and versions, commits equivalent to a claimed one,
//! and assembling a deploy's truth.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;

use super::resolve::{Input, Resolution};
use super::{components, Bits, ClaimState, ClaimTruth, CommitRef, ComponentState, Deploy, Graph, Live, Previous};
use super::{Reader, Shipped, Target};
use crate::config::Component;
use crate::git::{Oid, Root};
use crate::records::Record;
use crate::time::Timestamp;

/// Changes carried by `added` commits that are live in `reach` and were not
/// in `before`, with the added commits carrying each, oldest first.
pub(super) fn introduced_by(graph: &Graph, added: &[u32], reach: &Bits, before: &Bits) -> Vec<Shipped> {
    let mut sorted = added.to_vec();
    sorted.sort_by_key(|&i| graph.order_key(i));
    let mut introduced: Vec<Shipped> = Vec::new();
    // change -> its place in `introduced`, or None when it was live before
    let mut seen: HashMap<u32, Option<usize>> = HashMap::new();
    for &a in &sorted {
        for &ch in &graph.node(a).changes {
            match seen.get(&ch) {
                Some(Some(at)) => introduced[*at].commits.push(graph.node(a).oid.to_string()),
                Some(None) => {}
                None => {
                    let carriers = graph.carriers(graph.change_name(ch));
                    if matches!(graph.live(carriers, reach), Live::Contained(_))
                        && !matches!(graph.live(carriers, before), Live::Contained(_))
                    {
                        seen.insert(ch, Some(introduced.len()));
                        introduced.push(Shipped {
                            change: graph.change_name(ch).to_string(),
                            commits: vec![graph.node(a).oid.to_string()],
                        });
                    } else {
                        seen.insert(ch, None);
                    }
                }
            }
        }
    }
    introduced
}

/// Changes carried by `candidates` (removed or reverted commits, or the
/// merges that brought a reverted commit in) that were live in `before` and
/// are not in `reach`, in the candidates' order.
pub(super) fn unshipped_by(
    graph: &Graph,
    candidates: impl Iterator<Item = u32>,
    reach: &Bits,
    before: &Bits,
) -> Vec<String> {
    let mut unshipped: Vec<String> = Vec::new();
    let mut seen: HashSet<u32> = HashSet::new();
    let mut candidates: Vec<u32> = candidates.collect();
    candidates.sort_by_key(|&c| graph.order_key(c));
    candidates.dedup();
    for c in candidates {
        for ch in graph.undone_ids(c) {
            let name = graph.change_name(ch);
            let carriers = graph.carriers(name);
            // Whether a change is un-shipped does not depend on the candidate: check each once.
            if seen.insert(ch)
                && matches!(graph.live(carriers, before), Live::Contained(_))
                && !matches!(graph.live(carriers, reach), Live::Contained(_))
            {
                unshipped.push(name.to_string());
            }
        }
    }
    unshipped
}

/// The followed changes (indexes, through `watch`: commit -> changes it
/// carries) whose standing a change in the reach of these commits can
/// alter: those they carry, and those carried by what they revert,
/// following reverts of reverts a few levels deep (as [`Graph::live`] does).
pub(super) fn changes_touched_by(graph: &Graph, watch: &HashMap<u32, Vec<usize>>, commits: &[u32]) -> Vec<usize> {
    let mut touched: Vec<usize> = Vec::new();
    let mut stack: Vec<u32> = commits.to_vec();
    let mut depth = 0;
    while !stack.is_empty() && depth < 8 {
        let mut next = Vec::new();
        for c in stack {
            touched.extend(watch.get(&c).into_iter().flatten());
            // A reverted commit un-ships the IDs of the merges that brought it in, too.
            for &t in &graph.node(c).reverts {
                next.push(t);
                next.extend(graph.bringers(t).iter().copied());
            }
        }
        stack = next;
        depth += 1;
    }
    touched.sort_unstable();
    touched.dedup();
    touched
}

/// Where a claim stands, from where its carriers stand.
pub(super) fn claim_state(graph: &Graph, key: &ClaimKey, live: Live) -> ClaimState {
    match (key, live) {
        (ClaimKey::Missing, _) => ClaimState::NoSuchCommit,
        (_, Live::Contained(by)) => ClaimState::Contained { by: graph.node(by).oid.to_string() },
        (_, Live::Reverted { carrier, by }) => ClaimState::Reverted {
            carrier: graph.node(carrier).oid.to_string(),
            by: graph.node(by).oid.to_string(),
            by_subject: graph.node(by).subject.clone(),
        },
        (_, Live::Absent) => ClaimState::Absent,
    }
}

/// How a claim is followed through the graph.
#[derive(Clone)]
pub(super) enum ClaimKey {
    /// A change ID, carried by messages.
    Id(String),
    /// A commit, with its equivalents (cherry-picks, same patch-id).
    Sha(Vec<u32>),
    /// A full SHA that names no commit.
    Missing,
}

impl ClaimKey {
    /// The commits that carry the claim (equivalents included).
    pub(super) fn carriers(&self, graph: &Graph) -> Vec<u32> {
        match self {
            ClaimKey::Id(id) => graph.carriers(id).to_vec(),
            ClaimKey::Sha(eq) => eq.clone(),
            ClaimKey::Missing => Vec::new(),
        }
    }
}

/// A record as its claims are checked: which components it is about.
pub(super) struct RecordView<'a> {
    /// The record.
    pub record: &'a Record,
    /// The components it is about (its own list, else its source's).
    pub about: Option<Vec<String>>,
    /// Every component.
    pub components: &'a [Component],
}

impl<'a> RecordView<'a> {
    pub(super) fn new(record: &'a Record, components: &'a [Component]) -> RecordView<'a> {
        RecordView { record, about: record.about_components(), components }
    }
}

impl Reader<'_> {
    pub(super) fn commit_ref(&self, g: &Graph, i: u32) -> CommitRef {
        let n = g.node(i);
        CommitRef {
            sha: n.oid.to_string(),
            subject: n.subject.clone(),
            time: Timestamp(n.time),
            changes: n.changes.iter().map(|c| g.change_name(*c).to_string()).collect(),
        }
    }

    /// Commits as the report lists them, newest first.
    pub(super) fn commit_refs(&self, graph: &Graph, commits: &[u32]) -> Vec<CommitRef> {
        let mut v = commits.to_vec();
        v.sort_by_key(|&i| std::cmp::Reverse(graph.order_key(i)));
        v.iter().map(|i| self.commit_ref(graph, *i)).collect()
    }

    /// The components: the configuration's, or one per top-level folder of
    /// the records' commits (and the base).
    pub(super) fn components(&self, input: &Input) -> Result<Vec<Component>> {
        if self.config.default_components {
            // Each commit once: a long log deploys the same few commits again and again.
            let mut seen = HashSet::new();
            let commits: Vec<Oid> = input.checked().chain(input.base).filter(|c| seen.insert(*c)).collect();
            components::default_components(self.repo, &commits)
        } else {
            Ok(self.config.components.clone())
        }
    }

    /// How every claim of the history is followed: commits by their
    /// equivalents, unknown full SHAs as missing, and change IDs as
    /// `id_key` says.
    pub(super) fn claim_keys(
        &self,
        graph: &Graph,
        input: &Input,
        mut id_key: impl FnMut(&String) -> Result<ClaimKey>,
    ) -> Result<BTreeMap<String, ClaimKey>> {
        input
            .all_claims
            .iter()
            .map(|c| {
                let key = match input.claim_shas.get(c) {
                    Some(Some(oid)) => ClaimKey::Sha(self.equivalents(graph, *oid)?),
                    Some(None) => ClaimKey::Missing,
                    None => id_key(c)?,
                };
                Ok((c.clone(), key))
            })
            .collect()
    }

    /// A resolved record's deploy at commit node `ci`, compared with
    /// `previous`; the walk fills in what it carried.
    pub(super) fn checked_deploy(&self, graph: &Graph, ci: u32, res: &Resolution, previous: Previous) -> Deploy {
        let target = Target::Commit { commit: self.commit_ref(graph, ci) };
        Deploy::new(target, res.problems.clone(), res.checked.and_then(|c| c.tag_time).map(Timestamp), previous)
    }

    /// A record whose refs resolve to no commit.
    pub(super) fn unresolved_deploy(res: &Resolution) -> Deploy {
        Deploy::missing(res.missing.clone().unwrap_or_default(), res.problems.clone())
    }

    /// One claim of a record, from where its carriers stand in the deploy.
    pub(super) fn claim_truth(
        &self,
        graph: &Graph,
        view: &RecordView<'_>,
        change: &str,
        key: &ClaimKey,
        carriers: &[u32],
        live: Live,
    ) -> Result<ClaimTruth> {
        let touched = match &view.about {
            Some(about) if !carriers.is_empty() => {
                Some(self.touched_for(graph, carriers, view.components, about, view.record.source.file.as_deref())?)
            }
            _ => None,
        };
        Ok(ClaimTruth {
            change: change.to_string(),
            state: claim_state(graph, key, live),
            carriers: carriers.iter().map(|i| graph.node(*i).oid.to_string()).collect(),
            touched,
        })
    }

    /// Components the carriers of a claim touch, as the audit needs them:
    /// those of the record's components they touch, and only when they
    /// touch none of those, every component they touch (for the message).
    /// Checking a few components instead of all of them for every claim is
    /// what keeps claims cheap on histories with many components.
    fn touched_for(
        &self,
        graph: &Graph,
        carriers: &[u32],
        comps: &[Component],
        about: &[String],
        ignore: Option<&str>,
    ) -> Result<Vec<String>> {
        let mine: Vec<Component> = comps.iter().filter(|c| about.contains(&c.name)).cloned().collect();
        if !mine.is_empty() {
            let hits = self.touched(graph, carriers, &mine, ignore)?;
            if !hits.is_empty() {
                return Ok(hits);
            }
        }
        self.touched(graph, carriers, comps, ignore)
    }

    /// Components touched by any of these commits (each against its first
    /// parent). A file named by `ignore` (a changelog source's own file)
    /// does not count.
    fn touched(
        &self,
        graph: &Graph,
        carriers: &[u32],
        comps: &[Component],
        ignore: Option<&str>,
    ) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for &c in carriers {
            let pending: Vec<Component> = comps.iter().filter(|comp| !out.contains(&comp.name)).cloned().collect();
            for (comp, hit) in pending.iter().zip(self.touched_by(graph, c, &pending, ignore)?) {
                if hit {
                    out.push(comp.name.clone());
                }
            }
        }
        Ok(out)
    }

    /// The components one commit touches against its first parent.
    fn touched_by(&self, graph: &Graph, c: u32, comps: &[Component], ignore: Option<&str>) -> Result<Vec<bool>> {
        // Trees come from the graph: the commits were read once already.
        let node = graph.node(c);
        let root = Root { commit: node.oid, tree: node.tree };
        let parent_root = match node.parents.first() {
            Some(&p) => Some(Root { commit: graph.node(p).oid, tree: graph.node(p).tree }),
            None => self.repo.first_parent_root(node.oid)?,
        };
        let files = match ignore {
            Some(ignore) => {
                let mut files = self.repo.changed_files(parent_root, root, "")?;
                files.retain(|f| f != ignore);
                Some(files)
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(comps.len());
        for comp in comps {
            let hit = match &files {
                Some(files) => files.iter().any(|f| comp.paths.iter().any(|p| p.matches(f))),
                None => !components::component_change(self.repo, &self.trees, parent_root, root, comp)?.is_empty(),
            };
            hits.push(hit);
        }
        Ok(hits)
    }

    /// Every component between the previous deploy's tree and this one's:
    /// what changed (and which files, when asked), versions at both.
    pub(super) fn component_states(
        &self,
        oid: Oid,
        prev_oid: Option<Oid>,
        comps: &[Component],
        versions: &mut components::Versions,
        with_files: bool,
    ) -> Result<Vec<ComponentState>> {
        let root = self.repo.commit_root(oid)?;
        let prev_root = prev_oid.map(|p| self.repo.commit_root(p)).transpose()?;
        let mut out = Vec::with_capacity(comps.len());
        for (i, comp) in comps.iter().enumerate() {
            let changed_paths = match prev_root {
                Some(_) => components::component_change(self.repo, &self.trees, prev_root, root, comp)?,
                None => Vec::new(),
            };
            let files = if with_files && !changed_paths.is_empty() {
                Some(components::component_files(self.repo, &self.trees, prev_root, root, comp)?)
            } else {
                None
            };
            out.push(ComponentState {
                name: comp.name.clone(),
                changed_paths,
                files,
                version: versions.at(self.repo, &self.trees, root, i, comp)?,
                previous_version: match prev_root {
                    Some(pt) => versions.at(self.repo, &self.trees, pt, i, comp)?,
                    None => None,
                },
            });
        }
        Ok(out)
    }

    /// A claimed commit and the commits equivalent to it: by the cherry-pick
    /// trailer either way, and by patch-id among commits that keep its
    /// author time or subject (cherry-picks keep both), or else the 2,000
    /// commits made closest after it.
    pub(super) fn equivalents(&self, graph: &Graph, oid: Oid) -> Result<Vec<u32>> {
        let mut eq = graph.trailer_equivalents(oid);
        eq.sort_by_key(|&c| graph.order_key(c));
        let Some(me) = graph.node_of(oid) else {
            return Ok(eq);
        };
        let Some(my_patch) = self.repo.patch_id(oid)? else {
            return Ok(eq);
        };
        let node = graph.node(me);
        let mut candidates: Vec<u32> =
            graph.same_author_time(node.author_time, &node.subject).into_iter().filter(|c| *c != me).collect();
        if candidates.is_empty() {
            let mut later: Vec<u32> =
                (0..graph.len() as u32).filter(|&c| c != me && graph.node(c).time >= node.time).collect();
            later.sort_by_key(|&c| graph.node(c).time);
            later.truncate(2000);
            candidates = later;
        }
        for c in candidates {
            if !eq.contains(&c)
                && graph.node(c).parents.len() <= 1
                && self.repo.patch_id(graph.node(c).oid)? == Some(my_patch)
            {
                eq.push(c);
            }
        }
        eq.sort_by_key(|&c| graph.order_key(c));
        Ok(eq)
    }
}
