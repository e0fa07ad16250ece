//! Record sources that already live beside the code: changelogs, tags and
//! git notes, read as release histories or deploy logs.

use crate::common::{audit_json, brief, exact, exactly, installed, run, scenario, triples, Fixture};

/// main: 1.0.0 → #10 → #11 (1.1.0) → #13 → docs #17 (1.2.0); the 1.0 line
/// gets #11 back under a new number, "(#11) (#12)", and #13's patch without
/// its number or a cherry-pick trailer (1.0.1). The changelog has an
/// unreleased section, a version with no tag (1.3.0), a header date before
/// its commit (1.0.0), a tag made 12 days after its header date (1.2.0),
/// reference and inline links, a wrapped entry and prose mentions.
const RELEASES: &str = r##"
description = "A changelog over a main line and a maintenance line"
config = '''
[components.core]
paths = ["src/", "CHANGELOG.md"]

[components.docs]
paths = ["docs/"]

[[records]]
source = "changelog:CHANGELOG.md"
components = ["core"]
'''

[[commit]]
id = "init"
message = "Start"
date = "2024-01-01T09:00:00Z"
[commit.files]
"src/app.rs" = "fn main() {}\n"
"docs/index.md" = "# Docs\n"

[[commit]]
id = "login"
message = "Add login (#10)"
date = "2024-01-05T09:00:00Z"
[commit.files]
"src/login.rs" = "pub fn login() {}\n"

[[commit]]
id = "crash"
message = "Fix crash on start (#11)"
date = "2024-01-06T10:00:00Z"
[commit.files]
"src/crash.rs" = "pub fn guard() -> bool { true }\n"

[[commit]]
id = "parser"
message = "Harden parser input (#13)"
date = "2024-01-07T09:00:00Z"
[commit.files]
"src/parser.rs" = "pub fn parse(s: &str) -> Option<&str> { s.get(..) }\n"

[[commit]]
id = "crash-backport"
branch = "release/1.0"
from = "init"
message = "Fix crash on start (#11) (#12)"
date = "2024-01-08T08:00:00Z"
[commit.files]
"src/crash.rs" = "pub fn guard() -> bool { true }\n"

[[commit]]
id = "parser-pick"
branch = "release/1.0"
message = "Harden the parser on the 1.0 line"
date = "2024-01-08T09:00:00Z"
[commit.files]
"src/parser.rs" = "pub fn parse(s: &str) -> Option<&str> { s.get(..) }\n"

[[commit]]
id = "docs"
message = "Document login (#17)"
date = "2024-01-08T09:30:00Z"
[commit.files]
"docs/login.md" = "Log in with your account.\n"
"CHANGELOG.md" = '''
# Changelog

## [Unreleased]
- Something pending (#99)

## [1.3.0] - 2024-02-01
- Never tagged (#18)

## [1.2.0] - 2024-01-08
### Fixed
- Harden the parser ([#13])
### Docs
- Login guide (#17)

## [1.1.0] - 2024-01-06
### Added
- Login ([#10](https://github.com/o/r/pull/10))
### Fixed
- Crash on start, #11 (reverted in #15, see
  [#16])

## [1.0.1] - 2024-01-09
- Backport of the crash fix, #12
- Harden parser (#13)

## 1.0.0 - 2023-12-25

Initial release.

[#13]: https://github.com/o/r/pull/13
[#16]: https://github.com/o/r/pull/16
'''

[[tag]]
name = "v1.0.0"
target = "init"
message = "1.0.0"
date = "2024-01-02T12:00:00Z"

[[tag]]
name = "v1.0.1"
target = "parser-pick"

[[tag]]
name = "v1.1.0"
target = "crash"

[[tag]]
name = "v1.2.0"
target = "docs"
message = "1.2.0"
date = "2024-01-20T12:00:00Z"
"##;

pub(crate) fn releases() -> Fixture {
    scenario("releases", RELEASES)
}

#[test]
fn changelog_release_history_finds_only_the_real_disagreements() {
    let f = releases();
    let (r, findings) = audit_json(&f, &[], &["--fail-on", "never"]);
    r.expect(0);
    // A header more than a week from its tag (v1.2.0) is a wrong date: an error.
    assert_eq!(
        exact(&findings),
        exactly(&[
            ("v1.0.0", "date-mismatch", "error", None, None),
            ("v1.2.0", "claimed-outside-component", "warning", Some("#17"), None),
            ("v1.2.0", "date-mismatch", "error", None, None),
            ("v1.3.0", "unknown-ref", "error", None, None),
        ]),
        "{}",
        r.stdout
    );
    // Each record points at its header line.
    let records = r.json()["records"].as_array().cloned().unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "v1.3.0"], "ordered by version");
    let v110 = records.iter().find(|r| r["id"] == "v1.1.0").unwrap();
    assert_eq!(v110["location"]["file"], "CHANGELOG.md");
    assert_eq!(v110["location"]["line"], 15);
    // The maintenance line compares with its own line, main with main.
    assert_eq!(v110["previous"], "v1.0.0");
    let v120 = records.iter().find(|r| r["id"] == "v1.2.0").unwrap();
    assert_eq!(v120["previous"], "v1.1.0");
}

#[test]
fn backport_under_a_new_number_and_pick_without_trailer_are_contained() {
    let f = releases();
    let out = run(&f, &["--format", "json", "show", "v1.0.1", "--records", "changelog:CHANGELOG.md"]);
    out.expect(0);
    let v = out.json();
    assert_eq!(v["previous"]["id"], "v1.0.0", "{}", out.stdout);
    let claimed = v["changes"]["claimed"].as_array().unwrap();
    let states: Vec<(&str, &str)> =
        claimed.iter().map(|c| (c["change"].as_str().unwrap(), c["state"]["state"].as_str().unwrap())).collect();
    // #12 by the backport's subject; #13 by patch-id (no number, no trailer).
    assert_eq!(states, [("#12", "contained"), ("#13", "contained")]);
    assert_eq!(claimed[1]["state"]["by"], f.sha("parser-pick"));
    // Nothing but the line's own commits was added.
    let added: Vec<&str> =
        v["commits"]["added"].as_array().unwrap().iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert_eq!(added, [f.sha("parser-pick"), f.sha("crash-backport")]);
}

#[test]
fn a_deploy_log_view_of_the_same_tags_would_see_a_rollback_but_a_release_history_does_not() {
    let f = releases();
    let (r, findings) = audit_json(&f, &[], &["--records", "tags:v*", "--fail-on", "never"]);
    r.expect(0);
    assert!(findings.is_empty(), "{}", r.stdout);
    let records = r.json()["records"].as_array().cloned().unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0"], "one record per tag, by version");
    let prev: Vec<&str> = records.iter().map(|r| r["previous"].as_str().unwrap_or("")).collect();
    assert_eq!(prev, ["", "v1.0.0", "v1.0.0", "v1.1.0"]);
    assert_eq!(records[0]["deployed_at"], "2024-01-02T12:00:00Z", "annotated tag date");
    assert_eq!(records[2]["deployed_at"], "2024-01-06T10:00:00Z", "lightweight: commit date");
}

#[test]
fn show_and_trace_work_on_tags() {
    let f = releases();
    let out = run(&f, &["--format", "json", "show", "v1.1.0", "--records", "tags:v*"]);
    out.expect(0);
    let v = out.json();
    let shipped: Vec<&str> =
        v["changes"]["shipped"].as_array().unwrap().iter().map(|s| s["change"].as_str().unwrap()).collect();
    assert_eq!(shipped, ["#10", "#11"], "{}", out.stdout);
    let out = run(&f, &["--format", "json", "trace", "#11", "--records", "tags:v*"]);
    out.expect(0);
    let v = out.json();
    assert_eq!(v["first_shipped_in"], "v1.0.1", "{}", out.stdout);
    let contained: Vec<bool> =
        v["records"].as_array().unwrap().iter().map(|r| r["contained"].as_bool().unwrap()).collect();
    assert_eq!(contained, [false, true, true, true]);
}

#[test]
fn changelog_mentions_are_not_claims_and_unreleased_is_skipped() {
    let f = releases();
    let out = run(&f, &["--format", "json", "show", "v1.1.0", "--records", "changelog:CHANGELOG.md"]);
    out.expect(0);
    let v = out.json();
    let claimed: Vec<&str> =
        v["changes"]["claimed"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert_eq!(claimed, ["#10", "#11"], "#15 and #16 are only mentioned");
    // Neither #99 (unreleased) nor #15 (a mention) is claimed: the audit
    // finds exactly the disagreements of the release history, no more.
    let (r, findings) = audit_json(&f, &[], &["--fail-on", "never"]);
    r.expect(0);
    assert_eq!(
        brief(&findings),
        triples(&[
            ("v1.0.0", "date-mismatch", ""),
            ("v1.2.0", "claimed-outside-component", "#17"),
            ("v1.2.0", "date-mismatch", ""),
            ("v1.3.0", "unknown-ref", ""),
        ]),
        "{}",
        r.stdout
    );
}

#[test]
fn a_changelog_without_versions_is_refused_with_its_line() {
    let f = releases();
    let path = f.write("NOTES.md", "# Notes\n\nNothing released yet.\n");
    let src = format!("changelog:{}", path.display());
    let out = run(&f, &["audit", "--records", &src]);
    out.expect(2);
    assert!(out.stderr.contains("NOTES.md:1: no version section found"), "{}", out.stderr);
    let out = run(&f, &["audit", "--records", "changelog:MISSING.md"]);
    out.expect(2);
    assert!(out.stderr.contains("MISSING.md"), "{}", out.stderr);
}

#[test]
fn a_release_template_list_takes_the_first_tag_that_exists() {
    let f = releases();
    let cfg = f.write(
        "alt.toml",
        "[[records]]\nsource = \"changelog:CHANGELOG.md\"\nrelease = [\"release-{version}\", \"v{version}\"]\n",
    );
    let out = run(&f, &["--config", cfg.to_str().unwrap(), "--format", "json", "audit", "--fail-on", "never"]);
    out.expect(0);
    let ids: Vec<String> =
        out.json()["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    // No release-* tag exists: v* wins; 1.3.0 has neither, so the first template names it.
    assert_eq!(ids, ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "release-1.3.0"]);
}

#[test]
fn notes_round_trip_record_then_audit() {
    let f = releases();
    let out = run(
        &f,
        &["record", "--env", "production", "--commit", "v1.0.0", "--at", "2024-01-03T09:00:00Z", "--notes", "deploys"],
    );
    out.expect(0);
    let first: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let out = run(
        &f,
        &["record", "--env", "production", "--commit", "v1.1.0", "--at", "2024-01-07T09:00:00Z", "--notes", "deploys"],
    );
    out.expect(0);
    let second: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(second["changes"], serde_json::json!(["#10", "#11"]), "{}", out.stdout);
    // A second record on the same commit is appended to its note, not replacing it.
    let out = run(
        &f,
        &["record", "--env", "staging", "--commit", "v1.1.0", "--at", "2024-01-07T10:00:00Z", "--notes", "deploys"],
    );
    out.expect(0);
    let (r, findings) = audit_json(&f, &[], &["--records", "notes:deploys", "--env", "production"]);
    r.expect(0);
    assert!(findings.is_empty(), "{}", r.stdout);
    let records = r.json()["records"].as_array().cloned().unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first["id"].as_str().unwrap(), second["id"].as_str().unwrap()]);
    let (r, _) = audit_json(&f, &[], &["--records", "notes:refs/notes/deploys", "--env", "staging"]);
    r.expect(0);
    assert_eq!(r.json()["records"].as_array().unwrap().len(), 1);
    // The note holds both lines (git itself reads it).
    if !installed("notes_round_trip_record_then_audit", "git") {
        return;
    }
    let note = crate::common::git()
        .args(["notes", "--ref=deploys", "show", &f.sha("crash")])
        .current_dir(f.repo())
        .output()
        .expect("git runs");
    assert!(note.status.success(), "{}", String::from_utf8_lossy(&note.stderr));
    let text = String::from_utf8_lossy(&note.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
}
