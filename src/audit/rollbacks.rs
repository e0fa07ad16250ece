//! A deploy that removed commits the previous one had (rolled-back): a
//! note when the record says it is a rollback, else a warning.

use super::{Evidence, Kind, Out, RecordContext, Severity};
use crate::records::RecordKind;
use crate::text::{join_and, plural};

pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    let deploy = cx.deploy;
    if !cx.compared() || deploy.removed.is_empty() {
        return;
    }
    let severity = if cx.record.kind == RecordKind::Rollback { Severity::Info } else { Severity::Warning };
    let lost = if deploy.unshipped.is_empty() {
        String::new()
    } else {
        format!("; no longer live: {}", join_and(&deploy.unshipped))
    };
    let message = format!(
        "this deploy removes {} that {} had{lost}.",
        plural(deploy.removed.len(), "commit", "commits"),
        cx.previous_name()
    );
    let evidence = Evidence {
        commits: deploy.removed.iter().map(|c| c.sha.clone()).collect(),
        changes: deploy.unshipped.clone(),
        ..cx.compared_evidence()
    };
    out.findings.push(cx.finding(Kind::RolledBack, severity, message, evidence));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{commit, compared, deploy, expect, record, sha, strings, Case};
    use super::*;
    use crate::truth::Previous;

    /// r0, and r1 removing commits `removed` of r0 and with them `lost`.
    fn removing(removed: &[&str], lost: &[&str]) -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.removed = removed.iter().map(|c| commit(c)).collect();
        d1.unshipped = strings(lost);
        Case::new(vec![(record("r0"), deploy("a", None)), (record("r1"), d1)])
    }

    #[test]
    fn deploy_removing_commits_is_rolled_back() {
        let (f, _) = removing(&["d", "e"], &["A-1"]).run(1, check);
        let evidence =
            Evidence { commits: vec![sha("d"), sha("e")], changes: strings(&["A-1"]), ..compared("b", "r0") };
        let message = "this deploy removes 2 commits that r0 had; no longer live: A-1.";
        assert_eq!(f, vec![expect(Kind::RolledBack, Severity::Warning, "r1", message, evidence)]);

        let (f, _) = removing(&["d"], &[]).run(1, check);
        assert_eq!(f[0].message, "this deploy removes 1 commit that r0 had.");
    }

    #[test]
    fn a_recorded_rollback_is_only_a_note() {
        let mut case = removing(&["d"], &[]);
        case.history.records[1].kind = RecordKind::Rollback;
        assert_eq!(case.run(1, check).0[0].severity, Severity::Info);
    }

    #[test]
    fn nothing_removed_or_nothing_compared_is_no_rollback() {
        assert_eq!(removing(&[], &[]).run(1, check).0, vec![]);
        let mut baseline = removing(&["d"], &[]);
        baseline.truth.deploys[1].previous = Previous::Baseline;
        assert_eq!(baseline.run(1, check).0, vec![]);
    }
}
