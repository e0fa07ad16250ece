//! The truth of a release history (a changelog, a tag list), kept apart
//! from the deploy-log walk in `deploys.rs`; both share `steps.rs`.
//!
//! In a deploy log the previous record is the one before (what was live).
//! In a release history the previous record of release k is the newest
//! earlier release whose commit is an ancestor of C_k, so a maintenance
//! line (1.20.x beside 1.25.0) compares with its own line; and what k
//! *added* is what C_k reaches and no earlier release reaches (what went
//! out for the first time), so a branch cut from main after a release does
//! not ship that release's commits again. Nothing is ever removed.
//!
//! A claimed change ID whose carriers C_k does not reach still counts as
//! contained when C_k reaches an equivalent commit: a cherry-pick that lost
//! the ID (same patch-id), or the squash of a pull request whose number the
//! merged commit lost (patch-id of `refs/pull/N/head`'s combined diff).
//! Commits only reachable from `refs/pull/*` are evidence, never shipped:
//! the graph is loaded from the records' commits only.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;

use super::resolve::Input;
use super::steps::{changes_touched_by, introduced_by, unshipped_by, ClaimKey, RecordView};
use super::{components, Bits, ChangeTruth, ClaimTruth, Containment, Graph, Live, Options, Previous, Reader, Truth};
use crate::git::Oid;
use crate::records::History;

/// Patch-ids computed so far (`None`: a merge or an empty commit).
type PatchCache = HashMap<u32, Option<Oid>>;

/// What following the claimed IDs works out once for all of them: a
/// changelog may claim many thousands.
struct KeySeen {
    /// The newest loaded commit.
    tip: Option<Oid>,
    /// Commit -> whether it only touches the changelog file.
    only_source: HashMap<u32, bool>,
}

/// One release as its claims are checked: its index, what its commit
/// reaches and what it added.
struct Release<'a> {
    k: usize,
    reach: &'a Bits,
    added: &'a [u32],
}

/// Where each claimed change stands, release after release, rechecking only
/// what can have moved: at the first release every change; after that the
/// changes carried (or reverted) by commits that one release reaches and
/// the one before does not, or the other way round, and the claims of the
/// release before (its equivalents may have set them). Rechecking every
/// change at every release would cost releases x changes: a changelog of
/// thousands of sections would take minutes.
struct Standings<'k> {
    names: Vec<&'k str>,
    carriers: Vec<Vec<u32>>,
    /// Commit -> the changes it carries.
    watch: HashMap<u32, Vec<usize>>,
    index: HashMap<&'k str, usize>,
    /// The last resolved release's reach (none before the first), and its claims.
    last_reach: Option<Bits>,
    last_claims: Vec<usize>,
}

impl<'k> Standings<'k> {
    fn new(keys: &'k BTreeMap<String, ClaimKey>, graph: &Graph) -> Standings<'k> {
        let names: Vec<&str> = keys.keys().map(String::as_str).collect();
        let carriers: Vec<Vec<u32>> = keys.values().map(|k| k.carriers(graph)).collect();
        let mut watch: HashMap<u32, Vec<usize>> = HashMap::new();
        for (ki, cs) in carriers.iter().enumerate() {
            for c in cs {
                watch.entry(*c).or_default().push(ki);
            }
        }
        let index = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        Standings { names, carriers, watch, index, last_reach: None, last_claims: Vec::new() }
    }

    /// The changes to recheck at a release reaching `reach` whose record is
    /// `record`; remembers both for the next release.
    fn rechecks_at(&mut self, graph: &Graph, reach: &Bits, record: &crate::records::Record) -> Vec<usize> {
        let mut out = match &self.last_reach {
            Some(before) => {
                let moved: Vec<u32> = reach.iter_changed(before).collect();
                changes_touched_by(graph, &self.watch, &moved)
            }
            None => (0..self.names.len()).collect(),
        };
        out.append(&mut self.last_claims);
        out.sort_unstable();
        out.dedup();
        self.last_claims =
            record.changes.iter().flatten().filter_map(|c| self.index.get(c.as_str()).copied()).collect();
        self.last_reach = Some(reach.clone());
        out
    }
}

/// The newest earlier release on this release's line: one whose commit
/// this release's commit (`reach`) reaches.
fn line_previous(graph: &Graph, input: &Input, reaches: &[Option<Bits>], reach: &Bits, k: usize) -> Option<usize> {
    (0..k).rev().find(|&j| {
        reaches[j].is_some()
            && input.resolutions[j].checked.and_then(|c| graph.node_of(c.oid)).is_some_and(|pj| reach.get(pj))
    })
}

impl Reader<'_> {
    /// The truth of a release history (see the module's documentation).
    pub(super) fn read_releases(&self, history: &History, opts: &Options, input: &Input) -> Result<Truth> {
        let n = history.records.len();
        let graph = Graph::load(self.repo, &input.tips, None, &self.config.changes)?;
        let components = self.components(input)?;
        let mut cache = PatchCache::new();
        let source_file = history.records.iter().find_map(|r| r.source.file.as_deref());
        let mut seen = KeySeen {
            // The newest commit: where a pull request left the history (see `pull_request_squashes`).
            tip: graph.nodes.iter().max_by_key(|n| n.time).map(|n| n.oid),
            only_source: HashMap::new(),
        };
        let keys =
            self.claim_keys(&graph, input, |c| self.release_key(&graph, c, source_file, &mut cache, &mut seen))?;
        let mut changes: BTreeMap<String, ChangeTruth> = keys
            .iter()
            .map(|(c, k)| {
                let carriers = k.carriers(&graph).iter().map(|i| self.commit_ref(&graph, *i)).collect();
                (c.clone(), ChangeTruth { contained: Containment::default(), carriers })
            })
            .collect();
        let mut standings = Standings::new(&keys, &graph);
        let mut reaches: Vec<Option<Bits>> = vec![None; n];
        let mut earlier = Bits::new(graph.len());
        let mut deploys = Vec::with_capacity(n);
        let mut versions = components::Versions::default();
        for (k, record) in history.records.iter().enumerate() {
            self.advance(k, n);
            let res = &input.resolutions[k];
            let Some(checked) = res.checked else {
                // A release that cannot be resolved contains nothing, and so
                // proves nothing about any other release.
                for t in changes.values_mut() {
                    t.contained.set(k, None);
                }
                deploys.push(Self::unresolved_deploy(res));
                continue;
            };
            let ci = graph.node_of(checked.oid).expect("record commits were loaded");
            let reach = graph.reach_full(ci);
            let prev = line_previous(&graph, input, &reaches, &reach, k);
            let added: Vec<u32> = match prev {
                Some(_) => reach.iter_minus(&earlier).collect(),
                None => Vec::new(),
            };
            let previous = prev.map_or(Previous::Baseline, |j| Previous::Record { index: j });
            let mut deploy = self.checked_deploy(&graph, ci, res, previous);
            // Changes introduced: carried by added commits, live now, not on
            // the line before; reverts added here un-ship what they revert.
            if let Some(preach) = prev.and_then(|j| reaches[j].as_ref()) {
                let reverted = added.iter().flat_map(|&a| graph.node(a).reverts.iter().copied());
                deploy.introduced = introduced_by(&graph, &added, &reach, preach);
                deploy.unshipped = unshipped_by(&graph, reverted, &reach, preach);
            }
            for ki in standings.rechecks_at(&graph, &reach, record) {
                let live = graph.live(&standings.carriers[ki], &reach);
                if let Some(t) = changes.get_mut(standings.names[ki]) {
                    t.contained.set(k, Some(matches!(live, Live::Contained(_))));
                }
            }
            let view = RecordView::new(record, &components);
            let at = Release { k, reach: &reach, added: &added };
            deploy.claims = self.release_claims(&graph, &view, &keys, &at, &mut changes, &mut cache)?;
            // Components: net effect against the previous release on this line.
            let prev_oid = prev.and_then(|j| input.resolutions[j].checked.map(|c| c.oid));
            let with_files = opts.files_for.contains(&k);
            deploy.components = self.component_states(checked.oid, prev_oid, &components, &mut versions, with_files)?;
            deploy.added = self.commit_refs(&graph, &added);
            deploys.push(deploy);
            earlier.union_with(&reach);
            reaches[k] = Some(reach);
        }
        self.advance(n, n);
        Ok(Truth {
            environment: history.environment.clone(),
            deploys,
            changes,
            components: components.iter().map(|c| c.name.clone()).collect(),
        })
    }

    /// How a change ID claimed in a release history is followed: by the
    /// commits carrying it, less the changelog's own edits ("changelog: add
    /// #200" ships nothing), plus the squash of its pull request that lost
    /// the number.
    fn release_key(
        &self,
        graph: &Graph,
        c: &str,
        source_file: Option<&str>,
        cache: &mut PatchCache,
        seen: &mut KeySeen,
    ) -> Result<ClaimKey> {
        let pulled = self.pull_request_squashes(graph, c, seen.tip, cache)?;
        let own: HashSet<u32> = match source_file {
            Some(f) => graph
                .carriers(c)
                .iter()
                .copied()
                .filter(|&i| {
                    *seen.only_source.entry(i).or_insert_with(|| self.only_touches(graph, i, f).unwrap_or(false))
                })
                .collect(),
            None => HashSet::new(),
        };
        if pulled.is_empty() && own.is_empty() {
            return Ok(ClaimKey::Id(c.to_string()));
        }
        let mut list: Vec<u32> = graph.carriers(c).iter().copied().filter(|i| !own.contains(i)).collect();
        list.extend(pulled);
        Ok(ClaimKey::Sha(list))
    }

    /// The claims of release `at.k`. A claimed ID whose carriers it does
    /// not reach still counts when it reaches an equivalent commit (a
    /// cherry-pick that lost the ID), which then joins the change's carriers.
    fn release_claims(
        &self,
        graph: &Graph,
        view: &RecordView<'_>,
        keys: &BTreeMap<String, ClaimKey>,
        at: &Release<'_>,
        changes: &mut BTreeMap<String, ChangeTruth>,
        cache: &mut PatchCache,
    ) -> Result<Vec<ClaimTruth>> {
        let mut claims = Vec::new();
        for c in view.record.changes.iter().flatten() {
            let key = &keys[c];
            let mut carriers = key.carriers(graph);
            let mut live = graph.live(&carriers, at.reach);
            if matches!(live, Live::Absent) && matches!(key, ClaimKey::Id(_)) && !carriers.is_empty() {
                if let Some(eq) = self.equivalent_in(graph, &carriers, at.reach, at.added, cache)? {
                    carriers.push(eq);
                    live = graph.live(&[eq], at.reach);
                    if let Some(t) = changes.get_mut(c) {
                        t.contained.set(at.k, Some(matches!(live, Live::Contained(_))));
                        t.carriers.push(self.commit_ref(graph, eq));
                    }
                }
            }
            claims.push(self.claim_truth(graph, view, c, key, &carriers, live)?);
        }
        Ok(claims)
    }

    fn cached_patch_id(&self, graph: &Graph, i: u32, cache: &mut PatchCache) -> Result<Option<Oid>> {
        if let Some(p) = cache.get(&i) {
            return Ok(*p);
        }
        let p = self.repo.patch_id(graph.node(i).oid)?;
        cache.insert(i, p);
        Ok(p)
    }

    /// A commit reachable in `reach` with the same patch as one of
    /// `carriers`: among those keeping a carrier's author time or subject
    /// (cherry-picks keep both), else among the commits this release added.
    fn equivalent_in(
        &self,
        graph: &Graph,
        carriers: &[u32],
        reach: &Bits,
        added: &[u32],
        cache: &mut PatchCache,
    ) -> Result<Option<u32>> {
        for &c in carriers {
            let Some(mine) = self.cached_patch_id(graph, c, cache)? else { continue };
            let node = graph.node(c);
            let mut candidates: Vec<u32> = graph
                .same_author_time(node.author_time, &node.subject)
                .into_iter()
                .filter(|&x| x != c && reach.get(x))
                .collect();
            let more: Vec<u32> = added.iter().copied().filter(|x| *x != c && !candidates.contains(x)).collect();
            candidates.extend(more);
            for x in candidates {
                if graph.node(x).parents.len() <= 1 && self.cached_patch_id(graph, x, cache)? == Some(mine) {
                    return Ok(Some(x));
                }
            }
        }
        Ok(None)
    }

    /// For `#N` that no commit message carries, where `refs/pull/N/head`
    /// exists: the loaded commits whose patch equals the pull request's
    /// combined diff (merge-base..head), i.e. its squash that lost the number.
    fn pull_request_squashes(
        &self,
        graph: &Graph,
        change: &str,
        tip: Option<Oid>,
        cache: &mut PatchCache,
    ) -> Result<Vec<u32>> {
        let Some(number) = change.strip_prefix('#').filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        else {
            return Ok(Vec::new());
        };
        if !graph.carriers(change).is_empty() {
            return Ok(Vec::new());
        }
        // The base: where the pull request left the history the records reach.
        let Some(tip) = tip else {
            return Ok(Vec::new());
        };
        let Some((want, head_time)) = self.repo.pull_request_patch(number, tip)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut candidates: Vec<u32> = (0..graph.len() as u32)
            .filter(|&i| graph.node(i).time >= head_time && graph.node(i).parents.len() <= 1)
            .collect();
        candidates.sort_by_key(|&i| graph.node(i).time);
        candidates.truncate(500);
        for i in candidates {
            if self.cached_patch_id(graph, i, cache)? == Some(want) {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Whether a commit changes nothing but `file` (against its first parent).
    fn only_touches(&self, graph: &Graph, i: u32, file: &str) -> Result<bool> {
        self.repo.only_touches(graph.node(i).oid, file)
    }
}
