//! What a deploy introduced and its record does not claim
//! (shipped-not-claimed), with the earlier records that claimed it without
//! containing it: the signature of a wrongly attributed change.

use std::collections::HashSet;

use super::{prerelease_of, short, Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::text::join_and;
use crate::truth::{ClaimState, Previous, Shipped, Truth};

/// Every introduced change the record does not claim. A record without
/// `changes` claims nothing, so only the incident's signature is checked
/// there: a change an earlier record claimed without containing it, which
/// this deploy ships, is reported whatever the record claims. A partial
/// source (a changelog) only counts an unclaimed change unless another
/// record claims it and the source does not mention it.
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    if !cx.compared() {
        return;
    }
    // Sets, not scans: a record may claim, and a deploy introduce, many thousands.
    let claims: Option<HashSet<&str>> = cx.record.changes.as_ref().map(|c| c.iter().map(String::as_str).collect());
    let mentions: HashSet<&str> = cx.record.source.mentions.iter().map(String::as_str).collect();
    let backported = backport_carriers(cx);
    for s in &cx.deploy.introduced {
        if claims.as_ref().is_some_and(|c| c.contains(s.change.as_str())) || claimed_as_backport(&backported, s) {
            continue;
        }
        let claimants = cx.claimants.get(s.change.as_str()).map_or(&[][..], Vec::as_slice);
        let claimed_in = claimed_in(cx, s, claimants);
        if claims.is_none() && claimed_in.is_empty() {
            continue;
        }
        let other_claims = !claimed_in.is_empty() || claimed_elsewhere(cx, claimants);
        // A partial source that mentions the change ("see #84") knows of it.
        let mentioned = mentions.contains(s.change.as_str());
        if !cx.record.complete && (!other_claims || mentioned) {
            out.skipped.unclaimed_in_partial_sources += 1;
            continue;
        }
        let message = message(s, &claimed_in);
        let evidence = Evidence { commits: s.commits.clone(), claimed_in, ..cx.compared_evidence() };
        let finding = cx.finding(Kind::ShippedNotClaimed, Severity::Error, message, evidence);
        out.findings.push(Finding { change: Some(s.change.clone()), ..finding });
    }
}

/// A backport "title (#orig) (#backport)" claimed by either number claims
/// the other too: in a release history, a change whose commits all carry a
/// claimed change is claimed.
fn claimed_as_backport(backported: &Option<HashSet<&str>>, s: &Shipped) -> bool {
    backported.as_ref().is_some_and(|carriers| s.commits.iter().all(|c| carriers.contains(c.as_str())))
}

/// In a release history, the commits carrying a claim that is not absent
/// (see [`claimed_as_backport`]); `None` in a deploy log.
fn backport_carriers<'a>(cx: &RecordContext<'a>) -> Option<HashSet<&'a str>> {
    cx.record.source.release_history.then(|| {
        cx.deploy
            .claims
            .iter()
            .filter(|ct| !matches!(ct.state, ClaimState::Absent))
            .flat_map(|ct| ct.carriers.iter().map(String::as_str))
            .collect()
    })
}

/// Earlier records that claimed the change without containing it: the incident's signature.
fn claimed_in(cx: &RecordContext<'_>, s: &Shipped, claimants: &[usize]) -> Vec<String> {
    let contained = cx.truth.changes.get(&s.change).map(|t| &t.contained);
    claimants
        .iter()
        .copied()
        .filter(|&j| j < cx.k && contained.and_then(|c| c.get(j)) == Some(false))
        .map(|j| cx.id_of(j))
        .collect()
}

/// Whether another record claims the change. In a release history, a record
/// of another line (1.5.15 beside 1.6.0) that claims and contains the change
/// shipped it there: that is no wrong attribution on this line.
fn claimed_elsewhere(cx: &RecordContext<'_>, claimants: &[usize]) -> bool {
    claimants.iter().any(|&j| {
        let r = &cx.history.records[j];
        // A record whose commit or release cannot be resolved proves nothing.
        let resolved = cx.truth.deploys.get(j).is_some_and(|d| d.commit().is_some());
        resolved
            && j != cx.k
            && (!cx.record.source.release_history || same_line(cx.truth, j, cx.k))
            && !prerelease_of(cx.record, r)
    })
}

/// The sentence: plain, or naming the first record that claimed the change wrongly.
fn message(s: &Shipped, claimed_in: &[String]) -> String {
    let commits: Vec<String> = s.commits.iter().map(|c| short(c).to_string()).collect();
    let carried = format!("{} {}", if commits.len() == 1 { "commit" } else { "commits" }, join_and(&commits));
    match claimed_in.first() {
        None => format!("{} ships in this deploy ({carried}) but the record does not claim it.", s.change),
        Some(first) => format!(
            "{} was recorded as deployed in {first}, but {first} did not contain it: this deploy ships it for the first time ({carried}), and its record does not say so.",
            s.change
        ),
    }
}

/// Whether release j and k are on one line: one is the other's previous,
/// or its previous's previous, and so on.
fn same_line(truth: &Truth, j: usize, k: usize) -> bool {
    let reaches = |from: usize, to: usize| {
        let mut at = from;
        for _ in 0..truth.deploys.len() {
            match truth.deploys.get(at).map(|d| &d.previous) {
                Some(Previous::Record { index }) if *index == to => return true,
                Some(Previous::Record { index }) => at = *index,
                _ => return false,
            }
        }
        false
    };
    reaches(j, k) || reaches(k, j)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{claim, claiming, compared, deploy, expect, on_change, record, sha, Case};
    use super::*;
    use crate::truth::Deploy;

    fn shipping(seed: &str, previous: usize, change: &str, commits: &[&str]) -> Deploy {
        let mut d = deploy(seed, Some(previous));
        d.introduced = vec![Shipped { change: change.into(), commits: commits.iter().map(|c| sha(c)).collect() }];
        d
    }

    /// r0, and r1 shipping B-2 without claiming it.
    fn unclaimed(commits: &[&str]) -> Case {
        Case::new(vec![
            (claiming("r0", &[]), deploy("a", None)),
            (claiming("r1", &[]), shipping("b", 0, "B-2", commits)),
        ])
    }

    /// The incident: r1 claims B-2 without containing it, r2 ships it unclaimed.
    fn incident() -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.claims = vec![claim("B-2", ClaimState::Absent)];
        Case::new(vec![
            (claiming("r0", &[]), deploy("a", None)),
            (claiming("r1", &["B-2"]), d1),
            (claiming("r2", &[]), shipping("c", 1, "B-2", &["e"])),
        ])
        .contained("B-2", &[false, false, true])
    }

    #[test]
    fn introduced_change_nobody_claims_is_shipped_not_claimed() {
        let (f, _) = unclaimed(&["e"]).run(1, check);
        let evidence = Evidence { commits: vec![sha("e")], ..compared("b", "r0") };
        let message = "B-2 ships in this deploy (commit e000000) but the record does not claim it.";
        assert_eq!(
            f,
            vec![on_change("B-2", expect(Kind::ShippedNotClaimed, Severity::Error, "r1", message, evidence))]
        );

        let (f, _) = unclaimed(&["e", "f"]).run(1, check);
        assert_eq!(
            f[0].message,
            "B-2 ships in this deploy (commits e000000 and f000000) but the record does not claim it."
        );
    }

    #[test]
    fn shipped_not_claimed_names_the_record_that_claimed_it_wrongly() {
        let (f, _) = incident().run(2, check);
        let evidence = Evidence { commits: vec![sha("e")], claimed_in: vec!["r1".into()], ..compared("c", "r1") };
        let message = "B-2 was recorded as deployed in r1, but r1 did not contain it: this deploy ships it for the first time (commit e000000), and its record does not say so.";
        assert_eq!(
            f,
            vec![on_change("B-2", expect(Kind::ShippedNotClaimed, Severity::Error, "r2", message, evidence))]
        );
    }

    #[test]
    fn claimed_or_uncompared_or_claimless_records_are_not_checked() {
        let mut claimed = unclaimed(&["e"]);
        claimed.history.records[1].changes = Some(vec!["B-2".into()]);
        assert_eq!(claimed.run(1, check).0, vec![]);

        let mut baseline = unclaimed(&["e"]);
        baseline.truth.deploys[1].previous = Previous::Baseline;
        assert_eq!(baseline.run(1, check).0, vec![]);

        let mut claimless = unclaimed(&["e"]);
        claimless.history.records[1] = record("r1");
        assert_eq!(claimless.run(1, check).0, vec![]);
    }

    #[test]
    fn a_record_without_changes_still_gets_the_incident_signature() {
        let mut case = incident();
        case.history.records[2] = record("r2");
        let (f, _) = case.run(2, check);
        let evidence = Evidence { commits: vec![sha("e")], claimed_in: vec!["r1".into()], ..compared("c", "r1") };
        let message = "B-2 was recorded as deployed in r1, but r1 did not contain it: this deploy ships it for the first time (commit e000000), and its record does not say so.";
        assert_eq!(
            f,
            vec![on_change("B-2", expect(Kind::ShippedNotClaimed, Severity::Error, "r2", message, evidence))]
        );
        // Claimed by the record itself, it is no finding.
        case.history.records[2] = claiming("r2", &["B-2"]);
        assert_eq!(case.run(2, check).0, vec![]);
    }

    #[test]
    fn backport_claimed_by_its_other_number_is_claimed_in_a_release_history() {
        let mut case = unclaimed(&["c"]);
        case.history.records[1].changes = Some(vec!["A-1".into()]);
        case.history.records[1].source.release_history = true;
        case.truth.deploys[1].claims = vec![claim("A-1", ClaimState::Contained { by: sha("c") })];
        assert_eq!(case.run(1, check).0, vec![]);
        // In a deploy log the other number is no claim.
        case.history.records[1].source.release_history = false;
        assert_eq!(case.run(1, check).0.len(), 1);
    }

    fn partial(mut case: Case, k: usize) -> Case {
        case.history.records[k].complete = false;
        case
    }

    #[test]
    fn partial_source_counts_a_change_nobody_claims() {
        let (f, skipped) = partial(unclaimed(&["e"]), 1).run(1, check);
        assert_eq!((f, skipped.unclaimed_in_partial_sources), (vec![], 1));
    }

    #[test]
    fn partial_source_reports_a_change_another_record_claims_unless_it_mentions_it() {
        let (f, skipped) = partial(incident(), 2).run(2, check);
        assert_eq!((f.len(), skipped.unclaimed_in_partial_sources), (1, 0));

        let mut mentioned = partial(incident(), 2);
        mentioned.history.records[2].source.mentions = vec!["B-2".into()];
        let (f, skipped) = mentioned.run(2, check);
        assert_eq!((f.len(), skipped.unclaimed_in_partial_sources), (0, 1));
    }

    /// Releases 1.5.0, 1.5.15 (after 1.5.0, claiming and containing B-2)
    /// and 1.6.0 (after `previous`, shipping B-2 unclaimed), from a changelog.
    fn lines(previous: usize) -> Case {
        let mut d1 = deploy("b", Some(0));
        d1.claims = vec![claim("B-2", ClaimState::Contained { by: sha("e") })];
        let mut case = Case::new(vec![
            (claiming("v1.5.0", &[]), deploy("a", None)),
            (claiming("v1.5.15", &["B-2"]), d1),
            (claiming("v1.6.0", &[]), shipping("c", previous, "B-2", &["e"])),
        ])
        .contained("B-2", &[false, true, true]);
        for r in &mut case.history.records {
            (r.complete, r.source.release_history) = (false, true);
        }
        case
    }

    #[test]
    fn a_claim_on_another_release_line_is_no_other_claim() {
        let (f, skipped) = lines(0).run(2, check);
        assert_eq!((f.len(), skipped.unclaimed_in_partial_sources), (0, 1));
        let (f, skipped) = lines(1).run(2, check);
        assert_eq!((f.len(), skipped.unclaimed_in_partial_sources), (1, 0));
        assert_eq!(f[0].message, "B-2 ships in this deploy (commit e000000) but the record does not claim it.");
    }
}
