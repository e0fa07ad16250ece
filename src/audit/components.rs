//! The record's component list against what changed since the previous
//! deploy: a changed component it does not list (component-not-claimed), a
//! listed one that did not change (component-not-changed). At the baseline
//! nothing is compared.

use std::collections::HashSet;

use super::{Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::records::ClaimedComponent;
use crate::text::join_and;

/// Changed components first, in the deploy's order; then listed ones, in the record's.
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    let Some(listed) = &cx.record.components else {
        return;
    };
    if !cx.compared() {
        return;
    }
    not_claimed(cx, listed, out);
    not_changed(cx, listed, out);
}

fn not_claimed(cx: &RecordContext<'_>, listed: &[ClaimedComponent], out: &mut Out) {
    let names: HashSet<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    for state in &cx.deploy.components {
        if !state.changed() || names.contains(state.name.as_str()) {
            continue;
        }
        let message = format!(
            "{} changed since {} ({}) but the record does not list it.",
            state.name,
            cx.previous_name(),
            join_and(&state.changed_paths)
        );
        let evidence = Evidence { paths: state.changed_paths.clone(), ..cx.compared_evidence() };
        let finding = cx.finding(Kind::ComponentNotClaimed, Severity::Error, message, evidence);
        out.findings.push(Finding { component: Some(state.name.clone()), ..finding });
    }
}

fn not_changed(cx: &RecordContext<'_>, listed: &[ClaimedComponent], out: &mut Out) {
    for c in listed {
        let Some(state) = cx.component(&c.name) else {
            continue;
        };
        if state.changed() {
            continue;
        }
        let message = format!("{} is listed, but none of its files changed since {}.", c.name, cx.previous_name());
        let finding = cx.finding(Kind::ComponentNotChanged, Severity::Warning, message, cx.compared_evidence());
        out.findings.push(Finding { component: Some(c.name.clone()), ..finding });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{commit, comp, compared, deploy, expect, listing, on_component, record, Case};
    use super::*;
    use crate::truth::Previous;

    /// r0, and r1 listing `listed` while web changed and auth did not.
    fn listed(names: &[&str]) -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.components = vec![comp("web", true), comp("auth", false)];
        Case::new(vec![(record("r0"), deploy("a", None)), (listing("r1", names), d1)])
    }

    #[test]
    fn changed_component_not_listed_is_component_not_claimed() {
        let (f, _) = listed(&[]).run(1, check);
        let message = "web changed since r0 (web/) but the record does not list it.";
        let evidence = Evidence { paths: vec!["web/".into()], ..compared("b", "r0") };
        assert_eq!(
            f,
            vec![on_component("web", expect(Kind::ComponentNotClaimed, Severity::Error, "r1", message, evidence))]
        );
    }

    #[test]
    fn listed_component_that_did_not_change_is_component_not_changed() {
        let (f, _) = listed(&["web", "auth"]).run(1, check);
        let message = "auth is listed, but none of its files changed since r0.";
        assert_eq!(
            f,
            vec![on_component(
                "auth",
                expect(Kind::ComponentNotChanged, Severity::Warning, "r1", message, compared("b", "r0"))
            )]
        );
    }

    #[test]
    fn changed_ones_come_before_unchanged_ones_and_a_base_is_named() {
        let mut case = listed(&["auth"]);
        case.truth.deploys[1].previous = Previous::Base { commit: commit("f") };
        let (f, _) = case.run(1, check);
        let said: Vec<_> = f.iter().map(|f| (f.kind, f.message.as_str())).collect();
        assert_eq!(
            said,
            [
                (Kind::ComponentNotClaimed, "web changed since base f000000 (web/) but the record does not list it."),
                (Kind::ComponentNotChanged, "auth is listed, but none of its files changed since base f000000."),
            ]
        );
        assert_eq!(f[0].evidence.previous.as_deref(), Some("base f000000"));
    }

    #[test]
    fn matching_list_baseline_or_no_list_give_no_component_finding() {
        assert_eq!(listed(&["web"]).run(1, check).0, vec![]);
        let mut baseline = listed(&[]);
        baseline.truth.deploys[1].previous = Previous::Baseline;
        assert_eq!(baseline.run(1, check).0, vec![]);
        let mut unlisted = listed(&[]);
        unlisted.history.records[1].components = None;
        assert_eq!(unlisted.run(1, check).0, vec![]);
    }
}
