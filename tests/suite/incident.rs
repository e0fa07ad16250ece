//! The incident, end to end: the done-when of the core issue.

use serde_json::json;

use crate::common::{audit_json, exact, exactly, fixture, run};

#[test]
fn incident_as_written_is_caught_exactly() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(
        exact(&findings),
        exactly(&[
            ("prod-41", "claimed-not-shipped", "error", Some("AUTH-77"), None),
            ("prod-41", "component-not-changed", "warning", None, Some("auth")),
            ("prod-41", "version-mismatch", "error", None, Some("auth")),
            ("prod-42", "shipped-not-claimed", "error", Some("AUTH-77"), None),
            ("prod-42", "component-not-claimed", "error", None, Some("auth")),
        ])
    );
    assert!(findings.iter().all(|x| x["environment"] == "production"), "{findings:#?}");
    let cns = &findings[0];
    assert_eq!(cns["evidence"]["first_shipped_in"], "prod-42");
    assert_eq!(cns["evidence"]["commits"], json!([f.sha("auth-77")]));
    let snc = &findings[3];
    assert_eq!(snc["evidence"]["claimed_in"], json!(["prod-41"]));
    assert_eq!(snc["evidence"]["previous"], "prod-41");
    assert_eq!(snc["evidence"]["commits"], json!([f.sha("auth-77")]));
    assert!(
        snc["message"].as_str().unwrap().contains("AUTH-77 was recorded as deployed in prod-41, but prod-41 did not contain it: this deploy ships it for the first time"),
        "{}",
        snc["message"]
    );
    let vm = &findings[2];
    assert_eq!(vm["evidence"]["claimed_version"], "2.4.0");
    assert_eq!(vm["evidence"]["actual_version"], "2.3.0");
    assert_eq!(vm["evidence"]["version_file"], "services/auth/VERSION");
    let summary = &r.json()["summary"];
    assert_eq!(summary["errors"], 4);
    assert_eq!(summary["warnings"], 1);
    assert_eq!(summary["records"], 4);
    assert_eq!(r.json()["schema_version"], 1);
}

#[test]
fn incident_recorded_truthfully_is_clean() {
    let f = fixture("incident");
    let log = f.records("deploys/production-correct.jsonl");
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn text_report_reads_as_sentences_grouped_by_record() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let r = run(&f, &["audit", "--records", log.to_str().unwrap()]);
    r.expect(1);
    let out = r.stdout.replace(f.repo().to_str().unwrap().trim_end_matches('/'), "[REPO]");
    insta::assert_snapshot!("incident_text", out);
    assert!(!out.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn demo_runs_and_shows_the_incident() {
    let dir = tempfile::tempdir().unwrap();
    let r = crate::common::run_in(dir.path(), &["demo"]);
    r.expect(0);
    assert!(r.stdout.contains("claimed-not-shipped"), "{}", r.stdout);
    assert!(r.stdout.contains("AUTH-77 was recorded as deployed in prod-41"), "{}", r.stdout);
    let kept = dir.path().join("kept");
    let r = crate::common::run_in(dir.path(), &["demo", "--keep", kept.to_str().unwrap()]);
    r.expect(0);
    assert!(kept.join("repo/.git").is_dir());
    assert!(kept.join("deploys/production.jsonl").is_file());
    let again = crate::common::run_in(dir.path(), &["demo", "--keep", kept.to_str().unwrap()]);
    again.expect(2);
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);
}
