//! Command-line behaviour: exit codes, repository faults, colour.

use crate::common::{brief, fixture, installed, run, run_in, triples};

#[test]
fn fail_on_maps_findings_to_exit_codes() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    run(&f, &["audit", "--records", log]).expect(1);
    run(&f, &["audit", "--records", log, "--fail-on", "never"]).expect(0);
    run(&f, &["audit", "--records", log, "--fail-on", "warning"]).expect(1);
    let good = f.records("deploys/production-correct.jsonl");
    run(&f, &["audit", "--records", good.to_str().unwrap(), "--fail-on", "warning"]).expect(0);
    run(&f, &["audit", "--records", log, "--fail-on", "sometimes"]).expect(2);
}

#[test]
fn since_and_until_limit_what_is_reported() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let r = run(&f, &["--format", "json", "audit", "--records", log.to_str().unwrap(), "--since", "prod-42"]);
    r.expect(1);
    let v = r.json();
    let records: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["record"].as_str().unwrap()).collect();
    assert_eq!(records, ["prod-42", "prod-42"]);
    let r = run(&f, &["--format", "json", "audit", "--records", log.to_str().unwrap(), "--until", "prod-41"]);
    r.expect(1);
    let v = r.json();
    assert_eq!(
        brief(&r.findings()),
        triples(&[
            ("prod-41", "claimed-not-shipped", "AUTH-77"),
            ("prod-41", "component-not-changed", "auth"),
            ("prod-41", "version-mismatch", "auth"),
        ])
    );
    assert_eq!(v["summary"]["records"], 2);
    run(&f, &["audit", "--records", log.to_str().unwrap(), "--since", "prod-99"]).expect(2);
}

#[test]
fn not_a_repository_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), &["audit", "--records", "x.jsonl"]);
    r.expect(2);
    assert!(r.stderr.contains("is not in a git repository"), "{}", r.stderr);
}

#[test]
fn shallow_clone_is_refused() {
    if !installed("shallow_clone_is_refused", "git") {
        return;
    }
    let f = fixture("incident");
    let dir = tempfile::tempdir().unwrap();
    let clone = f.shallow_clone(dir.path());
    let log = f.records("deploys/production.jsonl");
    let r = run_in(&clone, &["audit", "--records", log.to_str().unwrap()]);
    r.expect(2);
    assert!(r.stderr.contains("shallow") && r.stderr.contains("fetch-depth: 0"), "{}", r.stderr);
}

#[test]
fn missing_sources_and_unsupported_sources_are_clear() {
    let f = fixture("incident");
    let r = run(&f, &["audit"]);
    r.expect(2);
    assert!(r.stderr.contains("no record sources"), "{}", r.stderr);
    let r = run(&f, &["audit", "--records", "nope.jsonl"]);
    r.expect(2);
    assert!(r.stderr.contains("nope.jsonl"), "{}", r.stderr);
}

#[test]
fn records_from_configuration_sources() {
    let f = fixture("incident");
    let cfg = std::fs::read_to_string(f.repo().join("shipcheck.toml")).unwrap();
    let cfg = format!("{cfg}\n[[records]]\nsource = \"../deploys/production.jsonl\"\nenvironment = \"production\"\n");
    let path = f.write("with-sources.toml", &cfg);
    // Paths in a configuration are relative to the configuration file.
    let moved = f.write("conf/with-sources.toml", &cfg);
    let r = run(&f, &["--config", moved.to_str().unwrap(), "audit"]);
    r.expect(1);
    assert!(r.stdout.contains("prod-42"), "{}", r.stdout);
    let _ = path;
}

#[test]
fn help_and_version_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), &["--help"]).expect(0);
    run_in(dir.path(), &["--version"]).expect(0);
    run_in(dir.path(), &["no-such-command"]).expect(2);
}
