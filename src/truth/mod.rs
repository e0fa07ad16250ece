//! Truth from git: what each record's deploy really carried.
//!
//! Only this layer talks to git. It hands the audit plain data: for every
//! record of a history, the commit it resolved to, the commits added and
//! removed against the previous record, the changes introduced, the
//! components changed, the versions read, and where each claimed change
//! stands in every deploy of the history.

mod components;
mod graph;
mod releases;

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Result};
use serde::Serialize;

pub use components::{parse_version, same_version, VersionAt, VERSION_FILES};
pub use graph::{Bits, Graph, Live};

use crate::config::{Component, Config};
use crate::git::{Oid, Repo, Resolved};
use crate::records::{History, Record};
use crate::time::Timestamp;

/// A commit, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitRef {
    /// Full SHA.
    pub sha: String,
    /// First line of the message (raw; the report escapes it).
    pub subject: String,
    /// Committer time.
    pub time: Timestamp,
    /// Change IDs it carries.
    pub changes: Vec<String>,
}

impl CommitRef {
    /// Seven hex digits.
    pub fn short(&self) -> &str {
        crate::text::short_sha(&self.sha)
    }
}

/// What a record's refs resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Target {
    /// The deploy's commit.
    Commit {
        /// The commit.
        commit: CommitRef,
    },
    /// Neither the commit nor the release could be resolved.
    Missing {
        /// Why, in one sentence.
        reason: String,
    },
}

/// A problem with a record's refs that still left a commit to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum RefProblem {
    /// The release (or commit) does not exist; the other one did.
    Unknown {
        /// What was named.
        name: String,
        /// Why it is unusable.
        reason: String,
    },
    /// The release's tag points elsewhere than the record's commit.
    Mismatch {
        /// The release.
        release: String,
        /// Where the tag points now.
        tag_commit: String,
        /// What the record says.
        record_commit: String,
    },
}

/// What the deploy is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Previous {
    /// The first record of the history: nothing to compare with.
    Baseline,
    /// An earlier record (index into the history).
    Record {
        /// Index into the history's records.
        index: usize,
    },
    /// A commit given with `--base`.
    Base {
        /// The base commit.
        commit: CommitRef,
    },
}

/// A change that a deploy shipped for the first time (relative to the previous one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shipped {
    /// The change ID.
    pub change: String,
    /// The added commits carrying it.
    pub commits: Vec<String>,
}

/// One component in one deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentState {
    /// Component name.
    pub name: String,
    /// Its paths whose content differs from the previous deploy's.
    pub changed_paths: Vec<String>,
    /// Files changed (only when asked for, by `show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<String>>,
    /// Version at this deploy's commit.
    pub version: Option<VersionAt>,
    /// Version at the previous deploy's commit.
    pub previous_version: Option<VersionAt>,
}

impl ComponentState {
    /// Whether any file of the component differs.
    pub fn changed(&self) -> bool {
        !self.changed_paths.is_empty()
    }
}

/// Where a claimed change stands in the deploy that claims it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClaimState {
    /// A commit reachable from the deploy carries it.
    Contained {
        /// The carrying commit.
        by: String,
    },
    /// Carried by a reachable commit, but reverted.
    Reverted {
        /// The carrying commit.
        carrier: String,
        /// The revert.
        by: String,
        /// The revert's subject.
        by_subject: String,
    },
    /// No reachable commit carries it.
    Absent,
    /// The claim is a commit SHA that names no commit in the repository.
    NoSuchCommit,
}

/// One claim of a record, checked against its deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimTruth {
    /// The change as the record wrote it.
    pub change: String,
    /// Where it stands.
    pub state: ClaimState,
    /// Commits that carry it anywhere in the history read (equivalents included).
    pub carriers: Vec<String>,
    /// Components the carrying commits touch (only when the record is about
    /// some components).
    pub touched: Option<Vec<String>>,
}

/// The truth of one record's deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deploy {
    /// The commit, or why there is none.
    pub target: Target,
    /// Problems with the refs that left a commit to check.
    pub ref_problems: Vec<RefProblem>,
    /// Annotated tag time of the release, if any.
    pub tag_time: Option<Timestamp>,
    /// What it is compared with.
    pub previous: Previous,
    /// Commits added since the previous deploy, newest first.
    pub added: Vec<CommitRef>,
    /// Commits the previous deploy had and this one does not.
    pub removed: Vec<CommitRef>,
    /// Changes this deploy introduced.
    pub introduced: Vec<Shipped>,
    /// Changes live before and not any more (rollback, revert).
    pub unshipped: Vec<String>,
    /// Every component with what changed.
    pub components: Vec<ComponentState>,
    /// The record's claims, in its order.
    pub claims: Vec<ClaimTruth>,
}

impl Deploy {
    /// A record whose refs resolve to no commit.
    pub fn missing(reason: String, ref_problems: Vec<RefProblem>) -> Deploy {
        Deploy {
            target: Target::Missing { reason },
            ref_problems,
            tag_time: None,
            previous: Previous::Baseline,
            added: Vec::new(),
            removed: Vec::new(),
            introduced: Vec::new(),
            unshipped: Vec::new(),
            components: Vec::new(),
            claims: Vec::new(),
        }
    }

    /// The commit, if resolved.
    pub fn commit(&self) -> Option<&CommitRef> {
        match &self.target {
            Target::Commit { commit } => Some(commit),
            Target::Missing { .. } => None,
        }
    }
}

/// Per record of a history, whether its commit contains a change (`None`:
/// the record has no commit), kept as the records where that changes: a
/// change's standing moves rarely, and histories hold thousands of records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Containment(Vec<(usize, Option<bool>)>);

impl Containment {
    /// From one value per record (tests, literal data).
    pub fn from_states(states: &[Option<bool>]) -> Containment {
        let mut c = Containment::default();
        for (j, v) in states.iter().enumerate() {
            c.set(j, *v);
        }
        c
    }

    /// The standing at record `j`.
    pub fn get(&self, j: usize) -> Option<bool> {
        match self.0.partition_point(|(start, _)| *start <= j) {
            0 => None,
            i => self.0[i - 1].1,
        }
    }

    /// The first record in `from..to` whose commit contains the change.
    pub fn first_contained(&self, from: usize, to: usize) -> Option<usize> {
        for (i, (start, v)) in self.0.iter().enumerate() {
            let end = self.0.get(i + 1).map_or(usize::MAX, |next| next.0);
            let at = (*start).max(from);
            if *v == Some(true) && at < end && at < to {
                return Some(at);
            }
        }
        None
    }

    /// Records the standing from record `j` on (`j` never decreases).
    pub fn set(&mut self, j: usize, v: Option<bool>) {
        if self.0.last().map(|(_, last)| *last) != Some(v) || self.0.is_empty() {
            self.0.push((j, v));
        }
    }
}

/// Where one change stands across a whole history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeTruth {
    /// Per record: whether its commit contains the change.
    pub contained: Containment,
    /// Commits carrying it (equivalents included).
    pub carriers: Vec<CommitRef>,
}

/// The truth of a history.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    /// The environment.
    pub environment: String,
    /// One per record, in history order.
    pub deploys: Vec<Deploy>,
    /// Every change claimed in the history (and any asked for), by name.
    pub changes: BTreeMap<String, ChangeTruth>,
    /// Component names known.
    pub components: Vec<String>,
}

/// What to compute besides the audit's needs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--base REV`: compare the first record with this commit.
    pub base: Option<String>,
    /// More changes to follow across the history (for `trace`).
    pub extra_changes: Vec<String>,
    /// List changed files per component (for `show`), for these record indexes.
    pub files_for: Vec<usize>,
    /// `gate --base REV`: compare the last record with this commit instead
    /// of the record before it.
    pub last_against: Option<String>,
    /// Read the history as a release history (also when every record comes
    /// from a changelog or tags source): see `releases.rs`.
    pub release_history: bool,
}

/// A record's refs resolved: the commit to check with the annotated tag's
/// time, the problems found, and why there is no commit when there is none.
pub type Resolution = (Option<(Oid, Option<i64>)>, Vec<RefProblem>, Option<String>);

/// Told how far [`Reader::read`] got (a progress bar, for example).
pub trait Progress {
    /// `done` of the history's `total` records have been read.
    fn advance(&self, done: usize, total: usize);
}

/// Reads the truth of one history.
pub struct Reader<'r> {
    repo: &'r Repo,
    config: &'r Config,
    progress: Option<&'r dyn Progress>,
    /// Tree entries read so far.
    trees: components::TreeIndex,
}

fn looks_like_sha(s: &str) -> bool {
    (7..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Changes carried by `added` commits that are live in `reach` and were not
/// in `before`, with the added commits carrying each, oldest first.
fn introduced_by(graph: &Graph, added: &[u32], reach: &Bits, before: &Bits) -> Vec<Shipped> {
    let mut sorted = added.to_vec();
    sorted.sort_by_key(|i| (graph.node(*i).time, *i));
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

/// Changes carried by `candidates` (removed or reverted commits) that were
/// live in `before` and are not in `reach`.
fn unshipped_by(graph: &Graph, candidates: impl Iterator<Item = u32>, reach: &Bits, before: &Bits) -> Vec<String> {
    let mut unshipped: Vec<String> = Vec::new();
    for c in candidates {
        for &ch in &graph.node(c).changes {
            let name = graph.change_name(ch);
            let carriers = graph.carriers(name);
            if !unshipped.iter().any(|u| u == name)
                && matches!(graph.live(carriers, before), Live::Contained(_))
                && !matches!(graph.live(carriers, reach), Live::Contained(_))
            {
                unshipped.push(name.to_string());
            }
        }
    }
    unshipped
}

/// Where a claim stands, from where its carriers stand.
fn claim_state(graph: &Graph, key: &ClaimKey, live: Live) -> ClaimState {
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

/// A history's records resolved, before any commit is read.
struct Input {
    targets: Vec<Option<(Oid, Option<i64>)>>,
    problems: Vec<Vec<RefProblem>>,
    missing: Vec<Option<String>>,
    base: Option<Oid>,
    last_against: Option<Oid>,
    claim_shas: BTreeMap<String, Option<Oid>>,
    all_claims: Vec<String>,
    tips: Vec<Oid>,
}

/// How a claim is followed through the graph.
#[derive(Clone)]
enum ClaimKey {
    /// A change ID, carried by messages.
    Id(String),
    /// A commit, with its equivalents (cherry-picks, same patch-id).
    Sha(Vec<u32>),
    /// A full SHA that names no commit.
    Missing,
}

impl<'r> Reader<'r> {
    /// A reader over a repository with a configuration.
    pub fn new(repo: &'r Repo, config: &'r Config) -> Reader<'r> {
        Reader { repo, config, progress: None, trees: Default::default() }
    }

    /// Reports progress to `p` while reading.
    pub fn with_progress(mut self, p: &'r dyn Progress) -> Reader<'r> {
        self.progress = Some(p);
        self
    }

    fn advance(&self, done: usize, total: usize) {
        if let Some(p) = self.progress {
            p.advance(done, total);
        }
    }

    fn commit_ref(&self, g: &Graph, i: u32) -> CommitRef {
        let n = g.node(i);
        CommitRef {
            sha: n.oid.to_string(),
            subject: n.subject.clone(),
            time: Timestamp(n.time),
            changes: n.changes.iter().map(|c| g.change_name(*c).to_string()).collect(),
        }
    }

    /// Resolves a record's refs: the commit to check, and any problems.
    pub fn resolve(&self, r: &Record) -> Resolution {
        let mut problems = Vec::new();
        let by_release = r.release.as_ref().map(|rel| (rel, self.repo.resolve_release(rel)));
        let by_commit = r.commit.as_ref().map(|c| (c, self.repo.resolve_commit(c)));
        let tag_time = match &by_release {
            Some((_, Resolved::Commit { tag_time, .. })) => *tag_time,
            _ => None,
        };
        match (by_release, by_commit) {
            (Some((rel, Resolved::Commit { oid: t, .. })), Some((_, Resolved::Commit { oid: c, .. }))) => {
                if t != c {
                    problems.push(RefProblem::Mismatch {
                        release: rel.clone(),
                        tag_commit: t.to_string(),
                        record_commit: c.to_string(),
                    });
                }
                (Some((c, tag_time)), problems, None)
            }
            (Some((_, Resolved::Commit { oid, .. })), None) => (Some((oid, tag_time)), problems, None),
            (None, Some((_, Resolved::Commit { oid, .. }))) => (Some((oid, None)), problems, None),
            (Some((rel, Resolved::Missing(why))), Some((_, Resolved::Commit { oid, .. }))) => {
                problems.push(RefProblem::Unknown { name: rel.clone(), reason: why });
                (Some((oid, None)), problems, None)
            }
            (Some((_, Resolved::Commit { oid, .. })), Some((c, Resolved::Missing(why)))) => {
                problems.push(RefProblem::Unknown { name: c.clone(), reason: why });
                (Some((oid, tag_time)), problems, None)
            }
            (Some((_, Resolved::Missing(a))), Some((_, Resolved::Missing(b)))) => {
                (None, problems, Some(format!("{a}; {b}")))
            }
            (Some((_, Resolved::Missing(why))), None) | (None, Some((_, Resolved::Missing(why)))) => {
                (None, problems, Some(why))
            }
            (None, None) => (None, problems, Some("the record names neither a commit nor a release".into())),
        }
    }

    /// Computes the truth of a history.
    pub fn read(&self, history: &History, opts: &Options) -> Result<Truth> {
        let n = history.records.len();
        self.advance(0, n);
        let mut targets: Vec<Option<(Oid, Option<i64>)>> = Vec::with_capacity(n);
        let mut problems: Vec<Vec<RefProblem>> = Vec::with_capacity(n);
        let mut missing: Vec<Option<String>> = Vec::with_capacity(n);
        for r in &history.records {
            let (t, p, m) = self.resolve(r);
            targets.push(t);
            problems.push(p);
            missing.push(m);
        }
        let resolve_base = |spec: &Option<String>| -> Result<Option<Oid>> {
            match spec {
                Some(spec) => match self.repo.resolve_commit(spec) {
                    Resolved::Commit { oid, .. } => Ok(Some(oid)),
                    Resolved::Missing(why) => bail!("--base {spec}: {why}"),
                },
                None => Ok(None),
            }
        };
        let base = resolve_base(&opts.base)?;
        let last_against = resolve_base(&opts.last_against)?;

        // Claims: change IDs, or commit SHAs (resolved now; an ambiguous prefix is an input error).
        let mut claim_shas: BTreeMap<String, Option<Oid>> = BTreeMap::new();
        let mut all_claims: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for c in history.records.iter().flat_map(|r| r.changes.iter().flatten()).chain(&opts.extra_changes) {
            if seen.insert(c.as_str()) {
                all_claims.push(c.clone());
            }
        }
        for c in &all_claims {
            if looks_like_sha(c) && !self.config.changes.is_change_id(c) {
                let found = self.repo.lookup_sha(c).map_err(|e| {
                    let at = history
                        .records
                        .iter()
                        .find(|r| r.changes.iter().flatten().any(|x| x == c))
                        .map(|r| format!("{} (record {}): ", r.origin, r.id))
                        .unwrap_or_default();
                    anyhow::anyhow!("{at}{e}")
                })?;
                if found.is_some() || c.len() == 40 {
                    claim_shas.insert(c.clone(), found);
                }
            }
        }

        let mut tips: Vec<Oid> = targets.iter().flatten().map(|(o, _)| *o).collect();
        tips.extend(base);
        tips.extend(last_against);
        tips.extend(claim_shas.values().flatten());
        // Read only what the deploys added since the first one (like `git
        // log first..last`), unless that cannot answer every question; then
        // read everything the records reach.
        let first = base.or_else(|| targets.iter().flatten().next().map(|(o, _)| *o));
        let hide = if last_against.is_some() { None } else { first };
        let input = Input { targets, problems, missing, base, last_against, claim_shas, all_claims, tips };
        // Release histories (changelogs, tags) take their own path.
        if opts.release_history || (n > 0 && history.records.iter().all(|r| r.source.release_history)) {
            return self.read_releases(history, opts, &input);
        }
        if let Some(hide) = hide {
            let graph = Graph::load(self.repo, &input.tips, Some(hide), &self.config.changes)?;
            if let Some(truth) = self.read_graph(history, opts, &input, &graph)? {
                return Ok(truth);
            }
        }
        let graph = Graph::load(self.repo, &input.tips, None, &self.config.changes)?;
        let truth = self.read_graph(history, opts, &input, &graph)?;
        Ok(truth.expect("a full graph answers every question"))
    }

    /// The truth of a history over a loaded graph; `None` when the graph is
    /// partial and the answer needs the history below the first deploy.
    fn read_graph(&self, history: &History, opts: &Options, input: &Input, graph: &Graph) -> Result<Option<Truth>> {
        let n = history.records.len();
        let Input { targets, problems, missing, base, last_against, claim_shas, all_claims, .. } = input;
        let (base, last_against) = (*base, *last_against);

        let components: Vec<Component> = if self.config.default_components {
            let commits: Vec<Oid> = targets.iter().flatten().map(|(o, _)| *o).chain(base).collect();
            components::default_components(self.repo, &commits)?
        } else {
            self.config.components.clone()
        };

        let keys: BTreeMap<String, ClaimKey> = all_claims
            .iter()
            .map(|c| {
                let key = match claim_shas.get(c) {
                    Some(Some(oid)) => ClaimKey::Sha(self.equivalents(graph, *oid)?),
                    Some(None) => ClaimKey::Missing,
                    None => ClaimKey::Id(c.clone()),
                };
                Ok((c.clone(), key))
            })
            .collect::<Result<_>>()?;
        if graph.is_partial() {
            let answered = keys.iter().all(|(_, k)| match k {
                ClaimKey::Id(id) => graph.carriers(id).iter().any(|c| !graph.is_hidden(*c)),
                ClaimKey::Sha(eq) => eq.iter().any(|c| !graph.is_hidden(*c)),
                ClaimKey::Missing => true,
            });
            let shas_read =
                claim_shas.values().flatten().all(|o| graph.node_of(*o).is_some_and(|i| !graph.is_hidden(i)));
            if !answered || !shas_read {
                return Ok(None);
            }
        }
        let carriers_of = |key: &ClaimKey| -> Vec<u32> {
            match key {
                ClaimKey::Id(id) => graph.carriers(id).to_vec(),
                ClaimKey::Sha(eq) => eq.clone(),
                ClaimKey::Missing => Vec::new(),
            }
        };
        // Every followed change, with its carriers, and for each commit the
        // changes whose standing it can alter: a deploy only re-checks the
        // changes its added commits carry or revert, so following changes
        // costs what the ranges hold, not changes x records.
        let key_names: Vec<&String> = keys.keys().collect();
        let key_carriers: Vec<Vec<u32>> = keys.values().map(carriers_of).collect();
        let mut watch: HashMap<u32, Vec<usize>> = HashMap::new();
        for (ki, cs) in key_carriers.iter().enumerate() {
            for c in cs {
                watch.entry(*c).or_default().push(ki);
            }
        }
        let mut standing: Vec<Option<bool>> = vec![None; key_names.len()];
        let mut recheck_all = true;
        let mut containment: Vec<Containment> = vec![Containment::default(); key_names.len()];

        let mut deploys = Vec::with_capacity(n);
        let mut versions = components::Versions::default();
        // The previous deploy: its record index (None for --base), tip, reach and tree.
        let mut prev: Option<(Option<usize>, u32, Bits, Oid)> = None;
        let reach_of =
            |i: u32| if graph.is_partial() && graph.is_hidden(i) { graph.hidden_set() } else { graph.reach_full(i) };
        if let Some(b) = base {
            let bi = graph.node_of(b).expect("base was loaded");
            prev = Some((None, bi, reach_of(bi), b));
        }
        for (k, record) in history.records.iter().enumerate() {
            self.advance(k, n);
            let Some((oid, tag_time)) = targets[k] else {
                for (ki, st) in standing.iter_mut().enumerate() {
                    if st.is_some() {
                        *st = None;
                        containment[ki].set(k, None);
                    }
                }
                recheck_all = true;
                deploys.push(Deploy::missing(missing[k].clone().unwrap_or_default(), problems[k].clone()));
                continue;
            };
            let ci = graph.node_of(oid).expect("record commits were loaded");
            if let (Some(b), true) = (last_against, k + 1 == n) {
                let bi = graph.node_of(b).expect("base was loaded");
                prev = Some((None, bi, reach_of(bi), b));
            }
            let (previous, reach, added, removed, prev_reach, prev_oid) = match &prev {
                None => (Previous::Baseline, reach_of(ci), Vec::new(), Vec::new(), None, None),
                Some((pk, ptip, preach, poid)) => {
                    let step = graph.step(ci, preach, *ptip);
                    if graph.is_partial() && !step.removed.is_empty() {
                        // A rollback or a switch of line: what stays live may
                        // lie below the first deploy, which was not read.
                        return Ok(None);
                    }
                    let previous = match pk {
                        Some(i) => Previous::Record { index: *i },
                        None => Previous::Base { commit: self.commit_ref(graph, *ptip) },
                    };
                    (previous, step.reach, step.added, step.removed, Some(preach), Some(*poid))
                }
            };

            // Changes introduced: carried by added commits, live now, not live before.
            let introduced = match prev_reach {
                Some(preach) => introduced_by(graph, &added, &reach, preach),
                None => Vec::new(),
            };
            // Changes live before and not now: removed commits, or reverts added.
            let unshipped = match prev_reach {
                Some(preach) => {
                    let reverted = added.iter().flat_map(|&a| graph.node(a).reverts.iter().copied());
                    unshipped_by(graph, removed.iter().copied().chain(reverted), &reach, preach)
                }
                None => Vec::new(),
            };

            // Where the followed changes stand here: all of them after a
            // gap or a removal, else only those the added commits touch.
            let recheck: Vec<usize> = if recheck_all || !removed.is_empty() || prev_reach.is_none() {
                (0..key_names.len()).collect()
            } else {
                let mut touched: Vec<usize> = Vec::new();
                let mut stack: Vec<u32> = added.clone();
                let mut depth = 0;
                while !stack.is_empty() && depth < 8 {
                    let mut next = Vec::new();
                    for c in stack {
                        touched.extend(watch.get(&c).into_iter().flatten());
                        next.extend(graph.node(c).reverts.iter().copied());
                    }
                    stack = next;
                    depth += 1;
                }
                touched.sort_unstable();
                touched.dedup();
                touched
            };
            recheck_all = false;
            for ki in recheck {
                let now = Some(matches!(graph.live(&key_carriers[ki], &reach), Live::Contained(_)));
                if standing[ki] != now {
                    standing[ki] = now;
                    containment[ki].set(k, now);
                }
            }
            let about = record.about_components();
            let mut claims = Vec::new();
            for c in record.changes.iter().flatten() {
                let key = &keys[c];
                let ki = key_names.binary_search(&c).expect("every claim is followed");
                let carriers = &key_carriers[ki];
                let live = graph.live(carriers, &reach);
                claims.push(self.claim_truth(graph, c, key, carriers, live, record, &about, &components)?);
            }

            let comp_states =
                self.component_states(oid, prev_oid, &components, &mut versions, opts.files_for.contains(&k))?;

            let to_refs = |v: &[u32]| -> Vec<CommitRef> {
                let mut v = v.to_vec();
                v.sort_by_key(|i| std::cmp::Reverse((graph.node(*i).time, *i)));
                v.iter().map(|i| self.commit_ref(graph, *i)).collect()
            };
            deploys.push(Deploy {
                target: Target::Commit { commit: self.commit_ref(graph, ci) },
                ref_problems: problems[k].clone(),
                tag_time: tag_time.map(Timestamp),
                previous,
                added: to_refs(&added),
                removed: to_refs(&removed),
                introduced,
                unshipped,
                components: comp_states,
                claims,
            });
            prev = Some((Some(k), ci, reach, oid));
        }
        let changes: BTreeMap<String, ChangeTruth> = key_names
            .iter()
            .zip(key_carriers.iter().zip(containment))
            .map(|(name, (cs, contained))| {
                let carriers = cs.iter().map(|i| self.commit_ref(graph, *i)).collect();
                ((*name).clone(), ChangeTruth { contained, carriers })
            })
            .collect();
        self.advance(n, n);
        Ok(Some(Truth {
            environment: history.environment.clone(),
            deploys,
            changes,
            components: components.iter().map(|c| c.name.clone()).collect(),
        }))
    }

    /// One claim of a record, from where its carriers stand in the deploy.
    #[allow(clippy::too_many_arguments)]
    fn claim_truth(
        &self,
        graph: &Graph,
        change: &str,
        key: &ClaimKey,
        carriers: &[u32],
        live: Live,
        record: &Record,
        about: &Option<Vec<String>>,
        components: &[Component],
    ) -> Result<ClaimTruth> {
        let touched = match about {
            Some(about) if !carriers.is_empty() => {
                Some(self.touched_for(graph, carriers, components, about, record.source.file.as_deref())?)
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
        let root = node.tree;
        let parent_root = match node.parents.first() {
            Some(&p) => Some(graph.node(p).tree),
            None => self.repo.first_parent_tree(node.oid)?,
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
    fn component_states(
        &self,
        oid: Oid,
        prev_oid: Option<Oid>,
        comps: &[Component],
        versions: &mut components::Versions,
        with_files: bool,
    ) -> Result<Vec<ComponentState>> {
        let root = self.repo.commit_tree(oid)?;
        let prev_root = prev_oid.map(|p| self.repo.commit_tree(p)).transpose()?;
        let mut out = Vec::with_capacity(comps.len());
        for (i, comp) in comps.iter().enumerate() {
            let changed_paths = match prev_root {
                Some(_) => components::component_change(self.repo, &self.trees, prev_root, root, comp)?,
                None => Vec::new(),
            };
            let files = if with_files && !changed_paths.is_empty() {
                Some(components::component_files(self.repo, prev_root, root, comp)?)
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
    fn equivalents(&self, graph: &Graph, oid: Oid) -> Result<Vec<u32>> {
        let mut eq = graph.trailer_equivalents(oid);
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
        Ok(eq)
    }
}
