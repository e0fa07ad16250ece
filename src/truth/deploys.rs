//! The truth of a deploy log: each record compared with the one before it
//! (what was live). Commits are read once into a graph; each deploy's
//! reach is the previous one's extended by what it added (or, after a
//! rollback, recomputed), and a claimed change is re-checked only at the
//! deploys whose commits carry or revert it, so following changes costs what
//! the ranges hold, not changes × records.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;

use super::resolve::Input;
use super::steps::{changes_touched_by, introduced_by, unshipped_by, ClaimKey, RecordView};
use super::{components, Bits, ChangeTruth, Containment, Graph, Live, Options, Previous, Reader, Truth};
use crate::config::Component;
use crate::git::Oid;
use crate::records::History;

/// The deploy a record is compared with.
struct LiveDeploy {
    /// Its record (`None` for `--base`).
    record: Option<usize>,
    /// Its commit's node.
    tip: u32,
    /// What its commit reaches.
    reach: Bits,
    /// Its commit.
    oid: Oid,
}

/// One deploy's move from the previous one.
struct Moved {
    previous: Previous,
    reach: Bits,
    added: Vec<u32>,
    removed: Vec<u32>,
}

/// Every followed change (claimed anywhere, or asked for) and where it
/// stands deploy after deploy.
struct Followed<'k> {
    names: Vec<&'k String>,
    carriers: Vec<Vec<u32>>,
    /// Commit -> the changes whose standing it can alter.
    watch: HashMap<u32, Vec<usize>>,
    standing: Vec<Option<bool>>,
    containment: Vec<Containment>,
    /// After a gap (an unresolved record), every change is re-checked.
    recheck_all: bool,
}

impl<'k> Followed<'k> {
    fn new(keys: &'k BTreeMap<String, ClaimKey>, graph: &Graph) -> Followed<'k> {
        let names: Vec<&String> = keys.keys().collect();
        let carriers: Vec<Vec<u32>> = keys.values().map(|k| k.carriers(graph)).collect();
        let mut watch: HashMap<u32, Vec<usize>> = HashMap::new();
        for (ki, cs) in carriers.iter().enumerate() {
            for c in cs {
                watch.entry(*c).or_default().push(ki);
            }
        }
        let n = names.len();
        Followed {
            names,
            carriers,
            watch,
            standing: vec![None; n],
            containment: vec![Containment::default(); n],
            recheck_all: true,
        }
    }

    /// Record `k` has no commit: no change is contained there.
    fn gap(&mut self, k: usize) {
        for (ki, st) in self.standing.iter_mut().enumerate() {
            if st.is_some() {
                *st = None;
                self.containment[ki].set(k, None);
            }
        }
        self.recheck_all = true;
    }

    /// Where the followed changes stand at deploy `k`: all of them after a
    /// gap, at the first deploy, or when `all` (the move is not from deploy
    /// `k - 1`), else only those the added and removed commits (and what
    /// they revert) touch: a change's standing depends on nothing else, and
    /// rechecking every change at each rollback would cost records x changes.
    fn update(&mut self, graph: &Graph, k: usize, moved: &Moved, all: bool) {
        let recheck: Vec<usize> = if self.recheck_all || all {
            (0..self.names.len()).collect()
        } else {
            let moved_commits: Vec<u32> = moved.added.iter().chain(&moved.removed).copied().collect();
            changes_touched_by(graph, &self.watch, &moved_commits)
        };
        self.recheck_all = false;
        for ki in recheck {
            let now = Some(matches!(graph.live(&self.carriers[ki], &moved.reach), Live::Contained(_)));
            if self.standing[ki] != now {
                self.standing[ki] = now;
                self.containment[ki].set(k, now);
            }
        }
    }

    fn carriers_of(&self, change: &String) -> &[u32] {
        let ki = self.names.binary_search(&change).expect("every claim is followed");
        &self.carriers[ki]
    }
}

/// For every commit carrying a followed change, the last record whose
/// commit reaches it. A claim's carriers (its evidence, and what decides
/// the components its commits touch) are the commits its deploy or a later
/// one reaches: commits only an earlier deploy reached (a branch deployed,
/// then rolled back) are left out, so the answer for a record is the same
/// whether the records before it are read with it (the audit) or not (the
/// gate).
struct LastReached {
    carriers: HashSet<u32>,
    in_reach: HashSet<u32>,
    last: HashMap<u32, usize>,
    /// The last resolved record.
    at: Option<usize>,
}

impl LastReached {
    fn new(followed: &Followed<'_>) -> LastReached {
        let carriers = followed.carriers.iter().flatten().copied().collect();
        LastReached { carriers, in_reach: HashSet::new(), last: HashMap::new(), at: None }
    }

    /// Record `k` reaches `moved.reach`: when it moved from the record
    /// before, by what it added and removed, else (the first record, or one
    /// compared with `--base`) anew.
    fn update(&mut self, k: usize, moved: &Moved) {
        let from_last = matches!(moved.previous, Previous::Record { index } if Some(index) == self.at);
        if !from_last {
            let now: HashSet<u32> = self.carriers.iter().copied().filter(|&c| moved.reach.get(c)).collect();
            for c in self.in_reach.difference(&now) {
                self.last.insert(*c, self.at.unwrap_or(k));
            }
            self.in_reach = now;
        } else {
            for r in &moved.removed {
                if self.in_reach.remove(r) {
                    self.last.insert(*r, self.at.unwrap_or(k));
                }
            }
            self.in_reach.extend(moved.added.iter().filter(|a| self.carriers.contains(a)));
        }
        self.at = Some(k);
    }

    fn finish(&mut self) {
        if let Some(at) = self.at {
            for c in self.in_reach.drain() {
                self.last.insert(c, at);
            }
        }
    }

    /// Whether record `k` or a later one reaches commit `c`.
    fn since(&self, c: u32, k: usize) -> bool {
        self.last.get(&c).is_some_and(|&last| last >= k)
    }
}

impl Reader<'_> {
    /// The truth of a deploy log over a loaded graph; `None` when the graph
    /// is partial and the answer needs the history below the first deploy.
    pub(super) fn read_deploys(
        &self,
        history: &History,
        opts: &Options,
        input: &Input,
        graph: &Graph,
    ) -> Result<Option<Truth>> {
        let n = history.records.len();
        let components = self.components(input)?;
        let keys = self.claim_keys(graph, input, |c| Ok(ClaimKey::Id(c.clone())))?;
        if graph.is_partial() && (graph.undecided().is_some() || !partial_answers(graph, input, &keys)) {
            return Ok(None);
        }
        let mut followed = Followed::new(&keys, graph);
        let mut reached = LastReached::new(&followed);
        // Claims are checked once the last record is read (see `LastReached`).
        let mut claims: Vec<(usize, &String, Live)> = Vec::new();
        let mut deploys = Vec::with_capacity(n);
        let mut versions = components::Versions::default();
        let mut prev: Option<LiveDeploy> = input.base.map(|b| base_deploy(graph, b));
        for (k, record) in history.records.iter().enumerate() {
            self.advance(k, n);
            let res = &input.resolutions[k];
            let Some(checked) = res.checked else {
                followed.gap(k);
                deploys.push(Self::unresolved_deploy(res));
                continue;
            };
            let ci = graph.node_of(checked.oid).expect("record commits were loaded");
            // Compared with another commit than deploy k - 1's: standings move by more than this step.
            let mut not_from_last = prev.is_none() || prev.as_ref().is_some_and(|p| p.record.is_none());
            if let (Some(b), true) = (input.last_against, k + 1 == n) {
                prev = Some(base_deploy(graph, b));
                not_from_last = true;
            }
            let Some(moved) = self.move_to(graph, ci, prev.as_ref()) else {
                // A rollback or a switch of line: what stays live may lie
                // below the first deploy, which was not read.
                return Ok(None);
            };
            followed.update(graph, k, &moved, not_from_last);
            reached.update(k, &moved);
            let mut deploy = self.checked_deploy(graph, ci, res, moved.previous.clone());
            if let Some(p) = &prev {
                let reverted = moved.added.iter().flat_map(|&a| graph.node(a).reverts.iter().copied());
                deploy.introduced = introduced_by(graph, &moved.added, &moved.reach, &p.reach);
                deploy.unshipped =
                    unshipped_by(graph, moved.removed.iter().copied().chain(reverted), &moved.reach, &p.reach);
            }
            for c in record.changes.iter().flatten() {
                claims.push((k, c, graph.live(followed.carriers_of(c), &moved.reach)));
            }
            let prev_oid = prev.as_ref().map(|p| p.oid);
            let with_files = opts.files_for.contains(&k);
            deploy.components = self.component_states(checked.oid, prev_oid, &components, &mut versions, with_files)?;
            deploy.added = self.commit_refs(graph, &moved.added);
            deploy.removed = self.commit_refs(graph, &moved.removed);
            deploys.push(deploy);
            prev = Some(LiveDeploy { record: Some(k), tip: ci, reach: moved.reach, oid: checked.oid });
        }
        reached.finish();
        for (k, c, live) in claims {
            let carriers: Vec<u32> = followed.carriers_of(c).iter().copied().filter(|&x| reached.since(x, k)).collect();
            let view = RecordView::new(&history.records[k], &components);
            deploys[k].claims.push(self.claim_truth(graph, &view, c, &keys[c], &carriers, live)?);
        }
        let changes = self.change_truths(graph, followed);
        self.advance(n, n);
        Ok(Some(Truth {
            environment: history.environment.clone(),
            deploys,
            changes,
            components: components.iter().map(|c: &Component| c.name.clone()).collect(),
        }))
    }

    /// Moves from the previous deploy to commit node `ci`; `None` when the
    /// graph is partial and the move removes commits.
    fn move_to(&self, graph: &Graph, ci: u32, prev: Option<&LiveDeploy>) -> Option<Moved> {
        let Some(p) = prev else {
            let reach = reach_of(graph, ci);
            return Some(Moved { previous: Previous::Baseline, reach, added: Vec::new(), removed: Vec::new() });
        };
        let step = graph.step(ci, &p.reach, p.tip);
        if graph.is_partial() && !step.removed.is_empty() {
            return None;
        }
        let previous = match p.record {
            Some(i) => Previous::Record { index: i },
            None => Previous::Base { commit: self.commit_ref(graph, p.tip) },
        };
        Some(Moved { previous, reach: step.reach, added: step.added, removed: step.removed })
    }

    fn change_truths(&self, graph: &Graph, followed: Followed<'_>) -> BTreeMap<String, ChangeTruth> {
        followed
            .names
            .iter()
            .zip(followed.carriers.iter().zip(followed.containment))
            .map(|(name, (cs, contained))| {
                let carriers = cs.iter().map(|i| self.commit_ref(graph, *i)).collect();
                ((*name).clone(), ChangeTruth { contained, carriers })
            })
            .collect()
    }
}

/// What a commit node reaches: in a partial graph a hidden commit reaches
/// every hidden commit (as far as it was read).
fn reach_of(graph: &Graph, i: u32) -> Bits {
    if graph.is_partial() && graph.is_hidden(i) {
        graph.hidden_set()
    } else {
        graph.reach_full(i)
    }
}

/// `--base REV` as the deploy compared with.
fn base_deploy(graph: &Graph, b: Oid) -> LiveDeploy {
    let bi = graph.node_of(b).expect("base was loaded");
    LiveDeploy { record: None, tip: bi, reach: reach_of(graph, bi), oid: b }
}

/// Whether a partial graph (read down to the first deploy) can answer the
/// claims of commits: every claimed commit, and one of its equivalents, must
/// have been read above the first deploy (equivalents by patch-id are only
/// looked for among the commits read). Claimed change IDs need no such
/// test: what the unread history could change about them is decided by
/// [`super::Reader::read_for`].
fn partial_answers(graph: &Graph, input: &Input, keys: &BTreeMap<String, ClaimKey>) -> bool {
    let answered = keys.values().all(|k| match k {
        ClaimKey::Sha(eq) => eq.iter().any(|c| !graph.is_hidden(*c)),
        ClaimKey::Id(_) | ClaimKey::Missing => true,
    });
    let shas_read = input.claim_shas.values().flatten().all(|o| graph.node_of(*o).is_some_and(|i| !graph.is_hidden(i)));
    answered && shas_read
}
