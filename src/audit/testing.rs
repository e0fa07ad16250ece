//! Literal data for the rules' tests: records, deploys and their truth
//! written by hand (no git), and a [`Case`] that runs rules on one record.

use std::collections::BTreeMap;

use super::{Evidence, Finding, Kind, Options, Out, Rule, Severity, Shared, Skipped, RULES};
use crate::records::{ClaimedComponent, History, Origin, Record, RecordKind};
use crate::time::Timestamp;
use crate::truth::{ChangeTruth, ClaimState, ClaimTruth, CommitRef, ComponentState, Containment, Deploy, Previous};
use crate::truth::{Target, Truth};

/// The time every record is deployed at and every commit made at, unless a test says otherwise.
pub(super) fn t0() -> Timestamp {
    Timestamp::parse("2023-03-28T09:00:00Z").unwrap()
}

/// A complete deploy-log record in `prod` that claims nothing (`changes`
/// and `components` absent); tests set what they need.
pub(super) fn record(id: &str) -> Record {
    Record {
        id: id.into(),
        environment: "prod".into(),
        release: None,
        commit: Some(format!("{id}-sha")),
        deployed_at: Some(t0()),
        components: None,
        changes: None,
        kind: RecordKind::Deploy,
        origin: Origin { file: "log.jsonl".into(), line: 1 },
        complete: true,
        about: None,
        source: Default::default(),
    }
}

/// `record(id)` claiming these changes.
pub(super) fn claiming(id: &str, changes: &[&str]) -> Record {
    Record { changes: Some(strings(changes)), ..record(id) }
}

/// `record(id)` listing these components (no versions).
pub(super) fn listing(id: &str, components: &[&str]) -> Record {
    let listed = components.iter().map(|n| ClaimedComponent { name: n.to_string(), version: None }).collect();
    Record { components: Some(listed), ..record(id) }
}

/// A full SHA: `seed` padded with zeros to 40 digits.
pub(super) fn sha(seed: &str) -> String {
    format!("{seed:0<40}")
}

/// A commit made at `t0()` that carries no change ID.
pub(super) fn commit(seed: &str) -> CommitRef {
    CommitRef { sha: sha(seed), subject: format!("commit {seed}"), time: t0(), changes: vec![] }
}

/// A deploy of commit `seed`, compared with record `previous` (or the baseline).
pub(super) fn deploy(seed: &str, previous: Option<usize>) -> Deploy {
    Deploy {
        target: Target::Commit { commit: commit(seed) },
        ref_problems: vec![],
        tag_time: None,
        previous: previous.map_or(Previous::Baseline, |index| Previous::Record { index }),
        added: vec![],
        removed: vec![],
        introduced: vec![],
        unshipped: vec![],
        components: vec![],
        claims: vec![],
    }
}

/// Sets the time deploy `d`'s commit was made.
pub(super) fn made_at(d: &mut Deploy, time: Timestamp) {
    if let Target::Commit { commit } = &mut d.target {
        commit.time = time;
    }
}

/// A component, changed (its folder) or not.
pub(super) fn comp(name: &str, changed: bool) -> ComponentState {
    ComponentState {
        name: name.into(),
        changed_paths: if changed { vec![format!("{name}/")] } else { vec![] },
        files: None,
        version: None,
        previous_version: None,
    }
}

/// A claim in `state`, carried by commit `sha("c")`.
pub(super) fn claim(change: &str, state: ClaimState) -> ClaimTruth {
    ClaimTruth { change: change.into(), state, carriers: vec![sha("c")], touched: None }
}

/// Owned strings.
pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The finding a test expects about record `record` (of `record()`'s
/// environment and origin), with no change or component.
pub(super) fn expect(kind: Kind, severity: Severity, record: &str, message: &str, evidence: Evidence) -> Finding {
    Finding {
        kind,
        severity,
        record: record.into(),
        environment: "prod".into(),
        change: None,
        component: None,
        message: message.into(),
        evidence,
        location: Origin { file: "log.jsonl".into(), line: 1 },
    }
}

/// `f` about change `change`.
pub(super) fn on_change(change: &str, f: Finding) -> Finding {
    Finding { change: Some(change.into()), ..f }
}

/// `f` about component `component`.
pub(super) fn on_component(component: &str, f: Finding) -> Finding {
    Finding { component: Some(component.into()), ..f }
}

/// Evidence naming the deploy's commit `seed`.
pub(super) fn at_commit(seed: &str) -> Evidence {
    Evidence { commit: Some(sha(seed)), ..Evidence::default() }
}

/// Evidence naming the deploy's commit `seed` and the record it is compared with.
pub(super) fn compared(seed: &str, previous: &str) -> Evidence {
    Evidence { previous: Some(previous.into()), ..at_commit(seed) }
}

/// A history with its truth, and the audit's options.
pub(super) struct Case {
    pub history: History,
    pub truth: Truth,
    pub options: Options,
}

impl Case {
    /// Records with their deploys, in history order; no change's standing known.
    pub fn new(pairs: Vec<(Record, Deploy)>) -> Case {
        let (records, deploys) = pairs.into_iter().unzip();
        Case {
            history: History { environment: "prod".into(), records },
            truth: Truth { environment: "prod".into(), deploys, changes: BTreeMap::new(), components: vec![] },
            options: Options::default(),
        }
    }

    /// Whether each record's commit contains `change`, in history order.
    pub fn contained(mut self, change: &str, states: &[bool]) -> Case {
        let states: Vec<Option<bool>> = states.iter().map(|&s| Some(s)).collect();
        let truth = ChangeTruth { contained: Containment::from_states(&states), carriers: vec![] };
        self.truth.changes.insert(change.into(), truth);
        self
    }

    /// Runs `rule` alone on record `k`.
    pub fn run(&self, k: usize, rule: Rule) -> (Vec<Finding>, Skipped) {
        self.run_rules(k, &[rule])
    }

    /// Runs every rule on record `k`, as the audit does.
    pub fn audit(&self, k: usize) -> (Vec<Finding>, Skipped) {
        self.run_rules(k, RULES)
    }

    fn run_rules(&self, k: usize, rules: &[Rule]) -> (Vec<Finding>, Skipped) {
        let mut out = Out::default();
        Shared::new(&self.history, &self.truth, &self.options).audit_record(k, rules, &mut out);
        (out.findings, out.skipped)
    }
}
