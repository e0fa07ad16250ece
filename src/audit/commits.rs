//! With `changes.require`, an added commit that carries no change ID
//! (commit-without-change). Merges and reverts need none.

use super::{Evidence, Kind, Out, RecordContext, Severity};

pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    if !cx.options.require_change || !cx.compared() {
        return;
    }
    for c in &cx.deploy.added {
        if !c.changes.is_empty() || c.subject.starts_with("Merge ") || c.subject.starts_with("Revert ") {
            continue;
        }
        let message = format!("commit {} (\"{}\") carries no change ID.", c.short(), c.subject);
        let evidence = Evidence { commits: vec![c.sha.clone()], ..cx.compared_evidence() };
        out.findings.push(cx.finding(Kind::CommitWithoutChange, Severity::Warning, message, evidence));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{commit, compared, deploy, expect, record, sha, Case};
    use super::*;
    use crate::truth::{CommitRef, Previous};

    /// r0, and r1 adding a commit with `subject` and `changes`; `changes.require` on.
    fn adding(subject: &str, changes: &[&str]) -> Case {
        let mut d1 = deploy("b", Some(0));
        let changes = changes.iter().map(|c| c.to_string()).collect();
        d1.added = vec![CommitRef { subject: subject.into(), changes, ..commit("d") }];
        let mut case = Case::new(vec![(record("r0"), deploy("a", None)), (record("r1"), d1)]);
        case.options.require_change = true;
        case
    }

    #[test]
    fn added_commit_without_a_change_id_is_commit_without_change() {
        let (f, _) = adding("fix typo", &[]).run(1, check);
        let evidence = Evidence { commits: vec![sha("d")], ..compared("b", "r0") };
        let message = "commit d000000 (\"fix typo\") carries no change ID.";
        assert_eq!(f, vec![expect(Kind::CommitWithoutChange, Severity::Warning, "r1", message, evidence)]);
    }

    #[test]
    fn change_ids_merges_reverts_baselines_and_the_option_off_spare_commits() {
        for (subject, changes) in [("fix typo", &["A-1"][..]), ("Merge branch 'x'", &[]), ("Revert \"x\"", &[])] {
            assert_eq!(adding(subject, changes).run(1, check).0, vec![], "{subject}");
        }
        let mut off = adding("fix typo", &[]);
        off.options.require_change = false;
        assert_eq!(off.run(1, check).0, vec![]);
        let mut baseline = adding("fix typo", &[]);
        baseline.truth.deploys[1].previous = Previous::Baseline;
        assert_eq!(baseline.run(1, check).0, vec![]);
    }
}
