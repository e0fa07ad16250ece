//! The audit on literal data: no git, just truth and history.

use std::collections::BTreeMap;

use shipcheck::audit::{self, exit_code, FailOn, Kind, Options, Severity};
use shipcheck::records::{ClaimedComponent, History, Origin, Record, RecordKind};
use shipcheck::time::Timestamp;
use shipcheck::truth::{
    ChangeTruth, ClaimState, ClaimTruth, CommitRef, ComponentState, Containment, Deploy, Previous, Shipped, Target,
    Truth, VersionAt,
};

fn record(id: &str, components: Option<&[&str]>, changes: Option<&[&str]>) -> Record {
    Record {
        id: id.into(),
        environment: "prod".into(),
        release: None,
        commit: Some(format!("{id}-sha")),
        deployed_at: Some(Timestamp(1_000_000)),
        components: components
            .map(|c| c.iter().map(|n| ClaimedComponent { name: n.to_string(), version: None }).collect()),
        changes: changes.map(|c| c.iter().map(|s| s.to_string()).collect()),
        kind: RecordKind::Deploy,
        origin: Origin { file: "log.jsonl".into(), line: 1 },
        complete: true,
        about: None,
        source: Default::default(),
    }
}

fn commit(sha: &str) -> CommitRef {
    CommitRef { sha: format!("{sha:0<40}"), subject: format!("commit {sha}"), time: Timestamp(500), changes: vec![] }
}

fn comp(name: &str, changed: bool) -> ComponentState {
    ComponentState {
        name: name.into(),
        changed_paths: if changed { vec![format!("{name}/")] } else { vec![] },
        files: None,
        version: None,
        previous_version: None,
    }
}

fn deploy(sha: &str, previous: Option<usize>, components: Vec<ComponentState>) -> Deploy {
    Deploy {
        target: Target::Commit { commit: commit(sha) },
        ref_problems: vec![],
        tag_time: None,
        previous: previous.map_or(Previous::Baseline, |index| Previous::Record { index }),
        added: vec![],
        removed: vec![],
        introduced: vec![],
        unshipped: vec![],
        components,
        claims: vec![],
    }
}

fn claim(change: &str, state: ClaimState) -> ClaimTruth {
    ClaimTruth { change: change.into(), state, carriers: vec![format!("{:0<40}", "c")], touched: None }
}

fn kinds(f: &[audit::Finding]) -> Vec<(String, Kind, Option<String>)> {
    f.iter().map(|f| (f.record.clone(), f.kind, f.change.clone().or(f.component.clone()))).collect()
}

/// The incident in three records, as literal truth.
fn incident() -> (History, Truth) {
    let history = History {
        environment: "prod".into(),
        records: vec![
            record("r0", Some(&["auth", "web"]), None),
            record("r1", Some(&["web", "auth"]), Some(&["WEB-1", "AUTH-7"])),
            record("r2", Some(&["billing"]), Some(&["BILL-3"])),
        ],
    };
    let mut d1 = deploy("b", Some(0), vec![comp("auth", false), comp("web", true), comp("billing", false)]);
    d1.introduced = vec![Shipped { change: "WEB-1".into(), commits: vec!["w".into()] }];
    d1.claims = vec![claim("WEB-1", ClaimState::Contained { by: "w".into() }), claim("AUTH-7", ClaimState::Absent)];
    let mut d2 = deploy("c", Some(1), vec![comp("auth", true), comp("web", false), comp("billing", true)]);
    d2.introduced = vec![
        Shipped { change: "AUTH-7".into(), commits: vec!["a".into()] },
        Shipped { change: "BILL-3".into(), commits: vec!["x".into()] },
    ];
    d2.claims = vec![claim("BILL-3", ClaimState::Contained { by: "x".into() })];
    let mut changes = BTreeMap::new();
    changes.insert(
        "AUTH-7".into(),
        ChangeTruth { contained: Containment::from_states(&[Some(false), Some(false), Some(true)]), carriers: vec![] },
    );
    changes.insert(
        "WEB-1".into(),
        ChangeTruth { contained: Containment::from_states(&[Some(false), Some(true), Some(true)]), carriers: vec![] },
    );
    changes.insert(
        "BILL-3".into(),
        ChangeTruth { contained: Containment::from_states(&[Some(false), Some(false), Some(true)]), carriers: vec![] },
    );
    let truth = Truth {
        environment: "prod".into(),
        deploys: vec![deploy("a", None, vec![comp("auth", false), comp("web", false), comp("billing", false)]), d1, d2],
        changes,
        components: vec!["auth".into(), "web".into(), "billing".into()],
    };
    (history, truth)
}

#[test]
fn incident_signature_on_literal_data() {
    let (h, t) = incident();
    let (f, skipped) = audit::audit(&h, &t, &Options::default());
    assert_eq!(
        kinds(&f),
        vec![
            ("r1".into(), Kind::ClaimedNotShipped, Some("AUTH-7".into())),
            ("r1".into(), Kind::ComponentNotChanged, Some("auth".into())),
            ("r2".into(), Kind::ShippedNotClaimed, Some("AUTH-7".into())),
            ("r2".into(), Kind::ComponentNotClaimed, Some("auth".into())),
        ]
    );
    assert_eq!(f[0].evidence.first_shipped_in.as_deref(), Some("r2"));
    assert_eq!(f[2].evidence.claimed_in, vec!["r1".to_string()]);
    assert_eq!(skipped.records_without_changes, 1);
    assert_eq!(exit_code(&f, FailOn::Error), 1);
    assert_eq!(exit_code(&f, FailOn::Never), 0);
}

#[test]
fn partial_sources_only_count_unclaimed_changes() {
    let (mut h, t) = incident();
    for r in &mut h.records {
        r.complete = false;
    }
    // AUTH-7 is claimed by another record, so it is still reported.
    let (f, skipped) = audit::audit(&h, &t, &Options::default());
    assert!(f.iter().any(|f| f.kind == Kind::ShippedNotClaimed));
    assert_eq!(skipped.unclaimed_in_partial_sources, 0);
    h.records[1].changes = Some(vec!["WEB-1".into()]);
    let mut t2 = t.clone();
    t2.deploys[1].claims.truncate(1);
    let (f, skipped) = audit::audit(&h, &t2, &Options::default());
    assert!(!f.iter().any(|f| f.kind == Kind::ShippedNotClaimed), "{f:#?}");
    assert_eq!(skipped.unclaimed_in_partial_sources, 1);
}

#[test]
fn baseline_checks_only_containment_refs_and_versions() {
    let (mut h, mut t) = incident();
    h.records[0].components = Some(vec![ClaimedComponent { name: "auth".into(), version: Some("v2.0".into()) }]);
    h.records[0].changes = Some(vec!["NOPE-1".into()]);
    t.deploys[0].claims = vec![claim("NOPE-1", ClaimState::Absent)];
    t.deploys[0].components[0].version = Some(VersionAt { file: "auth/VERSION".into(), value: Some("2.0".into()) });
    let (f, _) = audit::audit(&h, &t, &Options::default());
    let at_baseline: Vec<_> = f.iter().filter(|f| f.record == "r0").map(|f| f.kind).collect();
    // v2.0 equals 2.0; auth "unchanged" is not reported at the baseline.
    assert_eq!(at_baseline, vec![Kind::ClaimedNotShipped]);
    assert!(f[0].message.contains("no later record's commit contains it"), "{}", f[0].message);
}

#[test]
fn rollback_severity_depends_on_the_record_kind() {
    let (mut h, mut t) = incident();
    t.deploys[2].removed = vec![commit("z")];
    t.deploys[2].unshipped = vec!["WEB-1".into()];
    let (f, _) = audit::audit(&h, &t, &Options::default());
    let rb = f.iter().find(|f| f.kind == Kind::RolledBack).unwrap();
    assert_eq!(rb.severity, Severity::Warning);
    assert!(rb.message.contains("no longer live: WEB-1"), "{}", rb.message);
    h.records[2].kind = RecordKind::Rollback;
    let (f, _) = audit::audit(&h, &t, &Options::default());
    assert_eq!(f.iter().find(|f| f.kind == Kind::RolledBack).unwrap().severity, Severity::Info);
}

#[test]
fn missing_target_is_unknown_ref_and_nothing_else() {
    let (h, mut t) = incident();
    t.deploys[1].target = Target::Missing { reason: "release v9 has no tag in the repository".into() };
    let (f, _) = audit::audit(&h, &t, &Options::default());
    let r1: Vec<_> = f.iter().filter(|f| f.record == "r1").map(|f| f.kind).collect();
    assert_eq!(r1, vec![Kind::UnknownRef]);
}

#[test]
fn every_kind_has_its_design_name() {
    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "claimed-not-shipped",
            "shipped-not-claimed",
            "component-not-claimed",
            "component-not-changed",
            "shipped-earlier",
            "unverified-claim",
            "claimed-outside-component",
            "date-mismatch",
            "version-mismatch",
            "unknown-ref",
            "ref-mismatch",
            "release-not-recorded",
            "rolled-back",
            "commit-without-change",
        ]
    );
    for k in Kind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
}
