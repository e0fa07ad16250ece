//! Claimed versions against the component's version file at the deploy's
//! commit (version-mismatch). A component without a version file is only
//! counted as unchecked.

use super::{Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::truth::VersionAt;
use crate::version::Version;

/// Every listed component that claims a version, in the record's order.
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    let Some(listed) = &cx.record.components else {
        return;
    };
    for c in listed {
        let Some(claimed) = &c.version else {
            continue;
        };
        let state = cx.component(&c.name);
        match state.and_then(|s| s.version.as_ref()) {
            None => out.skipped.versions_unchecked += 1,
            Some(v) if v.value.as_deref().is_some_and(|actual| Version::same_text(claimed, actual)) => {}
            Some(v) => out.findings.push(mismatch(cx, &c.name, claimed, v)),
        }
    }
}

fn mismatch(cx: &RecordContext<'_>, component: &str, claimed: &str, v: &VersionAt) -> Finding {
    let says = match &v.value {
        Some(actual) => format!("{} at {} says {actual}", v.file, cx.commit.short()),
        None => format!("{} holds no version at {}", v.file, cx.commit.short()),
    };
    let evidence = Evidence {
        claimed_version: Some(claimed.to_string()),
        actual_version: v.value.clone(),
        version_file: Some(v.file.clone()),
        ..cx.commit_evidence()
    };
    let message = format!("{component} is claimed at {claimed}, but {says}.");
    let finding = cx.finding(Kind::VersionMismatch, Severity::Error, message, evidence);
    Finding { component: Some(component.to_string()), ..finding }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at_commit, comp, deploy, expect, on_component, record, Case};
    use super::*;
    use crate::records::{ClaimedComponent, Record};
    use crate::truth::ComponentState;

    /// A baseline record claiming web at `claimed`; `file`: web has no version
    /// file (`None`), or one holding that version.
    fn versioned(claimed: &str, file: Option<Option<&str>>) -> Case {
        let listed = vec![ClaimedComponent { name: "web".into(), version: Some(claimed.into()) }];
        let mut d = deploy("a", None);
        let version = file.map(|value| VersionAt { file: "web/VERSION".into(), value: value.map(str::to_string) });
        d.components = vec![ComponentState { version, ..comp("web", false) }];
        Case::new(vec![(Record { components: Some(listed), ..record("r0") }, d)])
    }

    fn version_evidence(actual: Option<&str>) -> Evidence {
        Evidence {
            claimed_version: Some("2.0".into()),
            actual_version: actual.map(str::to_string),
            version_file: Some("web/VERSION".into()),
            ..at_commit("a")
        }
    }

    #[test]
    fn claimed_version_the_file_does_not_hold_is_version_mismatch() {
        let (f, _) = versioned("2.0", Some(Some("1.9"))).run(0, check);
        let message = "web is claimed at 2.0, but web/VERSION at a000000 says 1.9.";
        let finding = expect(Kind::VersionMismatch, Severity::Error, "r0", message, version_evidence(Some("1.9")));
        assert_eq!(f, vec![on_component("web", finding)]);
    }

    #[test]
    fn version_file_without_a_version_is_version_mismatch() {
        let (f, _) = versioned("2.0", Some(None)).run(0, check);
        assert_eq!(f[0].message, "web is claimed at 2.0, but web/VERSION holds no version at a000000.");
        assert_eq!(f[0].evidence, version_evidence(None));
    }

    #[test]
    fn same_version_gives_no_finding_and_no_file_is_only_counted() {
        let (f, skipped) = versioned("v2.0", Some(Some("2.0"))).run(0, check);
        assert_eq!((f, skipped.versions_unchecked), (vec![], 0));
        let (f, skipped) = versioned("2.0", None).run(0, check);
        assert_eq!((f, skipped.versions_unchecked), (vec![], 1));
    }
}
