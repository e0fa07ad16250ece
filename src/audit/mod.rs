//! The audit: a pure function from a history and its truth to findings.
//! It never touches git, so every rule is tested on literal data.
//!
//! Each record is audited by a fixed list of rule families (`RULES`),
//! each a file of this folder, over one `RecordContext` built per record.

mod claims;
mod commits;
mod components;
mod dates;
mod finding;
mod refs;
mod rollbacks;
#[cfg(test)]
mod testing;
mod unclaimed;
mod versions;

use std::collections::HashMap;

use crate::records::{History, Record};
use crate::truth::{CommitRef, ComponentState, Deploy, Truth};
use crate::version::Version;

pub use finding::{Evidence, Finding, Kind, Severity, Skipped, Summary};

/// What the audit needs besides the data.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `changes.require`: report added commits without a change ID.
    pub require_change: bool,
    /// `changes.unverified = "error"`: an unverified claim is an error.
    pub unverified_error: bool,
}

impl Options {
    /// The options a configuration sets.
    pub fn from_config(config: &crate::config::Config) -> Options {
        Options { require_change: config.require_change, unverified_error: config.unverified_error }
    }
}

/// Audits a history against its truth. Findings come in history order,
/// and within a record in the order of the rule families (`RULES`).
pub fn audit(history: &History, truth: &Truth, opts: &Options) -> (Vec<Finding>, Skipped) {
    let shared = Shared::new(history, truth, opts);
    let mut out = Out::default();
    for k in 0..history.records.len() {
        shared.audit_record(k, RULES, &mut out);
    }
    (out.findings, out.skipped)
}

/// Audits one record of a history (the others give it context).
pub fn audit_one(history: &History, truth: &Truth, k: usize, opts: &Options) -> (Vec<Finding>, Skipped) {
    let mut out = Out::default();
    Shared::new(history, truth, opts).audit_record(k, RULES, &mut out);
    (out.findings, out.skipped)
}

/// One rule family: looks at a record in its context and adds findings.
type Rule = fn(&RecordContext<'_>, &mut Out);

/// The rule families, in the order their findings come within a record.
/// A record whose refs resolve to no commit gets only an unknown-ref
/// finding (see `refs::target`) and none of these.
const RULES: &[Rule] = &[
    refs::check,
    claims::check,
    unclaimed::check,
    components::check,
    versions::check,
    dates::check,
    rollbacks::check,
    commits::check,
];

/// What the rules add to.
#[derive(Debug, Default)]
struct Out {
    findings: Vec<Finding>,
    skipped: Skipped,
}

/// For each change, the records that claim it, in history order.
type Claimants<'a> = HashMap<&'a str, Vec<usize>>;

/// What every record of one audit shares.
struct Shared<'a> {
    history: &'a History,
    truth: &'a Truth,
    options: &'a Options,
    claimants: Claimants<'a>,
}

impl<'a> Shared<'a> {
    fn new(history: &'a History, truth: &'a Truth, options: &'a Options) -> Shared<'a> {
        let mut claimants = Claimants::new();
        for (j, r) in history.records.iter().enumerate() {
            for c in r.changes.iter().flatten() {
                let list = claimants.entry(c.as_str()).or_default();
                if list.last() != Some(&j) {
                    list.push(j);
                }
            }
        }
        Shared { history, truth, options, claimants }
    }

    /// Audits record `k` with `rules` (a record without a deploy has nothing to audit).
    fn audit_record(&self, k: usize, rules: &[Rule], out: &mut Out) {
        let (Some(record), Some(deploy)) = (self.history.records.get(k), self.truth.deploys.get(k)) else {
            return;
        };
        // A tag the source leaves out makes no claims to check: one finding.
        if record.source.unrecorded {
            out.findings.extend(refs::unrecorded(record, deploy));
            return;
        }
        if record.changes.is_none() {
            out.skipped.records_without_changes += 1;
        }
        if record.components.is_none() {
            out.skipped.records_without_components += 1;
        }
        let Some(commit) = refs::target(record, deploy, out) else {
            return;
        };
        let previous = deploy.previous.name(self.history);
        let mut components = HashMap::with_capacity(deploy.components.len());
        for state in &deploy.components {
            components.entry(state.name.as_str()).or_insert(state);
        }
        let cx = RecordContext {
            components,
            history: self.history,
            truth: self.truth,
            options: self.options,
            claimants: &self.claimants,
            k,
            record,
            deploy,
            commit,
            previous,
        };
        for rule in rules {
            rule(&cx, out);
        }
    }
}

/// One record with all a rule may look at, built once per record.
struct RecordContext<'a> {
    history: &'a History,
    truth: &'a Truth,
    options: &'a Options,
    /// Who claims each change.
    claimants: &'a Claimants<'a>,
    /// The record's index in the history.
    k: usize,
    record: &'a Record,
    deploy: &'a Deploy,
    /// The deploy's commit.
    commit: &'a CommitRef,
    /// What the deploy is compared with, as findings name it; `None` at the baseline.
    previous: Option<String>,
    /// The deploy's components by name (a record may list many thousands).
    components: HashMap<&'a str, &'a ComponentState>,
}

impl<'a> RecordContext<'a> {
    /// Whether there is an earlier deploy to compare with.
    fn compared(&self) -> bool {
        self.previous.is_some()
    }

    /// The compared-with deploy's name for a sentence.
    fn previous_name(&self) -> &str {
        self.previous.as_deref().unwrap_or("the previous deploy")
    }

    /// The state of the deploy's component of this name.
    fn component(&self, name: &str) -> Option<&'a ComponentState> {
        self.components.get(name).copied()
    }

    /// The id of record `j` of the history.
    fn id_of(&self, j: usize) -> String {
        self.history.records[j].id.clone()
    }

    /// A finding about this record (no change, no component yet).
    fn finding(&self, kind: Kind, severity: Severity, message: String, evidence: Evidence) -> Finding {
        Finding::new(self.record, kind, severity, message, evidence)
    }

    /// Evidence naming the deploy's commit.
    fn commit_evidence(&self) -> Evidence {
        Evidence { commit: Some(self.commit.sha.clone()), ..Evidence::default() }
    }

    /// Evidence naming the deploy's commit and what it is compared with.
    fn compared_evidence(&self) -> Evidence {
        Evidence { previous: self.previous.clone(), ..self.commit_evidence() }
    }
}

/// Seven hex digits of a SHA.
fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// Whether `pre` is a pre-release of `fin` (1.0.0-rc.1 of 1.0.0): a final
/// release's changelog section conventionally lists what its pre-releases shipped.
fn prerelease_of(pre: &Record, fin: &Record) -> bool {
    let version = |r: &Record| r.source.version.as_deref().and_then(Version::parse);
    match (version(pre), version(fin)) {
        (Some(p), Some(f)) => p.is_prerelease_of(&f),
        _ => false,
    }
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 on any error finding (default).
    #[default]
    Error,
    /// Exit 1 on any error or warning finding.
    Warning,
    /// Always exit 0 when the input was usable.
    Never,
}

/// The exit code for findings: 0, or 1 when any reaches `--fail-on`.
pub fn exit_code(findings: &[Finding], fail_on: FailOn) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return 0,
    };
    u8::from(findings.iter().any(|f| f.severity >= threshold))
}

#[cfg(test)]
mod tests {
    use super::testing::{claim, commit, comp, deploy, expect, listing, made_at, record, sha, t0, Case};
    use super::*;
    use crate::records::ClaimedComponent;
    use crate::time::Timestamp;
    use crate::truth::{ClaimState, ComponentState, RefProblem, Shipped, VersionAt};

    fn with(severity: Severity) -> Finding {
        expect(Kind::RolledBack, severity, "r0", "", Evidence::default())
    }

    #[test]
    fn exit_code_is_one_when_a_finding_reaches_fail_on() {
        let (info, warning, error) = (with(Severity::Info), with(Severity::Warning), with(Severity::Error));
        let table = [
            (FailOn::Error, vec![], 0),
            (FailOn::Error, vec![info.clone(), warning.clone()], 0),
            (FailOn::Error, vec![info.clone(), error.clone()], 1),
            (FailOn::Warning, vec![info.clone()], 0),
            (FailOn::Warning, vec![warning.clone()], 1),
            (FailOn::Warning, vec![error.clone()], 1),
            (FailOn::Never, vec![error, warning, info], 0),
        ];
        for (fail_on, findings, code) in table {
            assert_eq!(exit_code(&findings, fail_on), code, "{fail_on:?} {findings:?}");
        }
    }

    /// r0, and r1 that every rule family has something against.
    fn everything_wrong() -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.ref_problems =
            vec![RefProblem::Mismatch { release: "v1".into(), tag_commit: sha("f"), record_commit: sha("b") }];
        d1.claims = vec![claim("A-1", ClaimState::Absent)];
        d1.introduced = vec![Shipped { change: "B-2".into(), commits: vec![sha("e")] }];
        let version = Some(VersionAt { file: "web/VERSION".into(), value: Some("1.0".into()) });
        d1.components = vec![comp("auth", true), ComponentState { version, ..comp("web", true) }];
        d1.removed = vec![commit("d")];
        d1.added = vec![commit("e")];
        // Deployed a minute before the commit was made.
        made_at(&mut d1, Timestamp(t0().0 + 60));
        let mut r1 = listing("r1", &[]);
        r1.components = Some(vec![ClaimedComponent { name: "web".into(), version: Some("2.0".into()) }]);
        r1.changes = Some(vec!["A-1".into()]);
        let mut case = Case::new(vec![(record("r0"), deploy("a", None)), (r1, d1)]);
        case.options.require_change = true;
        case
    }

    #[test]
    fn findings_of_one_record_come_in_rule_order() {
        let (f, skipped) = everything_wrong().audit(1);
        let kinds: Vec<Kind> = f.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::RefMismatch,
                Kind::ClaimedNotShipped,
                Kind::ShippedNotClaimed,
                Kind::ComponentNotClaimed,
                Kind::VersionMismatch,
                Kind::DateMismatch,
                Kind::RolledBack,
                Kind::CommitWithoutChange,
            ]
        );
        assert_eq!(skipped, Skipped::default());
    }

    #[test]
    fn audit_skips_records_without_claims_and_goes_in_history_order() {
        let case = everything_wrong();
        let (f, skipped) = audit(&case.history, &case.truth, &case.options);
        assert_eq!(f, case.audit(1).0);
        assert_eq!((skipped.records_without_changes, skipped.records_without_components), (1, 1));
        assert_eq!(audit_one(&case.history, &case.truth, 1, &case.options).0, f);
        assert_eq!(audit_one(&case.history, &case.truth, 5, &case.options), (vec![], Skipped::default()));
    }

    #[test]
    fn prerelease_of_needs_the_same_core_version() {
        let versioned = |v: &str| {
            let mut r = record(v);
            r.source.version = Some(v.into());
            r
        };
        assert!(prerelease_of(&versioned("v1.0.0-rc.1"), &versioned("1.0.0")));
        assert!(!prerelease_of(&versioned("v1.0.0-rc.1"), &versioned("1.0.1")));
        assert!(!prerelease_of(&versioned("1.0.0"), &versioned("1.0.0")));
        assert!(!prerelease_of(&record("x"), &versioned("1.0.0")));
        assert_eq!(short(&sha("abc")), "abc0000");
    }
}
