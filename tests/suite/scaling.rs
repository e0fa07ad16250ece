//! Input sizes: hostile content costs time linear (or n log n) in its size.
//! Each test times one input and one four times its size and asserts the
//! ratio stays well under the 16 a quadratic cost gives (a generous bound,
//! with a second of slack, never milliseconds); each also finishes in
//! seconds on two cores where the quadratic code took minutes. The issue's
//! full sizes are in `scripts/bench-hostile.sh`, which prints figures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use git2::{Oid, Repository, Signature, Time};
use serde_json::json;
use shipcheck::config::ChangePatterns;
use shipcheck::records::{changelog, parse_records};
use tempfile::TempDir;

use crate::common::{run_in, Run};

/// Seconds of the faster of two runs.
fn seconds(f: &dyn Fn()) -> f64 {
    (0..2)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

/// Times `f(n)` and `f(4 n)`; a linear cost gives about 4, a quadratic 16.
fn assert_linear(what: &str, n: usize, f: impl Fn(usize)) {
    let small = seconds(&|| f(n));
    let big = seconds(&|| f(4 * n));
    println!("{what}: {n} in {small:.3}s, {} in {big:.3}s (ratio {:.1})", 4 * n, big / small.max(1e-9));
    assert!(big < 8.0 * small + 1.0, "{what} grows faster than its input: {n} in {small:.3}s, {} in {big:.3}s", 4 * n);
}

#[test]
fn change_ids_in_a_message_cost_linear_time() {
    let patterns = ChangePatterns::defaults();
    let message = |n: usize| (1..=n).map(|i| format!("AB-{i} ")).collect::<String>();
    let (m1, m4) = (message(5_000), message(20_000));
    assert_linear("distinct IDs in one message", 5_000, |n| {
        let text = if n == 5_000 { &m1 } else { &m4 };
        assert_eq!(patterns.extract(text).len(), n);
    });
}

#[test]
fn a_changelog_of_urls_or_sections_costs_linear_time() {
    let patterns = ChangePatterns::defaults();
    let urls = |n: usize| {
        let list: String = (1..=n).map(|i| format!("https://github.com/o/r/pull/{i}\n")).collect();
        format!("# Changelog\n\n## 1.0.0 - 2023-01-03\n\n{list}")
    };
    let (u1, u4) = (urls(2_000), urls(8_000));
    assert_linear("a changelog entry of URLs", 2_000, |n| {
        let s = changelog::parse(if n == 2_000 { &u1 } else { &u4 }, &patterns).unwrap();
        assert_eq!(s[0].claims.len(), n);
    });
    // One URL-like token without spaces: each bare URL starts at its beginning.
    let token = |n: usize| format!("## 1.0.0\n\n- x{}\n", "/pull/1".repeat(n));
    let (t1, t4) = (token(2_000), token(8_000));
    assert_linear("one token of URLs", 2_000, |n| {
        let s = changelog::parse(if n == 2_000 { &t1 } else { &t4 }, &patterns).unwrap();
        assert_eq!(s[0].claims, ["#1"]);
    });
    let sections = |n: usize| (1..=n).rev().map(|i| format!("## 1.0.{i}\n\n- fix (#{i})\n\n")).collect::<String>();
    let (s1, s4) = (sections(1_000), sections(4_000));
    assert_linear("changelog sections", 1_000, |n| {
        assert_eq!(changelog::parse(if n == 1_000 { &s1 } else { &s4 }, &patterns).unwrap().len(), n);
    });
}

#[test]
fn a_json_array_of_records_costs_linear_time() {
    let array = |n: usize| {
        let items: Vec<String> = (0..n).map(|i| format!("  {{\"id\": \"r{i}\", \"commit\": \"abc1234\"}}")).collect();
        format!("[\n{}\n]\n", items.join(",\n"))
    };
    let (a1, a4) = (array(5_000), array(20_000));
    assert_linear("records in a JSON array", 5_000, |n| {
        let parsed = parse_records("a.json", if n == 5_000 { &a1 } else { &a4 }).unwrap();
        assert_eq!((parsed.len(), parsed[n - 1].1), (n, n + 1), "each record's line");
    });
}

/// A repository with c1 ("APP-1") then c2 whose message is `message`.
struct Repo {
    dir: TempDir,
    c1: Oid,
    c2: Oid,
}

impl Repo {
    fn new(message: &str, files: &[(&str, &str)]) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path().join("repo")).unwrap();
        let sig = |t: i64| Signature::new("Dev", "dev@example.com", &Time::new(t, 0)).unwrap();
        let tree = |content: &str, extra: &[(&str, &str)]| {
            let mut app = git.treebuilder(None).unwrap();
            app.insert("a", git.blob(content.as_bytes()).unwrap(), 0o100644).unwrap();
            let mut root = git.treebuilder(None).unwrap();
            root.insert("app", app.write().unwrap(), 0o040000).unwrap();
            for (name, text) in extra {
                root.insert(name, git.blob(text.as_bytes()).unwrap(), 0o100644).unwrap();
            }
            git.find_tree(root.write().unwrap()).unwrap()
        };
        let t1 = tree("1", &[]);
        let c1 = git.commit(None, &sig(1_672_650_000), &sig(1_672_650_000), "APP-1: one", &t1, &[]).unwrap();
        let parent = git.find_commit(c1).unwrap();
        let t2 = tree("2", files);
        let c2 = git
            .commit(Some("refs/heads/main"), &sig(1_672_660_000), &sig(1_672_660_000), message, &t2, &[&parent])
            .unwrap();
        git.set_head("refs/heads/main").unwrap();
        Repo { dir, c1, c2 }
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn write(&self, name: &str, lines: &[serde_json::Value]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        p
    }
    fn run(&self, args: &[&str]) -> Run {
        let repo = self.path();
        let mut all = vec!["--repo", repo.to_str().unwrap()];
        all.extend_from_slice(args);
        let r = run_in(self.dir.path(), &all);
        assert!(r.code == 0 || r.code == 1, "{args:?}: exit {}\n{}", r.code, r.stderr);
        r
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn an_audit_is_linear_in_the_claims_of_a_record_and_the_ids_of_a_message() {
    let message = |n: usize| format!("APP-2: many\n\n{}", (1..=n).map(|i| format!("AB-{i} ")).collect::<String>());
    let setups: Vec<(usize, Repo)> = [2_000, 8_000].iter().map(|&n| (n, Repo::new(&message(n), &[]))).collect();
    for (n, repo) in &setups {
        let claims: Vec<String> = (1..=*n).map(|i| format!("CL-{i}")).collect();
        repo.write(
            "log.jsonl",
            &[
                json!({"id": "a", "commit": repo.c1.to_string(), "deployed_at": "2023-01-02T12:00:00Z"}),
                json!({"id": "b", "commit": repo.c2.to_string(), "deployed_at": "2023-01-03T12:00:00Z", "changes": claims}),
            ],
        );
    }
    assert_linear("claims and message IDs in an audit", 2_000, |n| {
        let repo = &setups.iter().find(|(m, _)| *m == n).unwrap().1;
        let log = repo.dir.path().join("log.jsonl");
        let r = repo.run(&["--format", "json", "audit", "--records", s(&log)]);
        // No commit names any claim (unverified), every message ID ships unclaimed.
        let summary = &r.json()["summary"];
        let (errors, warnings) =
            (summary["errors"].as_u64().unwrap() as usize, summary["warnings"].as_u64().unwrap() as usize);
        assert!(errors > n && warnings >= n, "{errors} errors and {warnings} warnings for {n} claims and {n} IDs");
    });
}

#[test]
fn the_text_report_and_a_history_of_rollbacks_are_linear_in_records() {
    let repo = Repo::new("APP-2: two", &[]);
    let log = |n: usize| {
        let lines: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let c = if i % 2 == 0 { repo.c1 } else { repo.c2 };
                json!({"id": format!("r{i}"), "commit": c.to_string(), "changes": [format!("APP-{i}")]})
            })
            .collect();
        repo.write(&format!("log{n}.jsonl"), &lines)
    };
    let (l1, l4) = (log(1_000), log(4_000));
    for format in ["text", "json", "markdown", "github"] {
        assert_linear(&format!("{format} report of records that roll back and forth"), 1_000, |n| {
            let path = if n == 1_000 { &l1 } else { &l4 };
            let r = repo.run(&["--format", format, "audit", "--records", s(path)]);
            assert!(r.stdout.len() > n, "{format}");
        });
    }
}

#[test]
fn a_changelog_release_history_is_linear_in_its_sections() {
    let sections = |n: usize| (1..=n).rev().map(|i| format!("## 1.0.{i}\n\n- fix (#{i})\n\n")).collect::<String>();
    let setups: Vec<(usize, Repo)> = [300, 1_200]
        .iter()
        .map(|&n| {
            let repo = Repo::new("APP-2: two", &[("CHANGELOG.md", &sections(n))]);
            let git = Repository::open(repo.path()).unwrap();
            let target = git.find_object(repo.c2, None).unwrap();
            for i in 1..=n {
                git.tag_lightweight(&format!("v1.0.{i}"), &target, false).unwrap();
            }
            (n, repo)
        })
        .collect();
    assert_linear("changelog sections in an audit", 300, |n| {
        let repo = &setups.iter().find(|(m, _)| *m == n).unwrap().1;
        let r = repo.run(&["--format", "json", "audit", "--records", "changelog:CHANGELOG.md"]);
        assert_eq!(r.json()["summary"]["records"], json!(n));
    });
}
