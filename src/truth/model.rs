//! The truth's data: what each record's deploy carried, as plain values the
//! audit and the reports read. Nothing here reads git.

use std::collections::BTreeMap;

use serde::Serialize;

use super::VersionAt;
use crate::records::History;
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

impl Previous {
    /// How reports name it: the record's id, `base SHORT`, or none for a baseline.
    pub fn name(&self, history: &History) -> Option<String> {
        match self {
            Previous::Record { index } => history.records.get(*index).map(|r| r.id.clone()),
            Previous::Base { commit } => Some(format!("base {}", commit.short())),
            Previous::Baseline => None,
        }
    }
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
        Deploy::new(Target::Missing { reason }, ref_problems, None, Previous::Baseline)
    }

    /// A deploy at `target` compared with `previous`, that carried nothing yet.
    pub fn new(
        target: Target,
        ref_problems: Vec<RefProblem>,
        tag_time: Option<Timestamp>,
        previous: Previous,
    ) -> Deploy {
        Deploy {
            target,
            ref_problems,
            tag_time,
            previous,
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

/// Told how far [`Reader::read`] got (a progress bar, for example).
pub trait Progress {
    /// `done` of the history's `total` records have been read.
    fn advance(&self, done: usize, total: usize);
}
