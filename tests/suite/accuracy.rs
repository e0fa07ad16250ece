//! Accuracy on real repositories: an error is a proven disagreement, and
//! what shipcheck cannot prove either way is said as such.

use serde_json::json;

use crate::common::{audit_json, brief, exact, exactly, fixture, triples};

#[test]
fn a_claim_no_commit_names_is_an_unverified_claim_with_the_way_to_verify_it() {
    let f = fixture("incident");
    let a = json!({"id": "a", "commit": f.sha("web-12"), "deployed_at": "2023-03-14T09:00:00Z", "changes": ["WEB-12"], "components": ["web"]});
    // #4063 shipped by a rebase merge that left no "(#4063)" in any message.
    let b = json!({"id": "b", "commit": f.sha("bill-31"), "deployed_at": "2023-03-28T09:00:00Z",
                   "changes": ["BILL-31", "AUTH-77", "#4063"], "components": ["billing", "auth"]});
    let log = f.write_records("log.jsonl", &[a, b]);
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(0);
    assert_eq!(exact(&findings), exactly(&[("b", "unverified-claim", "warning", Some("#4063"), None)]), "{}", r.stdout);
    let u = &findings[0];
    assert_eq!(u["evidence"]["commit"], f.sha("bill-31"));
    let message = u["message"].as_str().unwrap();
    assert!(message.starts_with("#4063 is claimed, but no commit in the history names it"), "{message}");
    assert!(message.contains("refs/pull/*/head"), "{message}");
    // A team that wants such claims to fail the gate says so.
    let strict = f.write(
        "strict.toml",
        &format!(
            "{}\n[changes]\nunverified = \"error\"\n",
            std::fs::read_to_string(f.repo().join("shipcheck.toml")).unwrap()
        ),
    );
    let (r, findings) = audit_json(&f, &[&log], &["--config", strict.to_str().unwrap()]);
    r.expect(1);
    assert_eq!(exact(&findings), exactly(&[("b", "unverified-claim", "error", Some("#4063"), None)]), "{}", r.stdout);
}

#[test]
fn a_bare_date_in_a_deploy_log_means_the_whole_day() {
    let f = fixture("incident");
    // bill-31 was committed on 2023-03-22 at 14:30 UTC: deployed that day is fine.
    let a = json!({"id": "a", "commit": f.sha("web-12"), "deployed_at": "2023-03-14", "changes": ["WEB-12"], "components": ["web"]});
    let b = json!({"id": "b", "commit": f.sha("bill-31"), "deployed_at": "2023-03-22",
                   "changes": ["BILL-31", "AUTH-77"], "components": ["billing", "auth"]});
    let log = f.write_records("log.jsonl", &[a.clone(), b]);
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(0);
    assert!(findings.is_empty(), "{}", r.stdout);
    let early = json!({"id": "b", "commit": f.sha("bill-31"), "deployed_at": "2023-03-21",
                       "changes": ["BILL-31", "AUTH-77"], "components": ["billing", "auth"]});
    let log = f.write_records("early.jsonl", &[a, early]);
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(brief(&findings), triples(&[("b", "date-mismatch", "")]));
    assert_eq!(
        findings[0]["message"],
        format!(
            "the record says it was deployed on 2023-03-21, before its commit {} was made (2023-03-22 14:30 UTC).",
            &f.sha("bill-31")[..7]
        )
    );
}

/// 1.0.0 and 1.2.0 are tagged; 1.1.0 never was, and its section claims #2,
/// which 1.2.0 (whose section forgot it) ships.
const UNTAGGED: &str = r##"
description = "A changelog whose middle release has no tag"
config = '''
[components.core]
paths = ["src/"]

[[records]]
source = "changelog:CHANGELOG.md"
components = ["core"]
'''

[[commit]]
id = "init"
message = "Start (#1)"
date = "2024-01-01T09:00:00Z"
[commit.files]
"src/a.rs" = "a\n"

[[commit]]
id = "two"
message = "Add b (#2)"
date = "2024-01-05T09:00:00Z"
[commit.files]
"src/b.rs" = "b\n"

[[commit]]
id = "three"
message = "Add c (#3)"
date = "2024-01-06T09:00:00Z"
[commit.files]
"src/c.rs" = "c\n"
"CHANGELOG.md" = '''
# Changelog

## 1.2.0 - 2024-01-06
- Add c (#3)

## 1.1.0 - 2024-01-05
- Add b (#2)

## 1.0.0 - 2024-01-01
- Start (#1)
'''

[[tag]]
name = "v1.0.0"
target = "init"

[[tag]]
name = "v1.2.0"
target = "three"
"##;

#[test]
fn a_release_that_cannot_be_resolved_proves_nothing_about_the_others() {
    let f = crate::common::scenario("untagged", UNTAGGED);
    let (r, findings) = audit_json(&f, &[], &["--fail-on", "never"]);
    r.expect(0);
    // 1.1.0 is reported once; 1.2.0 is not told that 1.1.0 "did not contain" #2.
    assert_eq!(brief(&findings), triples(&[("v1.1.0", "unknown-ref", "")]), "{}", r.stdout);
    assert_eq!(r.json()["summary"]["skipped"]["unclaimed_in_partial_sources"], 1);
}

/// 1.1.0 was published and yanked; 1.1.1 lists its change again with its own.
const YANKED: &str = r##"
description = "A changelog with a yanked release"
config = '''
[components.core]
paths = ["src/"]

[[records]]
source = "changelog:CHANGELOG.md"
components = ["core"]
'''

[[commit]]
id = "init"
message = "Start (#1)"
date = "2024-01-01T09:00:00Z"
[commit.files]
"src/a.rs" = "a\n"

[[commit]]
id = "two"
message = "Add b (#2)"
date = "2024-01-05T09:00:00Z"
[commit.files]
"src/b.rs" = "b\n"

[[commit]]
id = "three"
message = "Fix b (#3)"
date = "2024-01-06T09:00:00Z"
[commit.files]
"src/b.rs" = "b fixed\n"
"CHANGELOG.md" = '''
# Changelog

# 1.1.1 (January 6th, 2024)
- Add b (#2)
- Fix b (#3)

# 1.1.0 (January 5th, 2024)

Yanked. Please use 1.1.1 instead.

- Add b (#2)

# 1.0.0 (January 1st, 2024)
- Start (#1)
'''

[[tag]]
name = "v1.0.0"
target = "init"

[[tag]]
name = "v1.1.0"
target = "two"

[[tag]]
name = "v1.1.1"
target = "three"
"##;

#[test]
fn a_yanked_release_is_no_release_and_the_next_one_ships_its_changes() {
    let f = crate::common::scenario("yanked", YANKED);
    let (r, findings) = audit_json(&f, &[], &["--fail-on", "warning"]);
    r.expect(0);
    assert!(findings.is_empty(), "{}", r.stdout);
    let v = r.json();
    let ids: Vec<&str> = v["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v1.0.0", "v1.1.1"]);
    assert_eq!(v["records"][1]["previous"], "v1.0.0");
}

/// v1.0.1 was tagged and released, but the changelog has no section for it.
const UNRECORDED: &str = r##"
description = "A tag the changelog leaves out"
config = '''
[components.core]
paths = ["src/"]

[[records]]
source = "changelog:CHANGELOG.md"
components = ["core"]
'''

[[commit]]
id = "init"
message = "Start (#1)"
date = "2024-01-01T09:00:00Z"
[commit.files]
"src/a.rs" = "a\n"

[[commit]]
id = "two"
message = "Fix a (#2)"
date = "2024-01-03T09:00:00Z"
[commit.files]
"src/a.rs" = "a fixed\n"

[[commit]]
id = "three"
message = "Add c (#3)"
date = "2024-01-06T09:00:00Z"
[commit.files]
"src/c.rs" = "c\n"
"CHANGELOG.md" = '''
# Changelog

## 1.1.0 - 2024-01-06
- Add c (#3)

## 1.0.0 - 2024-01-01
- Start (#1)
'''

[[tag]]
name = "v0.9.0"
target = "init"

[[tag]]
name = "v1.0.0"
target = "init"

[[tag]]
name = "v1.0.1"
target = "two"

[[tag]]
name = "v1.1.0"
target = "three"

[[tag]]
name = "other-2.0.0"
target = "three"
"##;

#[test]
fn a_tag_the_changelog_leaves_out_is_reported_once_and_owns_what_it_shipped() {
    let f = crate::common::scenario("unrecorded", UNRECORDED);
    let (r, findings) = audit_json(&f, &[], &["--fail-on", "never"]);
    r.expect(0);
    // v0.9.0 is older than the changelog's first section; other-2.0.0 is
    // not named like its releases. v1.1.0 is not told it shipped #2 unclaimed.
    assert_eq!(brief(&findings), triples(&[("v1.0.1", "release-not-recorded", "")]), "{}", r.stdout);
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["evidence"]["commit"], f.sha("two"));
    let v = r.json();
    let ids: Vec<&str> = v["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v1.0.0", "v1.0.1", "v1.1.0"]);
    assert_eq!(v["records"][2]["previous"], "v1.0.1");
    assert_eq!(v["summary"]["skipped"]["unclaimed_in_partial_sources"], 0);
}
