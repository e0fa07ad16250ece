//! Refs: a release or commit that does not exist (unknown-ref), and a
//! release whose tag points elsewhere than the recorded commit (ref-mismatch).

use super::{short, Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::records::Record;
use crate::truth::{CommitRef, Deploy, RefProblem, Target};

/// The deploy's commit. When its refs resolve to none, the record cannot be
/// checked at all: one unknown-ref finding, and `None`.
pub(super) fn target<'d>(record: &Record, deploy: &'d Deploy, out: &mut Out) -> Option<&'d CommitRef> {
    match &deploy.target {
        Target::Commit { commit } => Some(commit),
        Target::Missing { reason } => {
            let named = record.release.as_deref().or(record.commit.as_deref()).unwrap_or("?");
            let message = format!("{named} cannot be checked: {reason}.");
            out.findings.push(Finding::new(record, Kind::UnknownRef, Severity::Error, message, Evidence::default()));
            None
        }
    }
}

/// A release tag that its release history (a changelog) has no section
/// for: the record is missing a release, reported once per tag.
pub(super) fn unrecorded(record: &Record, deploy: &Deploy) -> Option<Finding> {
    let commit = deploy.commit()?;
    let version = record.source.version.as_deref().unwrap_or("?");
    let message = format!(
        "tag {} names release {version}, but {} has no section for it: what it shipped is recorded nowhere.",
        record.id, record.origin.file
    );
    let evidence = Evidence { commit: Some(commit.sha.clone()), ..Evidence::default() };
    Some(Finding::new(record, Kind::ReleaseNotRecorded, Severity::Warning, message, evidence))
}

/// Problems with refs that still left a commit to check.
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    for p in &cx.deploy.ref_problems {
        out.findings.push(match p {
            RefProblem::Unknown { name, reason } => cx.finding(
                Kind::UnknownRef,
                Severity::Error,
                format!("{name} does not resolve ({reason}); checked against {} instead.", cx.commit.short()),
                cx.commit_evidence(),
            ),
            RefProblem::Mismatch { release, tag_commit, record_commit } => cx.finding(
                Kind::RefMismatch,
                Severity::Error,
                format!(
                    "release {release} now points at {}, not at the recorded commit {}: the tag moved after the deploy, or the record names the wrong commit.",
                    short(tag_commit),
                    short(record_commit)
                ),
                Evidence { commit: Some(record_commit.clone()), tag_commit: Some(tag_commit.clone()), ..Evidence::default() },
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at_commit, claim, deploy, expect, record, sha, Case};
    use super::*;
    use crate::truth::ClaimState;

    fn released(problems: Vec<RefProblem>) -> Case {
        let mut d = deploy("a", None);
        d.ref_problems = problems;
        Case::new(vec![(Record { release: Some("v1.0".into()), ..record("r0") }, d)])
    }

    #[test]
    fn missing_target_is_one_unknown_ref_and_no_other_check() {
        let mut case = released(vec![]);
        case.truth.deploys[0].target = Target::Missing { reason: "release v1.0 has no tag in the repository".into() };
        // A claim it does not contain would be claimed-not-shipped, were it checked.
        case.history.records[0].changes = Some(vec!["A-1".into()]);
        case.truth.deploys[0].claims = vec![claim("A-1", ClaimState::Absent)];
        let (f, _) = case.audit(0);
        assert_eq!(
            f,
            vec![expect(
                Kind::UnknownRef,
                Severity::Error,
                "r0",
                "v1.0 cannot be checked: release v1.0 has no tag in the repository.",
                Evidence::default()
            )]
        );
    }

    #[test]
    fn a_tag_the_changelog_leaves_out_is_release_not_recorded_and_nothing_else() {
        let mut case = released(vec![]);
        let r = &mut case.history.records[0];
        (r.id, r.origin.file) = ("v1.0.1".into(), "CHANGELOG.md".into());
        (r.source.unrecorded, r.source.release_history, r.source.version) = (true, true, Some("1.0.1".into()));
        let (f, skipped) = case.audit(0);
        let message = "tag v1.0.1 names release 1.0.1, but CHANGELOG.md has no section for it: what it shipped is recorded nowhere.";
        let mut want = expect(Kind::ReleaseNotRecorded, Severity::Warning, "v1.0.1", message, at_commit("a"));
        want.location.file = "CHANGELOG.md".into();
        assert_eq!(f, vec![want]);
        assert_eq!(skipped.records_without_changes, 0, "an unrecorded release is not a record without claims");
        // A recorded release is not.
        assert_eq!(released(vec![]).audit(0).0, vec![]);
    }

    #[test]
    fn unresolved_release_beside_a_commit_is_unknown_ref() {
        let case = released(vec![RefProblem::Unknown { name: "v1.0".into(), reason: "no such tag".into() }]);
        let (f, _) = case.run(0, check);
        assert_eq!(
            f,
            vec![expect(
                Kind::UnknownRef,
                Severity::Error,
                "r0",
                "v1.0 does not resolve (no such tag); checked against a000000 instead.",
                at_commit("a")
            )]
        );
    }

    #[test]
    fn moved_tag_is_ref_mismatch() {
        let case = released(vec![RefProblem::Mismatch {
            release: "v1.0".into(),
            tag_commit: sha("b"),
            record_commit: sha("a"),
        }]);
        let (f, _) = case.run(0, check);
        assert_eq!(
            f,
            vec![expect(
                Kind::RefMismatch,
                Severity::Error,
                "r0",
                "release v1.0 now points at b000000, not at the recorded commit a000000: the tag moved after the deploy, or the record names the wrong commit.",
                Evidence { tag_commit: Some(sha("b")), ..at_commit("a") }
            )]
        );
    }

    #[test]
    fn resolved_refs_give_no_finding() {
        assert_eq!(released(vec![]).run(0, check).0, vec![]);
    }
}
