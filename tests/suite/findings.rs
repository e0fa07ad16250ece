//! Every finding kind, each on a real repository with the exact finding.

use serde_json::{json, Value};

use crate::common::{audit_json, exact, exactly, fixture, run, scenario, Fixture};

fn rec(id: &str, target: (&str, &str), at: &str, components: Value, changes: Value) -> Value {
    let mut r = json!({ "id": id, "environment": "production", "deployed_at": at });
    r[target.0] = json!(target.1);
    if !components.is_null() {
        r["components"] = components;
    }
    if !changes.is_null() {
        r["changes"] = changes;
    }
    r
}

/// prod-40 and a truthful prod-41 of the incident, then whatever follows.
fn incident_with(f: &Fixture, tail: Vec<Value>) -> std::path::PathBuf {
    let mut lines = vec![
        rec(
            "prod-40",
            ("commit", &f.sha("init")),
            "2023-02-28T09:00:00Z",
            json!(["web", "auth", "billing"]),
            Value::Null,
        ),
        rec("prod-41", ("release", "v2023.03.14"), "2023-03-14T09:00:00Z", json!(["web"]), json!(["WEB-12"])),
    ];
    lines.extend(tail);
    f.write_records("log.jsonl", &lines)
}

#[test]
fn shipped_not_claimed_without_an_earlier_claim() {
    let f = fixture("incident");
    let log = incident_with(
        &f,
        vec![rec(
            "prod-42",
            ("release", "v2023.03.28"),
            "2023-03-28T09:00:00Z",
            json!(["auth", "billing"]),
            json!(["BILL-31"]),
        )],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("prod-42", "shipped-not-claimed", "error", Some("AUTH-77"), None)]));
    assert_eq!(findings[0]["evidence"].get("claimed_in"), None);
    assert_eq!(findings[0]["evidence"]["commits"], json!([f.sha("auth-77")]));
}

#[test]
fn shipped_earlier_names_the_record_that_first_shipped_it() {
    let f = fixture("incident");
    let log = incident_with(
        &f,
        vec![rec(
            "prod-42",
            ("release", "v2023.03.28"),
            "2023-03-28T09:00:00Z",
            json!(["auth", "billing"]),
            json!(["AUTH-77", "BILL-31", "WEB-12"]),
        )],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(0);
    assert_eq!(
        exact(&findings),
        exactly(&[
            ("prod-42", "shipped-earlier", "warning", Some("WEB-12"), None),
            ("prod-42", "claimed-outside-component", "warning", Some("WEB-12"), None),
        ])
    );
    assert_eq!(findings[0]["evidence"]["first_shipped_in"], "prod-41");
    assert_eq!(findings[1]["evidence"]["components"], json!(["web"]));
}

#[test]
fn claimed_outside_component() {
    let f = fixture("incident");
    let log = incident_with(
        &f,
        vec![rec(
            "prod-42",
            ("release", "v2023.03.28"),
            "2023-03-28T09:00:00Z",
            json!(["billing"]),
            json!(["AUTH-77", "BILL-31"]),
        )],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(
        exact(&findings),
        exactly(&[
            ("prod-42", "claimed-outside-component", "warning", Some("AUTH-77"), None),
            ("prod-42", "component-not-claimed", "error", None, Some("auth")),
        ])
    );
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("AUTH-77 is claimed for billing, but its commits only touch auth"));
}

#[test]
fn date_mismatch_when_deployed_before_the_commit_existed() {
    let f = fixture("incident");
    let log = incident_with(
        &f,
        vec![rec(
            "prod-42",
            ("release", "v2023.03.28"),
            "2023-03-21T09:00:00Z",
            json!(["auth", "billing"]),
            json!(["AUTH-77", "BILL-31"]),
        )],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("prod-42", "date-mismatch", "error", None, None)]));
    assert_eq!(findings[0]["evidence"]["record_time"], "2023-03-21T09:00:00Z");
    assert_eq!(findings[0]["evidence"]["commit_time"], "2023-03-22T14:30:00Z");
}

#[test]
fn unknown_ref_for_a_missing_release_and_commit() {
    let f = fixture("incident");
    let log = incident_with(
        &f,
        vec![
            rec("prod-42", ("release", "v2099.01.01"), "2023-03-28T09:00:00Z", json!(["billing"]), json!(["BILL-31"])),
            rec(
                "prod-43",
                ("commit", "0123456789abcdef0123456789abcdef01234567"),
                "2023-03-29T09:00:00Z",
                json!([]),
                json!([]),
            ),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(
        exact(&findings),
        exactly(&[("prod-42", "unknown-ref", "error", None, None), ("prod-43", "unknown-ref", "error", None, None)])
    );
    let msg = findings[0]["message"].as_str().unwrap();
    assert!(msg.contains("v2099.01.01") && msg.contains("no tag"), "{msg}");
    assert!(findings[1]["message"].as_str().unwrap().contains("does not exist"));
}

#[test]
fn claimed_commit_sha_that_does_not_exist() {
    let f = fixture("incident");
    let missing = "89abcdef0123456789abcdef0123456789abcdef";
    let log = incident_with(
        &f,
        vec![rec(
            "prod-42",
            ("release", "v2023.03.28"),
            "2023-03-28T09:00:00Z",
            json!(["auth", "billing"]),
            json!(["AUTH-77", "BILL-31", missing]),
        )],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("prod-42", "claimed-not-shipped", "error", Some(missing), None)]));
    assert!(findings[0]["message"].as_str().unwrap().contains("no such commit"));
}

#[test]
fn claimed_commit_sha_is_contained_by_ancestry() {
    let f = fixture("incident");
    let short = f.sha("auth-77")[..10].to_string();
    let log = incident_with(
        &f,
        vec![rec(
            "prod-42",
            ("release", "v2023.03.28"),
            "2023-03-28T09:00:00Z",
            json!(["auth", "billing"]),
            json!(["AUTH-77", "BILL-31", short]),
        )],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn commit_without_change_only_when_required() {
    let text = r#"
description = "an added commit without a change ID"
config = '''
[components.app]
paths = ["app/"]
[changes]
require = true
'''
[[commit]]
id = "one"
message = "APP-1: start"
date = "2023-01-02T10:00:00Z"
files = { "app/main.py" = "print(1)\n" }
[[commit]]
id = "two"
message = "tidy up whitespace"
date = "2023-01-03T10:00:00Z"
files = { "app/main.py" = "print(1)\n\n" }
[[commit]]
id = "three"
message = "APP-2: greet"
date = "2023-01-04T10:00:00Z"
files = { "app/main.py" = "print('hi')\n" }
"#;
    let f = scenario("inline-require", text);
    let log = f.write_records(
        "log.jsonl",
        &[
            json!({"id": "d1", "commit": f.sha("one"), "deployed_at": "2023-01-02T12:00:00Z", "changes": ["APP-1"], "components": ["app"]}),
            json!({"id": "d2", "commit": f.sha("three"), "deployed_at": "2023-01-05T12:00:00Z", "changes": ["APP-2"], "components": ["app"]}),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(0);
    assert_eq!(exact(&findings), exactly(&[("d2", "commit-without-change", "warning", None, None)]));
    assert_eq!(findings[0]["evidence"]["commits"], json!([f.sha("two")]));
    assert_eq!(findings[0]["environment"], "default");
    let (r, _) = audit_json(&f, &[&log], &["--fail-on", "warning"]);
    r.expect(1);
}

#[test]
fn version_mismatch_on_a_wrong_bump() {
    let f = fixture("version-bump");
    let (r, findings) = audit_json(&f, &[&f.records("deploys/production.jsonl")], &[]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("prod-81", "version-mismatch", "error", None, Some("billing"))]));
    assert_eq!(findings[0]["evidence"]["claimed_version"], "1.9.1");
    assert_eq!(findings[0]["evidence"]["actual_version"], "1.9.0");
}

#[test]
fn ref_mismatch_on_a_moved_tag() {
    let f = fixture("moved-tag");
    let (r, findings) = audit_json(&f, &[&f.records("deploys/production.jsonl")], &[]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("prod-71", "ref-mismatch", "error", None, None)]));
    let (recorded, tagged) = (f.sha("auth-81"), f.sha("auth-82"));
    assert_eq!(
        findings[0]["message"],
        format!(
            "release v1.1 now points at {}, not at the recorded commit {}: the tag moved after the deploy, or the record names the wrong commit.",
            &tagged[..7],
            &recorded[..7]
        )
    );
    assert_eq!(findings[0]["evidence"], json!({"commit": recorded, "tag_commit": tagged}));
}

#[test]
fn rolled_back_is_info_for_a_rollback_and_redeploy_is_clean() {
    let f = fixture("rollback");
    let (r, findings) = audit_json(&f, &[&f.records("deploys/production.jsonl")], &[]);
    r.expect(0);
    assert_eq!(exact(&findings), exactly(&[("prod-3", "rolled-back", "info", None, None)]));
    // prod-3 goes back to web-19: the one commit removed is web-20, whose WEB-20 is no longer live.
    assert_eq!(
        findings[0]["evidence"],
        json!({"commit": f.sha("web-19"), "previous": "prod-2", "commits": [f.sha("web-20")], "changes": ["WEB-20"]})
    );
    assert_eq!(findings[0]["message"], "this deploy removes 1 commit that prod-2 had; no longer live: WEB-20.");
}

#[test]
fn revert_makes_a_claim_not_shipped_and_names_the_revert() {
    let f = fixture("revert");
    let (r, findings) = audit_json(&f, &[&f.records("deploys/production.jsonl")], &[]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("prod-62", "claimed-not-shipped", "error", Some("AUTH-80"), None)]));
    let revert = f.sha("revert-80");
    assert_eq!(
        findings[0]["evidence"],
        json!({"commit": f.sha("web-5"), "commits": [f.sha("auth-80")], "reverted_by": revert}),
        "the evidence names the revert commit"
    );
    assert_eq!(
        findings[0]["message"],
        format!(
            "AUTH-80 is claimed, but {} reverts it (\"Revert \"AUTH-80: new login flow\"\"), so {} does not contain it; no later record's commit contains it.",
            &revert[..7],
            &f.sha("web-5")[..7]
        )
    );
}

/// The fixture's promise: no findings at all, and each claim of prod-51
/// (the original main commits by SHA, and their ticket keys) is contained
/// by the cherry-pick on release/2.4 (by its trailer for AUTH-90, by
/// patch-id for BILL-7).
#[test]
fn backports_raise_no_false_alarm() {
    let f = fixture("backport");
    let log = f.records("deploys/production.jsonl");
    let (r, findings) = audit_json(&f, &[&log], &["--fail-on", "warning"]);
    r.expect(0);
    assert_eq!(exact(&findings), exactly(&[]), "{}", r.stdout);
    let out = run(&f, &["--format", "json", "show", "prod-51", "--records", log.to_str().unwrap()]);
    out.expect(0);
    let v = out.json();
    let claimed: Vec<(String, String, String)> = v["changes"]["claimed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |x: &Value| x.as_str().unwrap_or_else(|| panic!("{c}")).to_string();
            (s(&c["change"]), s(&c["state"]["state"]), s(&c["state"]["by"]))
        })
        .collect();
    let (auth, bill) = (f.sha("auth-90-backport"), f.sha("bill-7-backport"));
    assert_eq!(
        claimed,
        [
            (f.sha("auth-90"), "contained".to_string(), auth.clone()),
            (f.sha("bill-7"), "contained".to_string(), bill.clone()),
            ("AUTH-90".to_string(), "contained".to_string(), auth.clone()),
            ("BILL-7".to_string(), "contained".to_string(), bill.clone()),
        ],
        "{}",
        out.stdout
    );
    assert_eq!(
        v["changes"]["shipped"],
        json!([{"change": "AUTH-90", "commits": [auth]}, {"change": "BILL-7", "commits": [bill]}])
    );
    assert_eq!(v["changes"]["unshipped"], json!([]));
    assert_eq!(v["findings"], json!([]));
}
