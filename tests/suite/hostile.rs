//! Hostile input: shipcheck never crashes, never lies, never writes where it
//! must not. Repository faults, record faults, untrusted text in every
//! format, the read-only guarantee, `record --append` under I/O faults, and
//! property tests of the record parsers.
//!
//! Faults already covered elsewhere (not repeated here): not a repository
//! and shallow clones for `audit` (cli.rs) and `gate` (gate.rs), duplicate
//! record ids, unknown components, records naming neither a commit nor a
//! release and ambiguous `commit` prefixes (records_input.rs), and a log
//! whose last line was cut short for `record --append` (respond.rs);
//! partial clones, missing objects, refs named like SHAs, replacement refs,
//! damaged objects in other object stores, devices and oversized inputs,
//! and tag patterns on long names (fail_closed.rs).

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};
use proptest::prelude::*;
use serde_json::json;
use tempfile::TempDir;

use crate::common::{
    audit_json, brief, fixture, installed, isolated_command, output_of, run, run_in, scenario, triples, Fixture, Run,
};

// ---------------------------------------------------------------------------
// Repositories built object by object with git2, for what a scenario cannot
// express: raw message bytes, odd file names, gitlinks, unborn HEAD.

const FILE: i32 = 0o100644;
const DIR: i32 = 0o040000;
const GITLINK: i32 = 0o160000;

struct Raw {
    dir: TempDir,
    git: Repository,
}

impl Raw {
    /// An empty repository, opened as the fixture builder opens its own:
    /// bare, with only its own configuration file, so that nothing of the
    /// user's git configuration applies.
    fn new() -> Raw {
        let dir = tempfile::tempdir().unwrap();
        let git_dir = dir.path().join("repo/.git");
        drop(
            Repository::init_opts(
                &git_dir,
                git2::RepositoryInitOptions::new().bare(true).mkpath(true).external_template(false),
            )
            .unwrap(),
        );
        let mut config = git2::Config::open(&git_dir.join("config")).unwrap();
        config.set_bool("core.bare", false).unwrap();
        drop(config);
        let git = Repository::open_bare(&git_dir).unwrap();
        git.set_config(&git2::Config::open(&git_dir.join("config")).unwrap()).unwrap();
        std::fs::write(git.path().join("HEAD"), "ref: refs/heads/main\n").unwrap();
        Raw { dir, git }
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn blob(&self, content: &[u8]) -> Oid {
        self.git.blob(content).unwrap()
    }
    /// A tree from (name bytes, mode, object) entries.
    fn tree(&self, entries: &[(&[u8], i32, Oid)]) -> Oid {
        let mut b = self.git.treebuilder(None).unwrap();
        for (name, mode, oid) in entries {
            b.insert(std::ffi::OsStr::from_bytes(name), *oid, *mode).unwrap();
        }
        b.write().unwrap()
    }
    /// A commit written as raw bytes, so its message can be anything.
    fn commit(&self, tree: Oid, parents: &[Oid], time: i64, message: &[u8]) -> Oid {
        let mut buf = format!("tree {tree}\n").into_bytes();
        for p in parents {
            buf.extend(format!("parent {p}\n").bytes());
        }
        let who = format!("Dev <dev@example.com> {time} +0000");
        buf.extend(format!("author {who}\ncommitter {who}\n\n").bytes());
        buf.extend_from_slice(message);
        self.git.odb().unwrap().write(ObjectType::Commit, &buf).unwrap()
    }
    fn set_ref(&self, name: &str, oid: Oid) {
        let p = self.git.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("{oid}\n")).unwrap();
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    /// Runs shipcheck on this repository, from the folder beside it.
    fn run(&self, args: &[&str]) -> Run {
        let repo = self.path();
        let mut all = vec!["--repo", repo.to_str().unwrap()];
        all.extend_from_slice(args);
        run_in(self.dir.path(), &all)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every byte a terminal could act on: C0 controls other than newline, DEL,
/// C1 controls and the bidirectional overrides.
fn assert_inert(what: &str, out: &str) {
    for (i, line) in out.lines().enumerate() {
        if let Some(c) = line.chars().find(|c| shipcheck::text::is_unsafe_char(*c) && *c != '\t') {
            panic!("{what}: line {i} carries {c:?} unescaped: {line:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Repository faults.

#[test]
fn read_commands_refuse_a_folder_that_is_not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log.jsonl"), "{\"id\": \"a\", \"commit\": \"HEAD\"}\n").unwrap();
    std::fs::write(dir.path().join("p.json"), "{\"id\": \"b\", \"commit\": \"HEAD\"}\n").unwrap();
    let runs: [&[&str]; 5] = [
        &["audit", "--records", "log.jsonl"],
        &["gate", "--record", "p.json", "--records", "log.jsonl"],
        &["show", "a", "--records", "log.jsonl"],
        &["trace", "X-1", "--records", "log.jsonl"],
        &["record", "--env", "e", "--commit", "HEAD"],
    ];
    for args in runs {
        let r = run_in(dir.path(), args);
        r.expect(2);
        assert!(r.stderr.contains("is not in a git repository"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn read_commands_refuse_a_shallow_clone() {
    if !installed("read_commands_refuse_a_shallow_clone", "git") {
        return;
    }
    let f = fixture("incident");
    let dir = tempfile::tempdir().unwrap();
    let clone = f.shallow_clone(dir.path());
    let log = f.records("deploys/production.jsonl");
    let pending = f.write("p.json", &json!({"id": "p", "commit": "HEAD"}).to_string());
    let runs: [&[&str]; 4] = [
        &["show", "prod-42", "--records", s(&log)],
        &["trace", "AUTH-77", "--records", s(&log)],
        &["record", "--env", "production", "--commit", "HEAD"],
        &["gate", "--record", s(&pending), "--records", s(&log)],
    ];
    for args in runs {
        let r = run_in(&clone, args);
        r.expect(2);
        assert!(r.stderr.contains("shallow clone"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn a_missing_commit_object_is_an_unknown_ref_and_the_gate_refuses_it() {
    let f = fixture("incident");
    let ghost = "0123456789abcdef0123456789abcdef01234567";
    let log = f.write_records(
        "log.jsonl",
        &[
            json!({"id": "a", "commit": f.sha("web-12"), "deployed_at": "2023-03-14T09:00:00Z"}),
            json!({"id": "b", "commit": ghost, "deployed_at": "2023-03-20T09:00:00Z"}),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(brief(&findings), triples(&[("b", "unknown-ref", "")]));
    let msg = findings[0]["message"].as_str().unwrap();
    assert!(msg.contains(ghost) && msg.contains("does not exist"), "{msg}");
    let good = f.write_records("good.jsonl", &[json!({"id": "a", "commit": f.sha("web-12")})]);
    let pending = f.write("p.json", &json!({"id": "p", "commit": ghost}).to_string());
    let r = run(&f, &["gate", "--record", s(&pending), "--records", s(&good)]);
    r.expect(2);
    assert!(r.stderr.contains(ghost) && r.stderr.contains("does not exist"), "{}", r.stderr);
    // show reports (exit 0) that the record cannot be shown, and why.
    let r = run(&f, &["show", "b", "--records", s(&log)]);
    r.expect(0);
    assert!(
        r.stdout.contains("does not resolve") && r.stdout.contains(&format!("commit {ghost} does not exist")),
        "{}",
        r.stdout
    );
}

/// The loose object file of `oid`.
fn loose_object(git_dir: &Path, oid: &str) -> PathBuf {
    git_dir.join("objects").join(&oid[..2]).join(&oid[2..])
}

#[test]
fn a_corrupt_parent_commit_object_is_refused_naming_the_object() {
    let log_for = |f: &Fixture| {
        f.write_records(
            "log.jsonl",
            &[
                json!({"id": "a", "commit": f.sha("init"), "deployed_at": "2023-03-01T09:00:00Z"}),
                json!({"id": "b", "commit": f.sha("bill-31"), "deployed_at": "2023-03-23T09:00:00Z", "changes": ["WEB-12", "AUTH-77", "BILL-31"]}),
            ],
        )
    };
    // Truncated (a crash while writing) and overwritten (a bad disk).
    for damage in ["truncate", "overwrite"] {
        let f = fixture("incident");
        let parent = f.sha("web-12");
        let obj = loose_object(&f.repo().join(".git"), &parent);
        let bytes = std::fs::read(&obj).expect("scenario objects are loose");
        let mut perms = std::fs::metadata(&obj).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&obj, perms).unwrap();
        match damage {
            "truncate" => std::fs::write(&obj, &bytes[..bytes.len() / 2]).unwrap(),
            _ => std::fs::write(&obj, vec![0x5a; bytes.len()]).unwrap(),
        }
        let log = log_for(&f);
        for args in [
            vec!["audit", "--records", s(&log)],
            vec!["show", "b", "--records", s(&log)],
            vec!["trace", "AUTH-77", "--records", s(&log)],
        ] {
            let r = run(&f, &args);
            r.expect(2);
            assert!(
                r.stderr.contains(&parent[..7]) && (r.stderr.contains("corrupt") || r.stderr.contains("cannot read")),
                "{damage} {args:?}: {}",
                r.stderr
            );
        }
    }
}

#[test]
fn a_tag_on_a_tree_or_a_blob_names_no_deploy() {
    let f = scenario(
        "tags",
        r#"
description = "tags on a tree and a blob"
[[commit]]
id = "one"
message = "APP-1: start"
date = "2023-01-02T10:00:00Z"
files = { "app/a.txt" = "a\n" }
[[tag]]
name = "on-tree"
target = "one"
target_kind = "tree"
message = "a tree"
[[tag]]
name = "on-blob"
target = "one"
target_kind = "blob:app/a.txt"
"#,
    );
    for (tag, kind) in [("on-tree", "tree"), ("on-blob", "blob")] {
        let log = f.write_records("log.jsonl", &[json!({"id": "a", "release": tag})]);
        let (r, findings) = audit_json(&f, &[&log], &[]);
        r.expect(1);
        assert_eq!(brief(&findings), triples(&[("a", "unknown-ref", "")]));
        let msg = findings[0]["message"].as_str().unwrap();
        assert!(msg.contains(&format!("points to a {kind}, not a commit")), "{msg}");
        let pending = f.write("p.json", &json!({"id": "p", "release": tag}).to_string());
        let r = run(&f, &["gate", "--record", s(&pending), "--records", s(&log)]);
        r.expect(2);
        assert!(r.stderr.contains(&format!("points to a {kind}")), "{}", r.stderr);
        let r = run(&f, &["record", "--env", "e", "--commit", f.sha("one").as_str(), "--release", tag]);
        r.expect(2);
        assert!(r.stderr.contains(&format!("points to a {kind}")), "{}", r.stderr);
    }
}

#[test]
fn an_unborn_head_is_refused_and_a_detached_head_works() {
    let raw = Raw::new();
    let log = raw.write("log.jsonl", "{\"id\": \"a\", \"commit\": \"HEAD\"}\n");
    let ok = raw.run(&["audit", "--records", s(&log)]);
    ok.expect(1);
    assert!(ok.stdout.contains("HEAD is unborn"), "{}", ok.stdout);
    let r = raw.run(&["record", "--env", "e", "--commit", "HEAD"]);
    r.expect(2);
    assert!(r.stderr.contains("--commit HEAD") && r.stderr.contains("HEAD is unborn"), "{}", r.stderr);
    let pending = raw.write("p.json", "{\"id\": \"p\", \"commit\": \"HEAD\"}");
    let r = raw.run(&["gate", "--record", s(&pending)]);
    r.expect(2);
    assert!(r.stderr.contains("p.json:1") && r.stderr.contains("HEAD is unborn"), "{}", r.stderr);

    // Detached: HEAD holds a SHA.
    let a = raw.blob(b"1\n");
    let c1 = raw.commit(raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, a)]))]), &[], 1_672_650_000, b"APP-1: one\n");
    let b = raw.blob(b"2\n");
    let c2 =
        raw.commit(raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, b)]))]), &[c1], 1_672_660_000, b"APP-2: two\n");
    std::fs::write(raw.git.path().join("HEAD"), format!("{c2}\n")).unwrap();
    let log = raw.write("log.jsonl", &format!("{{\"id\": \"a\", \"commit\": \"{c1}\"}}\n{{\"id\": \"b\", \"commit\": \"HEAD\", \"changes\": [\"APP-2\"], \"components\": [\"app\"]}}\n"));
    raw.run(&["audit", "--records", s(&log)]).expect(0);
    let r = raw.run(&["record", "--env", "e", "--commit", "HEAD"]);
    r.expect(0);
    assert!(r.stdout.contains(&c2.to_string()), "{}", r.stdout);
}

#[test]
fn a_repository_without_tags_audits_commits_and_names_missing_releases() {
    let raw = Raw::new();
    let c1 = raw.commit(
        raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, raw.blob(b"1"))]))]),
        &[],
        1_672_650_000,
        b"APP-1: one\n",
    );
    raw.set_ref("refs/heads/main", c1);
    let log = raw.write("log.jsonl", &format!("{{\"id\": \"a\", \"commit\": \"{c1}\"}}\n"));
    raw.run(&["audit", "--records", s(&log)]).expect(0);
    let log = raw.write("rel.jsonl", "{\"id\": \"a\", \"release\": \"v1.0.0\"}\n");
    let r = raw.run(&["--format", "json", "audit", "--records", s(&log)]);
    r.expect(1);
    let msg = r.json()["findings"][0]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("v1.0.0 has no tag"), "{msg}");
    let r = raw.run(&["record", "--env", "e", "--commit", "HEAD", "--release", "v1.0.0"]);
    r.expect(2);
    assert!(r.stderr.contains("has no tag"), "{}", r.stderr);
}

#[test]
fn non_utf8_and_multi_megabyte_commit_messages_are_read_and_escaped() {
    let raw = Raw::new();
    let t1 = raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, raw.blob(b"1"))]))]);
    let t2 = raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, raw.blob(b"2"))]))]);
    let t3 = raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, raw.blob(b"3"))]))]);
    let c1 = raw.commit(t1, &[], 1_672_650_000, b"APP-1: one\n");
    let c2 = raw.commit(t2, &[c1], 1_672_660_000, b"APP-2: caf\xe9 \xff\xfe \x1b[31mred\n\nbody \xc3\x28\n");
    let mut huge = b"APP-3: a huge message\n\n".to_vec();
    while huge.len() < 6 << 20 {
        huge.extend_from_slice(b"lorem ipsum \x1b]0;title\x07 dolor sit amet UTF-8 X-11\n");
    }
    huge.extend_from_slice(b"Refs: APP-4\n");
    let c3 = raw.commit(t3, &[c2], 1_672_670_000, &huge);
    raw.set_ref("refs/heads/main", c3);
    let log = raw.write(
        "log.jsonl",
        &format!(
            "{{\"id\": \"a\", \"commit\": \"{c1}\"}}\n{{\"id\": \"b\", \"commit\": \"{c2}\", \"changes\": [\"APP-2\"], \"components\": [\"app\"]}}\n{{\"id\": \"c\", \"commit\": \"{c3}\", \"changes\": [\"APP-3\"], \"components\": [\"app\"]}}\n"
        ),
    );
    let (r, findings) = audit_json_raw(&raw, &log);
    r.expect(1);
    // APP-4 ships unclaimed: the trailer at the end of 6 MB was read.
    assert_eq!(brief(&findings), triples(&[("c", "shipped-not-claimed", "APP-4")]));
    for args in [
        vec!["show", "b", "--records", s(&log)],
        vec!["show", "c", "--records", s(&log)],
        vec!["trace", "APP-2", "--records", s(&log)],
        vec!["trace", "APP-4", "--records", s(&log)],
    ] {
        let r = raw.run(&args);
        r.expect(0);
        assert_inert(&format!("{args:?}"), &r.stdout);
        assert!(r.stdout.len() < 1 << 20, "{args:?} does not print the whole message");
    }
    let r = raw.run(&["show", "b", "--records", s(&log)]);
    assert!(r.stdout.contains("caf\u{fffd}"), "invalid UTF-8 is shown as U+FFFD: {}", r.stdout);
}

fn audit_json_raw(raw: &Raw, log: &Path) -> (Run, Vec<serde_json::Value>) {
    let r = raw.run(&["--format", "json", "audit", "--records", s(log)]);
    let findings = r.findings();
    (r, findings)
}

#[test]
fn odd_file_names_count_for_their_component_and_are_escaped() {
    let raw = Raw::new();
    let names: [&[u8]; 4] =
        [b"with space.txt", b"new\nline.txt", b"bad\xff\xfebytes.txt", b"\x1b[2Jclear::error::x.txt"];
    let files = |v: &[u8]| -> Vec<(&[u8], i32, Oid)> { names.iter().map(|n| (*n, FILE, raw.blob(v))).collect() };
    let app = |v: &[u8]| raw.tree(&files(v));
    let other = raw.tree(&[(b"x", FILE, raw.blob(b"x"))]);
    let c1 = raw.commit(
        raw.tree(&[(b"my app", DIR, app(b"1")), (b"other", DIR, other)]),
        &[],
        1_672_650_000,
        b"APP-1: one\n",
    );
    let c2 = raw.commit(
        raw.tree(&[(b"my app", DIR, app(b"2")), (b"other", DIR, other)]),
        &[c1],
        1_672_660_000,
        b"APP-2: two\n",
    );
    raw.set_ref("refs/heads/main", c2);
    let cfg =
        raw.write("cfg.toml", "[components.app]\npaths = [\"my app/\"]\n[components.other]\npaths = [\"other/\"]\n");
    let log = raw.write(
        "log.jsonl",
        &format!("{{\"id\": \"a\", \"commit\": \"{c1}\"}}\n{{\"id\": \"b\", \"commit\": \"{c2}\", \"changes\": [\"APP-2\"]}}\n"),
    );
    let r = raw.run(&["--config", s(&cfg), "--format", "json", "audit", "--records", s(&log)]);
    r.expect(0);
    let log = raw.write(
        "log2.jsonl",
        &format!("{{\"id\": \"a\", \"commit\": \"{c1}\"}}\n{{\"id\": \"b\", \"commit\": \"{c2}\", \"changes\": [\"APP-2\"], \"components\": []}}\n"),
    );
    let r = raw.run(&["--config", s(&cfg), "--format", "json", "audit", "--records", s(&log)]);
    r.expect(1);
    assert_eq!(brief(r.json()["findings"].as_array().unwrap()), triples(&[("b", "component-not-claimed", "app")]));
    for fmt in ["text", "json", "markdown"] {
        let r = raw.run(&["--config", s(&cfg), "--format", fmt, "show", "b", "--records", s(&log)]);
        r.expect(0);
        assert_inert(&format!("show {fmt}"), &r.stdout);
        if fmt == "text" {
            assert!(r.stdout.contains("new\\nline.txt"), "{}", r.stdout);
            assert!(r.stdout.contains("bad\u{fffd}\u{fffd}bytes.txt"), "{}", r.stdout);
            assert!(r.stdout.contains("\\u{1b}[2Jclear"), "{}", r.stdout);
        }
    }
    // Default components: one per top-level folder, and "my app" is one.
    // (An empty configuration file: /dev/null is a device, which shipcheck
    // refuses to read.)
    let empty = raw.write("empty.toml", "");
    let r = raw.run(&["--config", s(&empty), "--format", "json", "show", "b", "--records", s(&log)]);
    r.expect(0);
    assert!(r.stdout.contains("my app"), "{}", r.stdout);
}

#[test]
fn a_submodule_in_a_component_is_a_changed_path() {
    let raw = Raw::new();
    // The gitlinks name commits of another repository, absent here, as in
    // every clone made without --recurse-submodules.
    let sub1 = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
    let sub2 = Oid::from_str("2222222222222222222222222222222222222222").unwrap();
    let readme = raw.blob(b"lib\n");
    let lib = |sub: Oid| raw.tree(&[(b"README", FILE, readme), (b"vendor", GITLINK, sub)]);
    let web = raw.tree(&[(b"index.html", FILE, raw.blob(b"<p>"))]);
    let c1 = raw.commit(raw.tree(&[(b"lib", DIR, lib(sub1)), (b"web", DIR, web)]), &[], 1_672_650_000, b"LIB-1: one\n");
    let c2 = raw.commit(
        raw.tree(&[(b"lib", DIR, lib(sub2)), (b"web", DIR, web)]),
        &[c1],
        1_672_660_000,
        b"LIB-2: bump vendor\n",
    );
    let c3 = raw.commit(
        raw.tree(&[(b"lib", DIR, raw.tree(&[(b"README", FILE, readme)])), (b"web", DIR, web)]),
        &[c2],
        1_672_670_000,
        b"LIB-3: drop vendor\n",
    );
    raw.set_ref("refs/heads/main", c3);
    let glob_cfg =
        raw.write("glob.toml", "[components.lib]\npaths = [\"lib/**\"]\n[components.web]\npaths = [\"web/\"]\n");
    let vendor_cfg =
        raw.write("vendor.toml", "[components.lib]\npaths = [\"lib/vendor\"]\n[components.web]\npaths = [\"web/\"]\n");
    let prefix_cfg =
        raw.write("prefix.toml", "[components.lib]\npaths = [\"lib/\"]\n[components.web]\npaths = [\"web/\"]\n");
    let log = raw.write(
        "log.jsonl",
        &format!(
            "{{\"id\": \"a\", \"commit\": \"{c1}\"}}\n{{\"id\": \"b\", \"commit\": \"{c2}\", \"changes\": [\"LIB-2\"], \"components\": []}}\n{{\"id\": \"c\", \"commit\": \"{c3}\", \"changes\": [\"LIB-3\"], \"components\": []}}\n"
        ),
    );
    for cfg in [&prefix_cfg, &glob_cfg, &vendor_cfg] {
        let r = raw.run(&["--config", s(cfg), "--format", "json", "audit", "--records", s(&log)]);
        r.expect(1);
        assert_eq!(
            brief(r.json()["findings"].as_array().unwrap()),
            triples(&[("b", "component-not-claimed", "lib"), ("c", "component-not-claimed", "lib")]),
            "{}",
            cfg.display()
        );
        let r = raw.run(&["--config", s(cfg), "show", "b", "--records", s(&log)]);
        r.expect(0);
        assert!(r.stdout.contains("lib"), "{}", r.stdout);
    }
}

// ---------------------------------------------------------------------------
// Record faults.

#[test]
fn a_wrong_date_in_a_log_is_one_finding_and_never_reorders_it() {
    let f = fixture("incident");
    // The log's own order is the deploy order. One record's date is a
    // typo (March 1st for March 28th): it is reported on that record, and
    // every other answer is the one the correct log gives.
    let a = json!({"id": "a", "commit": f.sha("web-12"), "deployed_at": "2023-03-14T09:00:00Z", "changes": ["WEB-12"], "components": ["web"]});
    let b = json!({"id": "b", "commit": f.sha("bill-31"), "deployed_at": "2023-03-28T09:00:00Z", "changes": ["BILL-31"], "components": ["billing"]});
    let mut typo = b.clone();
    typo["deployed_at"] = json!("2023-03-01T09:00:00Z");
    let right = f.write_records("right.jsonl", &[a.clone(), b]);
    let wrong = f.write_records("wrong.jsonl", &[a, typo]);
    let (r1, f1) = audit_json(&f, &[&right], &[]);
    let (r2, f2) = audit_json(&f, &[&wrong], &[]);
    r1.expect(1);
    r2.expect(1);
    let unclaimed = [("b", "shipped-not-claimed", "AUTH-77"), ("b", "component-not-claimed", "auth")];
    assert_eq!(brief(&f1), triples(&unclaimed));
    let mut with_date = unclaimed.to_vec();
    with_date.push(("b", "date-mismatch", ""));
    assert_eq!(brief(&f2), triples(&with_date), "{}", r2.stdout);
    let date = f2.iter().find(|x| x["kind"] == "date-mismatch").unwrap();
    assert_eq!(date["severity"], "error");
    assert_eq!(
        date["message"],
        format!(
            "the record says it was deployed at 2023-03-01 09:00 UTC, before its commit {} was made (2023-03-22 14:30 UTC).",
            &f.sha("bill-31")[..7]
        )
    );
    let v = r2.json();
    let order: Vec<&str> = v["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order, ["a", "b"], "the history is in file order");
}

#[test]
fn an_environment_with_no_records_is_refused() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let runs: [&[&str]; 3] = [
        &["audit", "--records", s(&log), "--env", "nope"],
        &["show", "prod-42", "--records", s(&log), "--env", "nope"],
        &["trace", "AUTH-77", "--records", s(&log), "--env", "nope"],
    ];
    for args in runs {
        let r = run(&f, args);
        r.expect(2);
        assert!(r.stderr.contains("no records for environment \"nope\""), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("the records are for \"production\""), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn an_empty_change_list_claims_that_nothing_changed() {
    let f = fixture("incident");
    let log = f.write_records(
        "log.jsonl",
        &[
            json!({"id": "a", "commit": f.sha("web-12"), "deployed_at": "2023-03-14T09:00:00Z"}),
            json!({"id": "b", "commit": f.sha("bill-31"), "deployed_at": "2023-03-28T09:00:00Z", "changes": [], "components": ["auth", "billing"]}),
            json!({"id": "c", "commit": f.sha("bill-31"), "deployed_at": "2023-03-29T09:00:00Z", "changes": [], "components": []}),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(
        brief(&findings),
        triples(&[("b", "shipped-not-claimed", "AUTH-77"), ("b", "shipped-not-claimed", "BILL-31")]),
        "an empty list is a claim (b); a re-deploy of the same commit with empty lists is clean (c)"
    );
}

#[test]
fn a_change_claim_that_is_an_ambiguous_sha_prefix_says_so() {
    let f = fixture("incident");
    // Hash blobs in memory until two share seven hex digits (a claim must
    // have seven to be taken for a SHA), then write only those two.
    let mut seen = std::collections::HashMap::new();
    let mut pair = None;
    for i in 0u32..2_000_000 {
        let content = format!("filler {i}");
        let id = Oid::hash_object(ObjectType::Blob, content.as_bytes()).unwrap().to_string();
        if let Some(other) = seen.insert(id[..7].to_string(), content.clone()) {
            pair = Some((id[..7].to_string(), other, content));
            break;
        }
    }
    let (prefix, a, b) = pair.expect("a shared prefix among two million hashes");
    let repo = Repository::open(f.repo()).unwrap();
    repo.blob(a.as_bytes()).unwrap();
    repo.blob(b.as_bytes()).unwrap();
    let log = f.write_records(
        "log.jsonl",
        &[
            json!({"id": "a", "commit": f.sha("web-12")}),
            json!({"id": "b", "commit": f.sha("bill-31"), "changes": [prefix, "AUTH-77", "BILL-31"], "components": ["auth", "billing"]}),
        ],
    );
    let r = run(&f, &["--format", "json", "audit", "--records", s(&log)]);
    r.expect(2);
    assert!(r.stdout.is_empty(), "no document for a refused log: {}", r.stdout);
    assert!(r.stderr.contains(&prefix) && r.stderr.contains("ambiguous"), "{}", r.stderr);
    assert!(r.stderr.contains("log.jsonl:2"), "names the record: {}", r.stderr);
}

// ---------------------------------------------------------------------------
// Untrusted text in every command and format.

#[test]
fn hostile_text_is_inert_in_every_command_and_format() {
    let raw = Raw::new();
    let evil_msg: &[u8] = b"APP-2: \x1b[31mred\x1b[0m ::error::pwned %0A::warning::x\r::notice::cr \xc2\x9b31m \xe2\x80\xae ##[error]v1\n\n::add-mask::secret\n::error file=a::b\n";
    let evil_name: &[u8] = b"\x1b[2J::error::file\r%0A.txt";
    let t1 = raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, raw.blob(b"1"))]))]);
    let t2 = raw.tree(&[(b"app", DIR, raw.tree(&[(b"a", FILE, raw.blob(b"2")), (evil_name, FILE, raw.blob(b"e"))]))]);
    let c1 = raw.commit(t1, &[], 1_672_650_000, b"APP-1: one\n");
    let c2 = raw.commit(t2, &[c1], 1_672_660_000, evil_msg);
    raw.set_ref("refs/heads/main", c2);
    let cfg = raw.write("cfg.toml", "[components.app]\npaths = [\"app/\"]\n[changes]\nrequire = true\n");
    let evil_id = "evil\n::error::injected %0A \u{1b}[2J\u{9b}31m\r::warning::x";
    let log = raw.write(
        "log.jsonl",
        &[
            json!({"id": "a", "commit": c1.to_string(), "deployed_at": "2023-01-02T12:00:00Z", "environment": "prod\u{1b}[1m"}),
            json!({"id": evil_id, "commit": c2.to_string(), "deployed_at": "2023-01-03T12:00:00Z", "environment": "prod\u{1b}[1m",
                   "changes": ["NOPE-9", "::error::x", "\u{1b}]8;;http://x\u{7}"], "components": ["app"]}),
        ]
        .iter()
        .map(|v| format!("{v}\n"))
        .collect::<String>(),
    );
    let pending = raw.write(
        "p.json",
        &json!({"id": "p\u{1b}[31m\n::error::x", "environment": "prod\u{1b}[1m", "commit": c2.to_string(), "changes": ["\r::error::y"], "components": ["app", "\u{1b}x"]}).to_string(),
    );
    let pending_ok = raw.write(
        "p2.json",
        &json!({"id": "p\u{1b}[31m\n::error::x", "environment": "prod\u{1b}[1m", "commit": c2.to_string(), "changes": ["\r::error::y"], "components": ["app"]}).to_string(),
    );
    let short = c2.to_string()[..12].to_string();
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("audit", vec!["audit", "--records", s(&log)]),
        ("gate", vec!["gate", "--record", s(&pending_ok), "--records", s(&log), "--base", "HEAD~1"]),
        ("gate-bad-component", vec!["gate", "--record", s(&pending), "--records", s(&log)]),
        ("show", vec!["show", evil_id, "--records", s(&log)]),
        ("show-rev", vec!["show", "HEAD", "--records", s(&log)]),
        ("trace", vec!["trace", "APP-2", "--records", s(&log)]),
        ("trace-evil", vec!["trace", "::error::x", "--records", s(&log)]),
        ("trace-sha", vec!["trace", &short, "--records", s(&log)]),
    ];
    let commands: Vec<(&str, Vec<String>)> =
        commands.into_iter().map(|(n, a)| (n, a.into_iter().map(str::to_string).collect())).collect();
    // What each pair must give: audit and gate find errors (exit 1) in
    // every format; the pending record naming an unknown component is
    // refused (exit 2); show and trace answer (exit 0) in text, json and
    // markdown and refuse the CI formats.
    let expected = |name: &str, fmt: &str| -> (i32, Option<String>) {
        match (name, fmt) {
            ("audit" | "gate", _) => (1, None),
            ("gate-bad-component", _) => {
                (2, Some("lists component \"\\u{1b}x\", which the configuration does not define".into()))
            }
            (_, "text" | "json" | "markdown") => (0, None),
            (command, _) => {
                let command = command.split('-').next().unwrap();
                (2, Some(format!("--format {fmt} is not available for `{command}`; use text, json or markdown")))
            }
        }
    };
    for (name, args) in &commands {
        for fmt in ["text", "json", "markdown", "github", "html"] {
            let mut all: Vec<&str> = vec!["--config", s(&cfg), "--format", fmt];
            all.extend(args.iter().map(String::as_str));
            let r = raw.run(&all);
            let what = format!("{name} --format {fmt} (exit {})", r.code);
            let (code, refusal) = expected(name, fmt);
            assert_eq!(r.code, code, "{what}: expected exit {code}\n{}\n{}", r.stdout, r.stderr);
            assert_inert(&what, &r.stdout);
            assert_inert(&format!("{what} stderr"), &r.stderr);
            for line in r.stdout.lines().chain(r.stderr.lines()) {
                if fmt == "github"
                    && (line.starts_with("::error file=")
                        || line.starts_with("::warning file=")
                        || line.starts_with("::notice "))
                {
                    // Our own annotations: their properties and message are
                    // percent-encoded, so no second command can start inside.
                    let (_, message) = line[2..].split_once("::").unwrap();
                    assert!(!message.contains('\r') && !message.contains('\n'), "{what}: {line}");
                    continue;
                }
                assert!(!line.trim_start().starts_with("::"), "{what}: a workflow command could form: {line:?}");
                assert!(!line.contains("##["), "{what}: an old-style workflow command could form: {line:?}");
            }
            match refusal {
                None => assert!(!r.stdout.is_empty(), "{what}"),
                Some(needle) => {
                    assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
                    assert!(r.stderr.starts_with("error: ") && r.stderr.contains(&needle), "{what}: {}", r.stderr);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Read-only guarantee.

/// Path → content of every file under `root` (symlinks as their target).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let t = e.file_type().unwrap();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if t.is_dir() {
                out.insert(rel, b"<dir>".to_vec());
                stack.push(p);
            } else if t.is_symlink() {
                out.insert(rel, std::fs::read_link(&p).unwrap().as_os_str().as_bytes().to_vec());
            } else {
                let meta = e.metadata().unwrap();
                let mut v = std::fs::read(&p).unwrap();
                v.extend(format!("<mode {:o}>", std::os::unix::fs::PermissionsExt::mode(&meta.permissions())).bytes());
                out.insert(rel, v);
            }
        }
    }
    out
}

fn read_commands<'a>(log: &'a str, pending: &'a str, prefix: &'a str) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    for fmt in ["text", "json", "markdown", "github", "html"] {
        out.push(vec!["--format", fmt, "audit", "--records", log]);
        out.push(vec!["--format", fmt, "gate", "--record", pending, "--records", log]);
    }
    for fmt in ["text", "json", "markdown"] {
        out.push(vec!["--format", fmt, "show", "prod-42", "--records", log]);
        out.push(vec!["--format", fmt, "show", "HEAD", "--records", log]);
        out.push(vec!["--format", fmt, "trace", "AUTH-77", "--records", log]);
        out.push(vec!["--format", fmt, "trace", prefix, "--records", log]);
    }
    out.push(vec!["record", "--env", "production", "--commit", "v2023.03.28", "--release", "v2023.03.28"]);
    out.push(vec!["show", "--at", "2023-03-28T10:00:00Z", "--records", log]);
    out.push(vec!["check-config"]);
    out
}

#[test]
fn read_commands_leave_the_git_folder_and_work_tree_byte_identical() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let pending = f.write(
        "p.json",
        &json!({"id": "p", "environment": "production", "commit": f.sha("bill-31"), "changes": ["BILL-31"]})
            .to_string(),
    );
    let prefix = f.sha("auth-77")[..10].to_string();
    let before = snapshot(f.repo());
    assert!(before.keys().any(|k| k.starts_with(".git/objects")), "the snapshot includes .git");
    for args in read_commands(s(&log), s(&pending), &prefix) {
        let r = run(&f, &args);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
    }
    let after = snapshot(f.repo());
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(changed.is_empty(), "files written or changed: {changed:?}");
}

#[test]
fn read_commands_run_no_hooks_filters_or_configured_programs() {
    let f = fixture("incident");
    let root = f.built.root.clone();
    let marker = root.join("MARKER");
    let script = root.join("mark.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\ncat\n", marker.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let git = f.repo().join(".git");
    let hooks = git.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let other_hooks = root.join("other-hooks");
    std::fs::create_dir_all(&other_hooks).unwrap();
    for dir in [&hooks, &other_hooks] {
        for hook in [
            "pre-commit",
            "post-commit",
            "post-checkout",
            "post-merge",
            "pre-push",
            "reference-transaction",
            "post-index-change",
            "fsmonitor-watchman",
            "pre-auto-gc",
            "post-rewrite",
            "commit-msg",
        ] {
            std::os::unix::fs::symlink(&script, dir.join(hook)).unwrap();
        }
    }
    let mut config = std::fs::read_to_string(git.join("config")).unwrap();
    let sc = script.display();
    config.push_str(&format!(
        "[core]\n\tfsmonitor = {sc}\n\thooksPath = {}\n\tpager = {sc}\n\teditor = {sc}\n\tsshCommand = {sc}\n\
         [filter \"mark\"]\n\tclean = {sc}\n\tsmudge = {sc}\n\tprocess = {sc}\n\trequired = true\n\
         [diff \"mark\"]\n\ttextconv = {sc}\n\tcommand = {sc}\n[gc]\n\tauto = 1\n[credential]\n\thelper = {sc}\n\
         [include]\n\tpath = {}\n",
        other_hooks.display(),
        root.join("no-such-include").display()
    ));
    std::fs::write(git.join("config"), config).unwrap();
    std::fs::write(f.repo().join(".gitattributes"), "* filter=mark diff=mark\n").unwrap();
    std::fs::write(git.join("info").join("attributes"), "* filter=mark diff=mark\n").ok();
    let log = f.records("deploys/production.jsonl");
    let pending = f.write(
        "p.json",
        &json!({"id": "p", "environment": "production", "commit": f.sha("bill-31"), "changes": ["BILL-31"]})
            .to_string(),
    );
    let prefix = f.sha("auth-77")[..10].to_string();
    let mut runs = read_commands(s(&log), s(&pending), &prefix);
    let appended = f.write("append.jsonl", "");
    runs.push(vec!["record", "--env", "production", "--commit", "HEAD", "--append", s(&appended)]);
    for args in runs {
        let r = run(&f, &args);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
        assert!(
            !marker.exists(),
            "{args:?} ran a program the repository names: {}",
            std::fs::read_to_string(&marker).unwrap()
        );
    }
    // The script works: had anything run it, the marker would exist.
    isolated_command(&script).stdin(std::process::Stdio::null()).status().unwrap();
    assert!(marker.exists());
}

// ---------------------------------------------------------------------------
// `record --append` under I/O faults.

fn append(f: &Fixture, log: &Path) -> Run {
    run(f, &["record", "--env", "production", "--commit", "HEAD", "--at", "2023-03-29T09:00:00Z", "--append", s(log)])
}

/// `args` of shipcheck run under a file size limit of `blocks` KiB
/// (`RLIMIT_FSIZE`, set by bash's `ulimit -f`, with SIGXFSZ ignored so that
/// a write past the limit fails with EFBIG instead of killing the process):
/// no privilege needed, unlike a full file system.
fn run_with_file_size_limit(f: &Fixture, blocks: u64, args: &[&str]) -> Run {
    let mut all = vec!["--repo", s(f.repo())];
    all.extend_from_slice(args);
    let out = isolated_command("bash")
        .args(["-c", "trap '' XFSZ; ulimit -f \"$1\" || exit 99; shift; exec \"$@\"", "bash"])
        .arg(blocks.to_string())
        .arg(env!("CARGO_BIN_EXE_shipcheck"))
        .args(&all)
        .current_dir(f.dir.path())
        .output()
        .expect("bash runs");
    output_of(all.iter().map(|a| a.to_string()).collect(), out)
}

#[test]
fn append_cut_short_by_a_write_error_fails_and_leaves_the_log_as_it_was() {
    let f = fixture("incident");
    let log = f.built.root.join("limited.jsonl");
    // End the log 10 bytes short of a KiB boundary (with a line of spaces,
    // which readers skip) and limit files to that boundary: the new line is
    // written in part, then the write fails with EFBIG.
    let mut good = std::fs::read(f.records("deploys/production.jsonl")).unwrap();
    let blocks = (good.len() as u64 + 1 + 10) / 1024 + 1;
    let pad = blocks as usize * 1024 - 10 - good.len() - 1;
    good.extend(std::iter::repeat_n(b' ', pad));
    good.push(b'\n');
    assert_eq!(good.len() as u64, blocks * 1024 - 10);
    std::fs::write(&log, &good).unwrap();
    let args =
        ["record", "--env", "production", "--commit", "HEAD", "--at", "2023-03-29T09:00:00Z", "--append", s(&log)];
    let r = run_with_file_size_limit(&f, blocks, &args);
    r.expect(2);
    assert!(r.stderr.contains("cannot append to") && r.stderr.contains("limited.jsonl"), "{}", r.stderr);
    assert!(r.stderr.contains("File too large"), "the write failed with EFBIG: {}", r.stderr);
    assert!(r.stderr.contains("the file was left as it was"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "no line is printed for a failed append: {}", r.stdout);
    let now = std::fs::read(&log).unwrap();
    assert!(now == good, "the log is not as it was, byte for byte:\n{}", String::from_utf8_lossy(&now));
    // With room again, the same append succeeds and adds exactly one line.
    let r = run_with_file_size_limit(&f, blocks + 1, &args);
    r.expect(0);
    let after = std::fs::read(&log).unwrap();
    assert_eq!(&after[..good.len()], &good[..], "the existing bytes are kept");
    assert_eq!(std::str::from_utf8(&after[good.len()..]).unwrap(), r.stdout, "one line, the one printed");
    assert_eq!(r.stdout.matches('\n').count(), 1, "{}", r.stdout);
    shipcheck::records::parse_records("log", std::str::from_utf8(&after).unwrap())
        .expect("the log stays valid JSON Lines");
}

#[test]
fn append_to_a_read_only_log_is_refused_and_leaves_it_as_it_was() {
    const TEST: &str = "append_to_a_read_only_log_is_refused_and_leaves_it_as_it_was";
    let f = fixture("incident");
    let good = std::fs::read(f.records("deploys/production.jsonl")).unwrap();
    let dir = f.built.root.join("ro");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("ro.jsonl");
    std::fs::write(&log, &good).unwrap();
    let mut perms = std::fs::metadata(&log).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&log, perms).unwrap();
    let mut _guard = None;
    let (r, why) = if !is_root() {
        (append(&f, &log), "Permission denied")
    } else if bind_read_only(&dir) {
        // root writes through file modes: the folder is a read-only bind
        // mount of itself.
        _guard = Some(Unmount(dir.clone()));
        (append(&f, &log), "Read-only file system")
    } else if installed(TEST, "setpriv") {
        // No mounting here: root without CAP_DAC_OVERRIDE obeys file modes.
        let mut all = vec!["--bounding-set=-dac_override,-dac_read_search", "--", env!("CARGO_BIN_EXE_shipcheck")];
        let args = ["--repo", s(f.repo()), "record", "--env", "production", "--commit", "HEAD"];
        all.extend(args);
        all.extend(["--at", "2023-03-29T09:00:00Z", "--append", s(&log)]);
        let out = isolated_command("setpriv").args(&all).current_dir(f.dir.path()).output().unwrap();
        (output_of(all.iter().map(|a| a.to_string()).collect(), out), "Permission denied")
    } else {
        return;
    };
    r.expect(2);
    assert!(r.stderr.contains("ro.jsonl") && r.stderr.contains("cannot open"), "{}", r.stderr);
    assert!(r.stderr.contains(why), "{why}: {}", r.stderr);
    assert_eq!(std::fs::read(&log).unwrap(), good, "the log is as it was");
}

/// Makes `dir` a read-only bind mount of itself; false where mounting is
/// not permitted.
fn bind_read_only(dir: &Path) -> bool {
    let mount = |args: &[&str]| {
        isolated_command("mount")
            .args(args)
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !mount(&["--bind", s(dir)]) {
        return false;
    }
    if !mount(&["-o", "remount,bind,ro"]) {
        drop(Unmount(dir.to_path_buf()));
        return false;
    }
    true
}

struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = isolated_command("umount").arg(&self.0).status();
    }
}

fn is_root() -> bool {
    isolated_command("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

#[test]
fn append_refuses_a_log_whose_last_line_was_cut_naming_the_line() {
    let f = fixture("incident");
    let good = std::fs::read_to_string(f.records("deploys/production.jsonl")).unwrap();
    let cut = format!("{good}{}", &good.lines().next().unwrap()[..20]);
    let log = f.write("cut.jsonl", &cut);
    let r = append(&f, &log);
    r.expect(2);
    let line = good.lines().count() + 1;
    assert!(r.stderr.contains(&format!("cut.jsonl:{line}:")) && r.stderr.contains("cut short"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), cut, "not extended");
}

// ---------------------------------------------------------------------------
// Property tests: any bytes as a record file.

/// Bytes that are mostly record-shaped JSON, sometimes broken.
fn record_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"\n".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\"id\"".to_vec()),
        Just(b"\"commit\"".to_vec()),
        Just(b"\"release\"".to_vec()),
        Just(b"\"deployed_at\"".to_vec()),
        Just(b"\"components\"".to_vec()),
        Just(b"\"changes\"".to_vec()),
        Just(b"\"kind\"".to_vec()),
        Just(b"\"name\"".to_vec()),
        Just(b"\"version\"".to_vec()),
        Just(b"\"rollback\"".to_vec()),
        Just(b"\"2023-03-28T09:00:00Z\"".to_vec()),
        Just(b"\"99999-12-31\"".to_vec()),
        Just(b"\"HEAD\"".to_vec()),
        Just(b"\"\"".to_vec()),
        Just(b"\"\\u0000\\ud800\"".to_vec()),
        Just(b"null".to_vec()),
        Just(b"-1e999".to_vec()),
        Just("\u{feff}".as_bytes().to_vec()),
        Just(b"\xff\xc3".to_vec()),
        prop::collection::vec(any::<u8>(), 0..4),
        "[a-zA-Z0-9 :._-]{0,6}".prop_map(|s| format!("\"{s}\"").into_bytes()),
    ];
    prop::collection::vec(token, 0..40).prop_map(|v| v.concat())
}

fn check_load(dir: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = dir.join("r.jsonl");
    std::fs::write(&path, bytes).unwrap();
    let source = shipcheck::config::SourceConfig::default();
    match shipcheck::records::load_path(&path, "r.jsonl", &source) {
        Ok(records) => {
            prop_assert!(records.iter().all(|r| r.commit.is_some() || r.release.is_some()));
            prop_assert!(records.iter().all(|r| !r.id.is_empty() && r.origin.file == "r.jsonl"));
            let _ = shipcheck::records::histories(records, None);
        }
        Err(e) => {
            let msg = format!("{e:#}");
            prop_assert!(msg.starts_with("r.jsonl"), "error does not name the file: {}", msg);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_a_record_file_give_records_or_an_error_naming_it(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        check_load(dir.path(), &bytes)?;
    }

    #[test]
    fn record_shaped_bytes_give_records_or_an_error_naming_it(bytes in record_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        check_load(dir.path(), &bytes)?;
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Err(e) = shipcheck::records::parse_single("p.json", text) {
                let msg = format!("{e:#}");
                prop_assert!(msg.starts_with("p.json"), "{}", msg);
            }
        }
    }
}

#[test]
fn the_binary_gives_exit_2_naming_the_file_for_random_record_files() {
    let f = fixture("incident");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let head = f.sha("bill-31");
    runner
        .run(&record_bytes(), |bytes| {
            let path = f.built.root.join("random.jsonl");
            std::fs::write(&path, &bytes).unwrap();
            let r = run(&f, &["audit", "--records", s(&path)]);
            prop_assert!(r.code == 0 || r.code == 1 || r.code == 2, "exit {}: {}", r.code, r.stderr);
            prop_assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            if r.code == 2 {
                prop_assert!(r.stderr.contains("random.jsonl"), "{}", r.stderr);
            }
            let _ = &head;
            Ok(())
        })
        .unwrap();
}
