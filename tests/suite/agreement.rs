//! Every answer for a record is the same whichever command asks: `show`
//! prints exactly the findings `audit` gives for that record, and its
//! headline repeats them rather than deciding anew.

use serde_json::Value;

use crate::common::{audit_json, fixture, run, Fixture};

/// For every record: `show RECORD --format json` findings equal the
/// audit's findings for it, field by field; returns how many findings were
/// compared.
fn show_agrees_with_audit(f: &Fixture, sources: &[&str]) -> usize {
    let mut extra: Vec<&str> = Vec::new();
    for s in sources {
        extra.extend(["--records", s]);
    }
    let mut audit_args = extra.clone();
    audit_args.extend(["--fail-on", "never"]);
    let (r, findings) = audit_json(f, &[], &audit_args);
    r.expect(0);
    let ids: Vec<String> =
        r.json()["records"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect();
    assert!(!ids.is_empty());
    for id in &ids {
        let mut args = vec!["--format", "json", "show", id.as_str()];
        args.extend(extra.iter().copied());
        let out = run(f, &args);
        out.expect(0);
        let shown = out.json()["findings"].as_array().cloned().unwrap();
        let audited: Vec<Value> = findings.iter().filter(|x| x["record"] == id.as_str()).cloned().collect();
        assert_eq!(shown, audited, "show {id} and audit disagree\n--- show\n{}", out.stdout);
    }
    findings.len()
}

#[test]
fn show_and_audit_give_the_same_findings_on_the_incident() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let compared = show_agrees_with_audit(&f, &[log.to_str().unwrap()]);
    assert_eq!(compared, 5, "the incident has five findings");
}

#[test]
fn show_and_audit_give_the_same_findings_on_a_changelog_history() {
    let f = super::sources::releases();
    // The configured [[records]] source (a changelog about `core`).
    let compared = show_agrees_with_audit(&f, &[]);
    assert_eq!(compared, 4);
    let compared = show_agrees_with_audit(&f, &["changelog:CHANGELOG.md"]);
    assert_eq!(compared, 3, "without `components`, no claimed-outside-component");
}

#[test]
fn the_show_headline_repeats_the_audit_verdict() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    let out = run(&f, &["show", "prod-41", "--records", log]);
    out.expect(0);
    // component-not-changed (with the claimed version) and claimed-not-shipped.
    assert!(out.stdout.lines().any(|l| l == "Claimed but not shipped: auth 2.4.0 and AUTH-77."), "{}", out.stdout);
    assert!(!out.stdout.contains("Shipped but not claimed"), "{}", out.stdout);
    let out = run(&f, &["show", "prod-43", "--records", log]);
    out.expect(0);
    assert!(out.stdout.lines().any(|l| l == "The record's claims agree with what shipped."), "{}", out.stdout);
}
