//! What the history below a partial read's boundary could change.
//!
//! A partial read (`Graph::load` with `hide`) reads every commit the deploys
//! added since the first one, and the commits at the boundary; the history
//! below is not read (reading it is reading the whole history). Every deploy
//! of such a read reaches all of that history (a deploy that removes
//! commits, or a revert of an unread commit, makes the read a full one), so
//! each change stands there in one of two ways: no unread commit carries it,
//! as the partial truth assumes, or one does, and then the change is
//! contained in every deploy, introduced and un-shipped by none.
//! [`carried_below`] is the second world, for every change at once. A caller
//! keeps the partial truth only when its answer is the same in both worlds
//! ([`super::Reader::read_for`]), else the history is read in full. An
//! answer about one change depends only on where that change stands, so the
//! two worlds with every change in the same standing decide for every mix.

use super::{ClaimState, Containment, Truth};

/// The truth as it would be if a commit below the boundary carried every
/// change: contained in every deploy (by a commit not read, and touching
/// components not known), introduced and un-shipped nowhere. A claim of a
/// commit that does not exist stays what it is.
pub(super) fn carried_below(truth: &Truth) -> Truth {
    let mut t = truth.clone();
    let resolved: Vec<Option<bool>> = t.deploys.iter().map(|d| d.commit().map(|_| true)).collect();
    let mut missing: Vec<String> = Vec::new();
    for d in &mut t.deploys {
        d.introduced.clear();
        d.unshipped.clear();
        for c in &mut d.claims {
            if matches!(c.state, ClaimState::NoSuchCommit) {
                missing.push(c.change.clone());
            } else {
                c.state = ClaimState::Contained { by: String::new() };
                c.touched = None;
            }
        }
    }
    for (name, ct) in t.changes.iter_mut() {
        if !missing.contains(name) {
            ct.contained = Containment::from_states(&resolved);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::time::Timestamp;
    use crate::truth::{ChangeTruth, ClaimTruth, CommitRef, Deploy, Previous, Shipped, Target};

    fn deploy(sha: &str, claims: Vec<ClaimTruth>) -> Deploy {
        let commit = CommitRef { sha: sha.repeat(40), subject: String::new(), time: Timestamp(0), changes: vec![] };
        Deploy {
            target: Target::Commit { commit },
            ref_problems: vec![],
            tag_time: None,
            previous: Previous::Baseline,
            added: vec![],
            removed: vec![],
            introduced: vec![Shipped { change: "A-1".into(), commits: vec!["c".into()] }],
            unshipped: vec!["B-1".into()],
            components: vec![],
            claims,
        }
    }

    fn claim(change: &str, state: ClaimState) -> ClaimTruth {
        ClaimTruth { change: change.into(), state, carriers: vec!["c".into()], touched: Some(vec!["web".into()]) }
    }

    #[test]
    fn below_carrying_everything_contains_every_change_everywhere() {
        let missing = Deploy::missing("gone".into(), vec![]);
        let claims = vec![claim("A-1", ClaimState::Absent), claim("f00", ClaimState::NoSuchCommit)];
        let truth = Truth {
            environment: "prod".into(),
            deploys: vec![deploy("a", vec![]), missing, deploy("b", claims)],
            changes: BTreeMap::from([
                (
                    "A-1".to_string(),
                    ChangeTruth { contained: Containment::from_states(&[Some(false)]), carriers: vec![] },
                ),
                (
                    "f00".to_string(),
                    ChangeTruth { contained: Containment::from_states(&[Some(false)]), carriers: vec![] },
                ),
            ]),
            components: vec![],
        };
        let w = carried_below(&truth);
        assert!(w.deploys.iter().all(|d| d.introduced.is_empty() && d.unshipped.is_empty()));
        let a1 = &w.deploys[2].claims[0];
        assert_eq!((&a1.state, &a1.touched), (&ClaimState::Contained { by: String::new() }, &None));
        assert_eq!(w.deploys[2].claims[1].state, ClaimState::NoSuchCommit);
        assert_eq!(w.changes["A-1"].contained, Containment::from_states(&[Some(true), None, Some(true)]));
        assert_eq!(w.changes["f00"].contained, truth.changes["f00"].contained);
    }
}
