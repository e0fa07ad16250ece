//! Issue 4: `show`, `trace` and `record` answer "what truly shipped?".

use std::process::Stdio;

use serde_json::{json, Value};

use crate::common::{audit_json, brief, fixture, run, shipcheck_command, triples, Fixture};

/// The output with the fixture's temporary folder replaced by `[ROOT]`.
fn redact(f: &Fixture, text: &str) -> String {
    let root = f.built.root.to_str().unwrap().trim_end_matches('/').to_string();
    let dir = f.dir.path().to_str().unwrap().trim_end_matches('/').to_string();
    text.replace(&root, "[ROOT]").replace(&dir, "[ROOT]")
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

fn show_json(f: &Fixture, log: &str, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json", "show", "--records", log];
    all.extend_from_slice(args);
    let r = run(f, &all);
    r.expect(0);
    r.json()
}

#[test]
fn trace_answers_when_the_incident_change_really_went_out() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    let r = run(&f, &["trace", "AUTH-77", "--records", log]);
    r.expect(0);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "AUTH-77 first shipped in prod-42 (2023-03-28 09:00 UTC); claimed in prod-41 (2023-03-14 09:00 UTC), which did not contain it."
    );
    insta::assert_snapshot!("trace_incident_text", redact(&f, &r.stdout));

    let r = run(&f, &["--format", "json", "trace", "AUTH-77", "--records", log]);
    r.expect(0);
    let v = r.json();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["change"], "AUTH-77");
    assert_eq!(v["claimed_in"], json!(["prod-41"]));
    assert_eq!(v["first_shipped_in"], "prod-42");
    let commits: Vec<&str> = v["commits"].as_array().unwrap().iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert_eq!(commits, [f.sha("auth-77")]);
    let rows: Vec<(String, bool, Value)> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["record"].as_str().unwrap().to_string(), r["claimed"].as_bool().unwrap(), r["contained"].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("prod-40".to_string(), false, json!(false)),
            ("prod-41".to_string(), true, json!(false)),
            ("prod-42".to_string(), false, json!(true)),
            ("prod-43".to_string(), false, json!(true)),
        ]
    );
}

#[test]
fn trace_of_a_change_nobody_shipped_says_so() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let r = run(&f, &["--format", "json", "trace", "NOPE-1", "--records", log.to_str().unwrap()]);
    r.expect(0);
    let v = r.json();
    assert_eq!(v["first_shipped_in"], Value::Null);
    assert_eq!(v["claimed_in"], json!([]));
    let r = run(&f, &["trace", "NOPE-1", "--records", log.to_str().unwrap()]);
    assert!(
        r.stdout.starts_with("NOPE-1 is carried by no commit in the repository; no record claims it."),
        "{}",
        r.stdout
    );
}

#[test]
fn trace_follows_a_cherry_picked_backport_by_its_original_sha() {
    let f = fixture("backport");
    let log = f.records("deploys/production.jsonl");
    let original = f.sha("auth-90");
    let r = run(&f, &["--format", "json", "trace", &original, "--records", log.to_str().unwrap()]);
    r.expect(0);
    let v = r.json();
    assert_eq!(v["first_shipped_in"], "prod-51");
    assert_eq!(v["claimed_in"], json!(["prod-51"]));
    let mut commits: Vec<(String, String)> = v["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["sha"].as_str().unwrap().to_string(), c["relation"].as_str().unwrap().to_string()))
        .collect();
    commits.sort();
    let mut expected =
        vec![(original.clone(), "original".to_string()), (f.sha("auth-90-backport"), "equivalent".to_string())];
    expected.sort();
    assert_eq!(commits, expected);
    let contained: Vec<Value> = v["records"].as_array().unwrap().iter().map(|r| r["contained"].clone()).collect();
    assert_eq!(contained, [json!(false), json!(true)]);
    // An abbreviated SHA finds the same.
    let r = run(&f, &["trace", &original[..10], "--records", log.to_str().unwrap()]);
    r.expect(0);
    assert!(
        r.stdout.starts_with(&format!(
            "{} first shipped in prod-51 (2023-04-14 09:00 UTC); claimed in prod-51",
            &original[..10]
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn show_names_what_the_incident_deploy_truly_changed() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    let v = show_json(&f, log, &["prod-42"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["resolved_as"], "record");
    assert_eq!(v["record"]["id"], "prod-42");
    assert_eq!(v["previous"]["id"], "prod-41");
    assert_eq!(v["commit"]["sha"], f.sha("bill-31"));
    assert_eq!(names(&v["components"]["changed"]), ["auth", "billing"]);
    assert_eq!(names(&v["components"]["unchanged"]), ["web"]);
    assert_eq!(names(&v["components"]["claimed"]), ["billing"]);
    let auth = &v["components"]["changed"][0];
    assert_eq!(auth["files"], json!(["services/auth/VERSION", "services/auth/token.py"]));
    assert_eq!(auth["previous_version"]["value"], "2.3.0");
    assert_eq!(auth["version"]["value"], "2.4.0");
    let shipped: Vec<&str> =
        v["changes"]["shipped"].as_array().unwrap().iter().map(|s| s["change"].as_str().unwrap()).collect();
    assert_eq!(shipped, ["AUTH-77", "BILL-31"]);
    assert_eq!(v["changes"]["claimed"][0]["change"], "BILL-31");
    let added: Vec<&str> =
        v["commits"]["added"].as_array().unwrap().iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert_eq!(added, [f.sha("bill-31"), f.sha("merge-auth"), f.sha("auth-77")]);
    assert_eq!(v["commits"]["removed"], json!([]));
    assert_eq!(
        brief(v["findings"].as_array().unwrap()),
        triples(&[("prod-42", "shipped-not-claimed", "AUTH-77"), ("prod-42", "component-not-claimed", "auth")])
    );

    let r = run(&f, &["show", "prod-42", "--records", log]);
    r.expect(0);
    let lines: Vec<&str> = r.stdout.lines().map(str::trim).collect();
    assert!(lines.contains(&"+ auth"), "{}", r.stdout);
    assert!(lines.contains(&"+ AUTH-77"), "{}", r.stdout);
    assert!(lines.contains(&"billing"), "claimed and shipped: no sign\n{}", r.stdout);
    assert!(!r.stdout.contains("+ billing") && !r.stdout.contains("- billing"), "{}", r.stdout);
    assert!(r.stdout.starts_with("prod-42 (production, 2023-03-28 09:00 UTC) truly changed auth and billing"));
    assert!(!r.stdout.contains('\x1b'), "no colour when not on a terminal");
    insta::assert_snapshot!("show_incident_text", redact(&f, &r.stdout));
}

#[test]
fn show_marks_claims_that_did_not_ship_with_a_minus() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let r = run(&f, &["show", "prod-41", "--records", log.to_str().unwrap()]);
    r.expect(0);
    let lines: Vec<&str> = r.stdout.lines().map(str::trim).collect();
    assert!(lines.contains(&"- AUTH-77"), "{}", r.stdout);
    assert!(lines.contains(&"- auth 2.4.0"), "{}", r.stdout);
    assert!(lines.contains(&"web") && lines.contains(&"WEB-12"), "{}", r.stdout);
}

#[test]
fn show_at_picks_the_record_live_at_that_time() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    for (at, id) in [
        ("2023-03-28T10:00:00Z", "prod-42"),
        ("2023-03-28T09:00:00Z", "prod-42"),
        ("2023-03-28T08:59:59Z", "prod-41"),
        ("2023-03-28T11:39:00Z", "prod-43"),
        ("2023-03-28T13:39:00+02:00", "prod-43"),
        ("2023-03-01", "prod-40"),
    ] {
        let v = show_json(&f, log, &["--at", at, "--env", "production"]);
        assert_eq!(v["record"]["id"], id, "--at {at}");
    }
    let r = run(&f, &["show", "--at", "2023-01-01T00:00:00Z", "--records", log]);
    r.expect(2);
    assert!(r.stderr.contains("no record of \"production\" was deployed at or before"), "{}", r.stderr);
    let r = run(&f, &["show", "--at", "yesterday", "--records", log]);
    r.expect(2);
    assert!(r.stderr.contains("--at: expected an RFC 3339 time"), "{}", r.stderr);
    run(&f, &["show", "--records", log]).expect(2);
    run(&f, &["show", "prod-42", "--at", "2023-03-28T10:00:00Z", "--records", log]).expect(2);
}

#[test]
fn show_component_filter_keeps_only_that_component() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    let v = show_json(&f, log, &["prod-42", "--component", "billing"]);
    assert_eq!(v["component_filter"], "billing");
    assert_eq!(names(&v["components"]["changed"]), ["billing"]);
    assert_eq!(v["components"]["unchanged"], json!([]));
    assert_eq!(names(&v["components"]["claimed"]), ["billing"]);
    // The component-not-claimed finding about auth is filtered out; change findings stay.
    assert_eq!(brief(v["findings"].as_array().unwrap()), triples(&[("prod-42", "shipped-not-claimed", "AUTH-77")]));
    let v = show_json(&f, log, &["prod-42", "--component", "web"]);
    assert_eq!(v["components"]["changed"], json!([]));
    assert_eq!(names(&v["components"]["unchanged"]), ["web"]);
    let r = run(&f, &["show", "prod-42", "--component", "auth", "--records", log]);
    r.expect(0);
    assert!(r.stdout.contains("+ auth") && !r.stdout.contains("billing  "), "{}", r.stdout);
    let r = run(&f, &["show", "prod-42", "--component", "payments", "--records", log]);
    r.expect(2);
    assert!(r.stderr.contains("--component payments: no such component (known: auth, billing, web)"), "{}", r.stderr);
}

#[test]
fn show_resolves_revisions_to_records_or_to_their_deployed_ancestor() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = log.to_str().unwrap();
    // The commit of a record: that record.
    let v = show_json(&f, log, &[&f.sha("bill-31")[..8]]);
    assert_eq!(v["resolved_as"], "record");
    assert_eq!(v["record"]["id"], "prod-42");
    let v = show_json(&f, log, &["v2023.03.14"]);
    assert_eq!(v["record"]["id"], "prod-41");
    // A commit no record deployed: compared with the latest deployed ancestor.
    let v = show_json(&f, log, &[&f.sha("merge-auth")]);
    assert_eq!(v["resolved_as"], "commit");
    assert_eq!(v["previous"]["id"], "prod-41");
    assert_eq!(v["changes"]["shipped"][0]["change"], "AUTH-77");
    assert_eq!(names(&v["components"]["changed"]), ["auth"]);
    // A commit claims nothing, but deploying it would ship AUTH-77, which
    // prod-41 claimed without containing: the incident's signature is
    // reported whatever the record claims (as the gate and the audit do).
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!((&findings[0]["kind"], &findings[0]["change"]), (&json!("shipped-not-claimed"), &json!("AUTH-77")));
    assert_eq!(findings[0]["evidence"]["claimed_in"], json!(["prod-41"]));
    // The baseline.
    let v = show_json(&f, log, &["prod-40"]);
    assert_eq!(v["previous"], Value::Null);
    let r = run(&f, &["show", "no-such-thing", "--records", log]);
    r.expect(2);
    assert!(r.stderr.contains("neither a record id nor a revision"), "{}", r.stderr);
}

/// The incident's log without its records after prod-41 (chosen by id).
fn log_until_prod_41(f: &Fixture) -> std::path::PathBuf {
    let text = std::fs::read_to_string(f.records("deploys/production.jsonl")).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| {
            let id = serde_json::from_str::<Value>(l).unwrap()["id"].clone();
            id == "prod-40" || id == "prod-41"
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(kept.lines().count(), 2, "prod-40 and prod-41 are in the incident's log");
    f.write("derived.jsonl", &kept)
}

#[test]
fn record_derives_the_truthful_incident_record_and_it_passes_audit() {
    let f = fixture("incident");
    let path = log_until_prod_41(&f);
    let p = path.to_str().unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    let r = run(
        &f,
        &[
            "record",
            "--env",
            "production",
            "--commit",
            "v2023.03.28",
            "--release",
            "v2023.03.28",
            "--id",
            "prod-42",
            "--at",
            "2023-03-28T09:00:00Z",
            "--append",
            p,
        ],
    );
    r.expect(0);
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(&before), "existing lines are kept byte for byte");
    let added = &after[before.len()..];
    assert_eq!(added.matches('\n').count(), 1, "exactly one line: {added:?}");
    assert_eq!(r.stdout, added, "stdout prints the same line");
    let rec: Value = serde_json::from_str(added).unwrap();
    assert_eq!(
        rec,
        json!({
            "id": "prod-42",
            "environment": "production",
            "release": "v2023.03.28",
            "commit": f.sha("bill-31"),
            "deployed_at": "2023-03-28T09:00:00Z",
            "components": [{"name": "auth", "version": "2.4.0"}, {"name": "billing", "version": "1.9.0"}],
            "changes": ["AUTH-77", "BILL-31"],
        })
    );
    // `gate` is being built in parallel; `audit` checks the same claims.
    let (r, findings) = audit_json(&f, &[&path], &[]);
    r.expect(1);
    // prod-41 still lies (as in the incident); the derived prod-42 is clean.
    assert_eq!(
        brief(&findings),
        triples(&[
            ("prod-41", "claimed-not-shipped", "AUTH-77"),
            ("prod-41", "component-not-changed", "auth"),
            ("prod-41", "version-mismatch", "auth"),
        ])
    );
}

#[test]
fn record_appended_to_the_whole_incident_log_is_clean() {
    let f = fixture("incident");
    let text = std::fs::read_to_string(f.records("deploys/production.jsonl")).unwrap();
    let path = f.write("whole.jsonl", &text);
    let r = run(
        &f,
        &[
            "record",
            "--env",
            "production",
            "--commit",
            "HEAD",
            "--at",
            "2023-03-29T09:00:00Z",
            "--append",
            path.to_str().unwrap(),
        ],
    );
    r.expect(0);
    let id = format!("production-{}", &f.sha("auth-78")[..7]);
    let rec: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rec["id"], id.as_str());
    assert_eq!(rec["changes"], json!([]), "a re-deploy of what is live ships nothing");
    assert_eq!(rec["components"], json!([]));
    let (r, findings) = audit_json(&f, &[&path], &[]);
    r.expect(1);
    // The incident's own five findings, and none about the re-deploy.
    assert_eq!(
        brief(&findings),
        triples(&[
            ("prod-41", "claimed-not-shipped", "AUTH-77"),
            ("prod-41", "component-not-changed", "auth"),
            ("prod-41", "version-mismatch", "auth"),
            ("prod-42", "shipped-not-claimed", "AUTH-77"),
            ("prod-42", "component-not-claimed", "auth"),
        ])
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 5);
}

#[test]
fn record_without_a_log_is_a_baseline_with_every_component() {
    let f = fixture("incident");
    let r = run(&f, &["record", "--env", "staging", "--commit", &f.sha("web-12"), "--at", "2023-03-10T00:00:00Z"]);
    r.expect(0);
    let rec: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rec["id"], format!("staging-{}", &f.sha("web-12")[..7]));
    assert_eq!(rec["environment"], "staging");
    assert_eq!(
        rec["components"],
        json!([
            {"name": "auth", "version": "2.3.0"},
            {"name": "billing", "version": "1.8.0"},
            {"name": "web", "version": "5.2.0"}
        ])
    );
    assert!(rec.get("changes").is_none(), "a baseline makes no change claims");
}

#[test]
fn record_refuses_bad_input_and_leaves_the_log_untouched() {
    let f = fixture("incident");
    let base = ["record", "--env", "production", "--commit", "HEAD"];
    let with = |path: &str, extra: &[&'static str]| {
        let mut a: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        a.extend(["--append".to_string(), path.to_string()]);
        if !extra.contains(&"--at") {
            a.extend(["--at".to_string(), "2023-03-29T09:00:00Z".to_string()]);
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let check = |name: &str, content: &str, extra: &[&'static str], needle: &str| {
        let path = f.write(name, content);
        let args = with(path.to_str().unwrap(), extra);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&f, &refs);
        r.expect(2);
        assert!(r.stderr.contains(needle), "{name}: {}", r.stderr);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content, "{name} untouched");
    };
    let good = std::fs::read_to_string(f.records("deploys/production.jsonl")).unwrap();
    let cut = format!("{good}{{\"id\": \"prod-44\", \"environment\": \"produ");
    check("cut.jsonl", &cut, &[], "cut.jsonl:5:");
    check("cut.jsonl", &cut, &[], "no newline at its end");
    let cut_whole = format!("{good}{{\"id\": \"prod-44\", \"commit\": \"abc\"}}");
    check("cut-whole.jsonl", &cut_whole, &[], "cut-whole.jsonl:5:");
    check("bad.jsonl", &format!("{good}{{\"id\": \"x\", \"chnages\": []}}\n"), &[], "bad.jsonl:5:");
    check("array.json", "[]\n", &[], "not JSON Lines");
    check("dup.jsonl", &good, &["--id", "prod-43"], "record id \"prod-43\" is already used");
    check("early.jsonl", &good, &["--id", "x", "--at", "2023-03-28T10:00:00Z"], "would not be the latest deploy");
    check("tag.jsonl", &good, &["--release", "v2023.03.14"], "--release v2023.03.14 points at");
    let r = run(&f, &["record", "--env", "production", "--commit", "nope"]);
    r.expect(2);
    assert!(r.stderr.contains("--commit nope"), "{}", r.stderr);
    let r = run(&f, &["record", "--env", "production", "--commit", &f.sha("auth-78"), "--at", "2023-03-01T00:00:00Z"]);
    r.expect(2);
    assert!(r.stderr.contains("before commit"), "{}", r.stderr);
}

#[test]
fn eight_concurrent_appends_leave_eight_intact_lines() {
    let f = fixture("incident");
    let path = f.built.root.join("concurrent.jsonl");
    let p = path.to_str().unwrap().to_string();
    let repo = f.repo().to_str().unwrap().to_string();
    // Each command (and its temporary HOME) is kept until its child has ended.
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut command = shipcheck_command();
            command
                .args(["--repo", &repo, "record", "--env", "production", "--commit", "HEAD"])
                .args(["--id", &format!("run-{i}"), "--at", "2023-03-29T09:00:00Z", "--append", &p])
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            let child = command.spawn().expect("shipcheck starts");
            (command, child)
        })
        .collect();
    for (_command, c) in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("an intact JSON line")).collect();
    assert_eq!(lines.len(), 8, "{text}");
    let mut ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (0..8).map(|i| format!("run-{i}")).collect::<Vec<_>>());
    // Each was computed under the lock against the lines before it: the first is the
    // baseline, every later one a re-deploy that ships nothing.
    assert!(lines[0].get("changes").is_none());
    assert!(lines[1..].iter().all(|l| l["changes"] == json!([])), "{text}");
    let (r, findings) = audit_json(&f, &[&path], &[]);
    r.expect(0);
    assert!(findings.is_empty(), "{findings:#?}");
}
