//! What a record claims, claim by claim: a claimed change its deploy does
//! not contain (claimed-not-shipped), one already live before it
//! (shipped-earlier), and one whose commits touch none of the record's
//! components (claimed-outside-component).

use std::collections::{HashMap, HashSet};

use super::{prerelease_of, short, Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::text::join_and;
use crate::truth::{ClaimState, ClaimTruth, Previous};

/// Each claim in the record's order; a claim's own findings stay together.
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    let Some(claims) = &cx.record.changes else {
        return;
    };
    // Indexes, not scans: a record may claim many thousands of changes.
    let mut truths: HashMap<&str, &ClaimTruth> = HashMap::with_capacity(cx.deploy.claims.len());
    for ct in &cx.deploy.claims {
        truths.entry(ct.change.as_str()).or_insert(ct);
    }
    let introduced: HashSet<&str> = cx.deploy.introduced.iter().map(|s| s.change.as_str()).collect();
    for claim in claims {
        let Some(ct) = truths.get(claim.as_str()) else {
            continue;
        };
        match &ct.state {
            ClaimState::Contained { by } => out.findings.extend(shipped_earlier(cx, claim, ct, by, &introduced)),
            ClaimState::Absent if ct.carriers.is_empty() => out.findings.push(unverified(cx, claim)),
            _ => out.findings.push(not_shipped(cx, claim, ct)),
        }
        out.findings.extend(outside_components(cx, claim, ct));
    }
}

/// A contained claim that was live in the deploy this one replaced, and
/// that this deploy neither introduced nor adds commits of: an earlier
/// record shipped it (a pre-release of this final release aside). A deploy
/// that adds commits of a change that was live before (its part 2), or
/// brings back a change that was not live before it, does ship it:
/// claiming it is no mistake.
fn shipped_earlier(
    cx: &RecordContext<'_>,
    claim: &str,
    ct: &ClaimTruth,
    by: &str,
    introduced: &HashSet<&str>,
) -> Option<Finding> {
    if !cx.compared() || introduced.contains(claim) || cx.deploy.added.iter().any(|a| ct.carriers.contains(&a.sha)) {
        return None;
    }
    let across = cx.truth.changes.get(claim)?;
    // Live at the deploy this one replaced: a deploy that brings a change
    // back (a rollback to before its revert) ships it again.
    if let Previous::Record { index } = cx.deploy.previous {
        if across.contained.get(index) != Some(true) {
            return None;
        }
    }
    // A final release lists what its pre-releases shipped.
    let j = across.contained.first_contained(0, cx.k).filter(|&j| !prerelease_of(&cx.history.records[j], cx.record))?;
    let name = cx.id_of(j);
    let message = format!("{claim} is claimed, but it was already live before this deploy: {name} first shipped it.");
    let evidence = Evidence { first_shipped_in: Some(name), commits: vec![by.to_string()], ..cx.compared_evidence() };
    Some(Finding {
        change: Some(claim.to_string()),
        ..cx.finding(Kind::ShippedEarlier, Severity::Warning, message, evidence)
    })
}

/// A claim the deploy's commit does not contain, with why and where it shipped instead.
fn not_shipped(cx: &RecordContext<'_>, claim: &str, ct: &ClaimTruth) -> Finding {
    let later =
        cx.truth.changes.get(claim).and_then(|t| t.contained.first_contained(cx.k + 1, cx.history.records.len()));
    let later = later.map(|j| cx.id_of(j));
    let mut evidence =
        Evidence { first_shipped_in: later.clone(), commits: ct.carriers.clone(), ..cx.commit_evidence() };
    let at = cx.commit.short();
    let why = match &ct.state {
        ClaimState::NoSuchCommit => format!("{claim} is claimed, but no such commit exists in the repository"),
        ClaimState::Reverted { by, by_subject, .. } => {
            evidence.reverted_by = Some(by.clone());
            format!("{claim} is claimed, but {} reverts it (\"{by_subject}\"), so {at} does not contain it", short(by))
        }
        _ => format!("{claim} is claimed, but {at} does not contain it"),
    };
    let tail = match &later {
        Some(j) => format!("; it first shipped in {j}."),
        None => "; no later record's commit contains it.".to_string(),
    };
    let finding = cx.finding(Kind::ClaimedNotShipped, Severity::Error, why + &tail, evidence);
    Finding { change: Some(claim.to_string()), ..finding }
}

/// A claim that no commit of the history carries: not proof that it did not
/// ship (a rebase merge, a pull request merged without its number in the
/// subject, an issue number cited for the pull request), only no evidence.
fn unverified(cx: &RecordContext<'_>, claim: &str) -> Finding {
    let hint = if claim.starts_with('#') {
        "fetch the pull requests (`git fetch origin '+refs/pull/*/head:refs/pull/*/head'`) so that shipcheck can match their commits by patch-id, or claim the commit SHA"
    } else {
        "name it in the commit message, or claim the commit SHA"
    };
    let message = format!(
        "{claim} is claimed, but no commit in the history names it, so whether {} contains it is unknown: {hint}.",
        cx.commit.short()
    );
    let severity = if cx.options.unverified_error { Severity::Error } else { Severity::Warning };
    let finding = cx.finding(Kind::UnverifiedClaim, severity, message, cx.commit_evidence());
    Finding { change: Some(claim.to_string()), ..finding }
}

/// A claim whose carrying commits touch none of the components the record is about.
fn outside_components(cx: &RecordContext<'_>, claim: &str, ct: &ClaimTruth) -> Option<Finding> {
    let (Some(about), Some(touched)) = (cx.record.about_components(), &ct.touched) else {
        return None;
    };
    // Commits that touch no component (CI, docs) say nothing about which
    // component a change belongs to.
    if about.is_empty() || touched.is_empty() || touched.iter().any(|t| about.contains(t)) || ct.carriers.is_empty() {
        return None;
    }
    let message =
        format!("{claim} is claimed for {}, but its commits only touch {}.", join_and(&about), join_and(touched));
    let evidence = Evidence { commits: ct.carriers.clone(), components: touched.clone(), ..cx.commit_evidence() };
    let finding = cx.finding(Kind::ClaimedOutsideComponent, Severity::Warning, message, evidence);
    Some(Finding { change: Some(claim.to_string()), ..finding })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        at_commit, claim, claiming, compared, deploy, expect, listing, on_change, sha, strings, Case,
    };
    use super::*;
    use crate::records::Record;
    use crate::truth::Shipped;

    /// r0 (baseline), r1 claiming A-1 in `state`, r2; A-1 is in r2's commit only.
    fn claimed(state: ClaimState) -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.claims = vec![claim("A-1", state)];
        let r0 = (claiming("r0", &[]), deploy("a", None));
        Case::new(vec![r0, (claiming("r1", &["A-1"]), d1), (claiming("r2", &[]), deploy("c", Some(1)))])
            .contained("A-1", &[false, false, true])
    }

    fn about_a1(kind: Kind, severity: Severity, message: &str, evidence: Evidence) -> Finding {
        on_change("A-1", expect(kind, severity, "r1", message, evidence))
    }

    #[test]
    fn absent_claim_is_claimed_not_shipped_naming_where_it_shipped() {
        let (f, _) = claimed(ClaimState::Absent).run(1, check);
        let evidence = Evidence { commits: vec![sha("c")], first_shipped_in: Some("r2".into()), ..at_commit("b") };
        let message = "A-1 is claimed, but b000000 does not contain it; it first shipped in r2.";
        assert_eq!(f, vec![about_a1(Kind::ClaimedNotShipped, Severity::Error, message, evidence)]);
    }

    #[test]
    fn claimed_not_shipped_says_why() {
        let reverted = ClaimState::Reverted { carrier: sha("c"), by: sha("d"), by_subject: "Revert A-1".into() };
        let (f, _) = claimed(reverted).run(1, check);
        assert_eq!(f[0].kind, Kind::ClaimedNotShipped);
        assert_eq!(
            f[0].message,
            "A-1 is claimed, but d000000 reverts it (\"Revert A-1\"), so b000000 does not contain it; it first shipped in r2."
        );
        assert_eq!(f[0].evidence.reverted_by, Some(sha("d")));

        let (f, _) = claimed(ClaimState::NoSuchCommit).run(1, check);
        assert_eq!(
            f[0].message,
            "A-1 is claimed, but no such commit exists in the repository; it first shipped in r2."
        );
    }

    /// r1 claims A-1, which no commit of the history carries.
    fn uncarried() -> Case {
        let mut case = claimed(ClaimState::Absent);
        case.truth.deploys[1].claims[0].carriers.clear();
        case.contained("A-1", &[false, false, false])
    }

    #[test]
    fn claim_no_commit_carries_is_an_unverified_claim_not_proof() {
        let (f, _) = uncarried().run(1, check);
        let message = "A-1 is claimed, but no commit in the history names it, so whether b000000 contains it is unknown: name it in the commit message, or claim the commit SHA.";
        assert_eq!(f, vec![about_a1(Kind::UnverifiedClaim, Severity::Warning, message, at_commit("b"))]);
        let mut strict = uncarried();
        strict.options.unverified_error = true;
        assert_eq!(strict.run(1, check).0[0].severity, Severity::Error);
        // A pull-request number says how to get the evidence.
        let mut pr = uncarried();
        pr.history.records[1].changes = Some(strings(&["#42"]));
        pr.truth.deploys[1].claims[0].change = "#42".into();
        let (f, _) = pr.run(1, check);
        assert!(f[0].message.contains("git fetch origin '+refs/pull/*/head:refs/pull/*/head'"), "{}", f[0].message);
    }

    #[test]
    fn contained_claim_is_not_claimed_not_shipped() {
        let mut case = claimed(ClaimState::Contained { by: sha("c") }).contained("A-1", &[false, true, true]);
        case.truth.deploys[1].introduced = vec![Shipped { change: "A-1".into(), commits: vec![sha("c")] }];
        assert_eq!(case.run(1, check).0, vec![]);
    }

    /// r0 and r1 both contain A-1; r1 claims it without introducing it.
    fn claimed_again() -> Case {
        claimed(ClaimState::Contained { by: sha("c") }).contained("A-1", &[true, true, true])
    }

    #[test]
    fn claim_live_before_the_deploy_is_shipped_earlier() {
        let (f, _) = claimed_again().run(1, check);
        let evidence = Evidence { commits: vec![sha("c")], first_shipped_in: Some("r0".into()), ..compared("b", "r0") };
        let message = "A-1 is claimed, but it was already live before this deploy: r0 first shipped it.";
        assert_eq!(f, vec![about_a1(Kind::ShippedEarlier, Severity::Warning, message, evidence)]);
    }

    #[test]
    fn shipped_earlier_spares_introduced_or_added_changes_baselines_and_pre_releases() {
        let mut introduced = claimed_again();
        introduced.truth.deploys[1].introduced = vec![Shipped { change: "A-1".into(), commits: vec![sha("c")] }];
        assert_eq!(introduced.run(1, check).0, vec![]);

        let mut baseline = claimed_again();
        baseline.truth.deploys[1].previous = crate::truth::Previous::Baseline;
        assert_eq!(baseline.run(1, check).0, vec![]);

        let mut adds_more = claimed_again();
        adds_more.truth.deploys[1].added = vec![super::super::testing::commit("c")];
        assert_eq!(adds_more.run(1, check).0, vec![]);

        // Live at r0, reverted by r1, back in r2 (a rollback): r2 ships it again.
        let mut d2 = deploy("a", Some(1));
        d2.claims = vec![claim("A-1", ClaimState::Contained { by: sha("c") })];
        let restored = Case::new(vec![
            (claiming("r0", &[]), deploy("a", None)),
            (claiming("r1", &[]), deploy("b", Some(0))),
            (claiming("r2", &["A-1"]), d2),
        ])
        .contained("A-1", &[true, false, true]);
        assert_eq!(restored.run(2, check).0, vec![]);

        let mut final_release = claimed_again();
        let version = |r: &mut Record, v: &str| r.source.version = Some(v.into());
        version(&mut final_release.history.records[0], "v1.0.0-rc.1");
        version(&mut final_release.history.records[1], "v1.0.0");
        assert_eq!(final_release.run(1, check).0, vec![]);
    }

    /// r0, and r1 about `web` claiming A-1, whose commits touch `touched`.
    fn touching(touched: &[&str]) -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.claims = vec![ClaimTruth {
            touched: Some(strings(touched)),
            ..claim("A-1", ClaimState::Contained { by: sha("c") })
        }];
        let r1 = Record { changes: Some(strings(&["A-1"])), ..listing("r1", &["web"]) };
        Case::new(vec![(claiming("r0", &[]), deploy("a", None)), (r1, d1)]).contained("A-1", &[false, true])
    }

    #[test]
    fn claim_touching_other_components_is_claimed_outside_component() {
        let (f, _) = touching(&["auth", "billing"]).run(1, check);
        let evidence =
            Evidence { commits: vec![sha("c")], components: strings(&["auth", "billing"]), ..at_commit("b") };
        let message = "A-1 is claimed for web, but its commits only touch auth and billing.";
        assert_eq!(f, vec![about_a1(Kind::ClaimedOutsideComponent, Severity::Warning, message, evidence)]);

        // Commits that touch no component (CI, docs) are no evidence of a wrong component.
        assert_eq!(touching(&[]).run(1, check).0, vec![]);
    }

    #[test]
    fn claim_inside_its_components_or_without_commits_is_not_outside() {
        assert_eq!(touching(&["web", "auth"]).run(1, check).0, vec![]);
        let mut uncarried = touching(&["auth"]);
        uncarried.truth.deploys[1].claims[0].carriers.clear();
        assert_eq!(uncarried.run(1, check).0, vec![]);
        let mut unlisted = touching(&["auth"]);
        unlisted.history.records[1].components = None;
        assert_eq!(unlisted.run(1, check).0, vec![]);
    }
}
