//! What the audit reports: findings, their kinds and severities, the checks
//! it skipped, and the counts a report's summary shows.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::records::{Origin, Record};
use crate::text::plural;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Probably wrong.
    Warning,
    /// The record is wrong.
    Error,
}

impl Severity {
    /// The lowercase name, in output and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The kinds of disagreement. Their order is the order reports list them
/// in (the HTML summary's table sorts by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Claimed, not contained.
    ClaimedNotShipped,
    /// Introduced, not claimed.
    ShippedNotClaimed,
    /// Component changed, not listed.
    ComponentNotClaimed,
    /// Component listed, not changed.
    ComponentNotChanged,
    /// Claimed, already live earlier.
    ShippedEarlier,
    /// Claimed, and no commit anywhere carries it: no evidence either way.
    UnverifiedClaim,
    /// Claimed change touches none of the record's components.
    ClaimedOutsideComponent,
    /// Deployed before the commit existed.
    DateMismatch,
    /// Claimed version differs from the version file.
    VersionMismatch,
    /// Commit or release does not exist.
    UnknownRef,
    /// Tag and commit disagree.
    RefMismatch,
    /// A release tag that the release history does not record.
    ReleaseNotRecorded,
    /// Deploy removed commits.
    RolledBack,
    /// Added commit without a change ID.
    CommitWithoutChange,
}

impl Kind {
    /// Every kind, in the table's order.
    pub const ALL: [Kind; 14] = [
        Kind::ClaimedNotShipped,
        Kind::ShippedNotClaimed,
        Kind::ComponentNotClaimed,
        Kind::ComponentNotChanged,
        Kind::ShippedEarlier,
        Kind::UnverifiedClaim,
        Kind::ClaimedOutsideComponent,
        Kind::DateMismatch,
        Kind::VersionMismatch,
        Kind::UnknownRef,
        Kind::RefMismatch,
        Kind::ReleaseNotRecorded,
        Kind::RolledBack,
        Kind::CommitWithoutChange,
    ];

    /// The name used in output and in JSON: the one place it is spelled.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ClaimedNotShipped => "claimed-not-shipped",
            Kind::ShippedNotClaimed => "shipped-not-claimed",
            Kind::ComponentNotClaimed => "component-not-claimed",
            Kind::ComponentNotChanged => "component-not-changed",
            Kind::ShippedEarlier => "shipped-earlier",
            Kind::UnverifiedClaim => "unverified-claim",
            Kind::ClaimedOutsideComponent => "claimed-outside-component",
            Kind::DateMismatch => "date-mismatch",
            Kind::VersionMismatch => "version-mismatch",
            Kind::UnknownRef => "unknown-ref",
            Kind::RefMismatch => "ref-mismatch",
            Kind::ReleaseNotRecorded => "release-not-recorded",
            Kind::RolledBack => "rolled-back",
            Kind::CommitWithoutChange => "commit-without-change",
        }
    }
}

/// JSON writes a name as `as_str` spells it, so that each is spelled once.
macro_rules! serialize_as_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

serialize_as_str!(Severity, Kind);

/// The facts behind a finding. Empty fields are left out of JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The deploy's commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The record compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Commits involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<String>,
    /// Paths involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Changes involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// The first record whose commit contains the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_shipped_in: Option<String>,
    /// Records that claimed the change while not containing it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claimed_in: Vec<String>,
    /// The commit that reverted the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverted_by: Option<String>,
    /// Version the record claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_version: Option<String>,
    /// Version the file holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_version: Option<String>,
    /// The version file read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_file: Option<String>,
    /// Where the release's tag points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_commit: Option<String>,
    /// Components involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Times compared (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_time: Option<String>,
    /// The other time compared (commit or tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_time: Option<String>,
}

/// One disagreement between a record and git.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: Kind,
    /// How serious.
    pub severity: Severity,
    /// The record's id.
    pub record: String,
    /// The record's environment.
    pub environment: String,
    /// The change it is about.
    pub change: Option<String>,
    /// The component it is about.
    pub component: Option<String>,
    /// One sentence a person can act on (raw; the report escapes it).
    pub message: String,
    /// The facts.
    pub evidence: Evidence,
    /// Where the record was read.
    pub location: Origin,
}

impl Finding {
    /// A finding about `record` as a whole (no change, no component).
    pub(super) fn new(record: &Record, kind: Kind, severity: Severity, message: String, evidence: Evidence) -> Finding {
        Finding {
            kind,
            severity,
            record: record.id.clone(),
            environment: record.environment.clone(),
            change: None,
            component: None,
            message,
            evidence,
            location: record.origin.clone(),
        }
    }
}

/// Checks skipped because a record makes no claim of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Records without a `changes` field.
    pub records_without_changes: usize,
    /// Records without a `components` field.
    pub records_without_components: usize,
    /// Changes that shipped unclaimed in partial sources (changelogs), only counted.
    pub unclaimed_in_partial_sources: usize,
    /// Claimed versions of components without a version file.
    pub versions_unchecked: usize,
}

impl Skipped {
    /// One sentence per kind of skipped check, for the report's notes
    /// (field names between backticks).
    pub fn sentences(&self) -> Vec<String> {
        let counts = [
            (self.records_without_changes, "record has", "records have", "no `changes` (change checks skipped)"),
            (
                self.records_without_components,
                "record has",
                "records have",
                "no `components` (component checks skipped)",
            ),
            (
                self.unclaimed_in_partial_sources,
                "change",
                "changes",
                "shipped without a mention in partial sources (counted only)",
            ),
            (self.versions_unchecked, "claimed version", "claimed versions", "unchecked (no version file)"),
        ];
        counts
            .iter()
            .filter(|c| c.0 > 0)
            .map(|&(n, one, many, what)| format!("{} {what}", plural(n, one, many)))
            .collect()
    }
}

/// Counts by severity and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Records audited.
    pub records: usize,
    /// Environments audited.
    pub environments: Vec<String>,
    /// Findings by severity.
    pub errors: usize,
    /// Findings by severity.
    pub warnings: usize,
    /// Findings by severity.
    pub infos: usize,
    /// Findings by kind, keyed by the kind's name: JSON lists them in the
    /// names' alphabetical order, which `Kind`'s own order (the reports'
    /// table order) would change.
    pub by_kind: BTreeMap<String, usize>,
    /// Checks skipped.
    pub skipped: Skipped,
}

impl Summary {
    /// Counts findings.
    pub fn count(&mut self, findings: &[Finding]) {
        for f in findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
            *self.by_kind.entry(f.kind.as_str().to_string()).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::expect;
    use super::*;

    #[test]
    fn kinds_and_severities_serialize_as_their_names() {
        for k in Kind::ALL {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        for s in [Severity::Info, Severity::Warning, Severity::Error] {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
    }

    #[test]
    fn skipped_checks_read_as_one_sentence_each() {
        assert_eq!(Skipped::default().sentences(), Vec::<String>::new());
        let skipped = Skipped {
            records_without_changes: 1,
            records_without_components: 2,
            unclaimed_in_partial_sources: 1,
            versions_unchecked: 3,
        };
        assert_eq!(
            skipped.sentences(),
            [
                "1 record has no `changes` (change checks skipped)",
                "2 records have no `components` (component checks skipped)",
                "1 change shipped without a mention in partial sources (counted only)",
                "3 claimed versions unchecked (no version file)",
            ]
        );
    }

    #[test]
    fn summary_lists_kinds_alphabetically_in_json() {
        let mut summary = Summary::default();
        let kinds = [Kind::ShippedNotClaimed, Kind::ComponentNotClaimed, Kind::ShippedNotClaimed];
        let findings: Vec<Finding> =
            kinds.iter().map(|&k| expect(k, Severity::Error, "r0", "", Evidence::default())).collect();
        summary.count(&findings);
        let json = serde_json::to_string(&summary.by_kind).unwrap();
        assert_eq!(json, r#"{"component-not-claimed":1,"shipped-not-claimed":2}"#);
        assert_eq!((summary.errors, summary.warnings, summary.infos), (3, 0, 0));
    }
}
