//! Issue 14, items 1, 2, 6 and 7, each on a repository built here: a change
//! whose commits straddle the first (or live) deploy is judged from all of
//! them, whichever command asks and however far back the records start; the
//! gate fails closed; a revert of the commits a merge brought in reverts the
//! merge's pull request; a revert counts only when its target is in the
//! history, and carries its own ID.

use serde_json::{json, Value};

use crate::common::{audit_json, fixture, run, scenario, Fixture};

/// `n` commits `f1`..`fn`, one an hour from `start` (hours since
/// 2023-01-01), each rewriting `filler.txt`.
fn fillers(prefix: &str, n: usize, start: usize) -> String {
    (1..=n)
        .map(|i| {
            format!(
                "[[commit]]\nid = \"{prefix}{i}\"\nmessage = \"Tidy {prefix} {i}\"\ndate = \"{}\"\nfiles = {{ \"app/filler.txt\" = \"{prefix}{i}\\n\" }}\n\n",
                at(start + i)
            )
        })
        .collect()
}

/// RFC 3339 for `h` hours after 2023-01-01 00:00 UTC.
fn at(h: usize) -> String {
    format!("2023-01-{:02}T{:02}:00:00Z", 1 + h / 24, h % 24)
}

fn commit(id: &str, message: &str, h: usize, file: &str) -> String {
    format!("[[commit]]\nid = \"{id}\"\nmessage = '''{message}'''\ndate = \"{}\"\nfiles = {{ \"{file}\" = \"{id}\\n\" }}\n\n", at(h))
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// A record of commit `label`, deployed a day after 2023-01-01 + `h` hours.
fn rec(f: &Fixture, id: &str, label: &str, h: usize, changes: &[&str]) -> Value {
    json!({"id": id, "environment": "prod", "commit": f.sha(label), "deployed_at": at(h + 1), "changes": changes})
}

fn findings_of(f: &Fixture, records: &[Value]) -> Vec<Value> {
    let log = f.write_records("log.jsonl", records);
    let (r, findings) = audit_json(f, &[&log], &["--fail-on", "never"]);
    r.expect(0);
    findings
}

fn gate(f: &Fixture, history: &[Value], pending: &Value, extra: &[&str]) -> crate::common::Run {
    let hist = f.write_records("history.jsonl", history);
    let pend = f.write("pending.json", &pending.to_string());
    let mut args = vec!["--format", "json", "gate", "--record", s(&pend), "--records", s(&hist)];
    args.extend_from_slice(extra);
    run(f, &args)
}

/// Findings without their location (a gate's pending record is read from
/// another file than the audit's log).
fn located_nowhere(findings: &[Value]) -> Vec<Value> {
    findings
        .iter()
        .map(|x| {
            let mut x = x.clone();
            x.as_object_mut().unwrap().remove("location");
            x
        })
        .collect()
}

fn trace(f: &Fixture, records: &[Value], change: &str) -> Value {
    let log = f.write_records("trace.jsonl", records);
    let r = run(f, &["--format", "json", "trace", change, "--records", s(&log)]);
    r.expect(0);
    r.json()
}

/// AUTH-1 in two commits, `c1` then `c2`, on top of `below` commits; with
/// `deep`, `gap` more commits lie between the two parts.
fn split_change(below: usize, gap: usize) -> Fixture {
    let mut text = String::from("description = \"AUTH-1 in two parts\"\n\n");
    text += &commit("init", "Start", 0, "app/main.txt");
    text += &fillers("f", below, 0);
    text += &commit("c1", "AUTH-1: part 1", below + 1, "auth/token.txt");
    text += &fillers("g", gap, below + 1);
    text += &commit("c2", "AUTH-1: part 2", below + gap + 2, "auth/cache.txt");
    scenario("split", &text)
}

#[test]
fn item1_a_change_split_across_the_first_deploy_is_judged_from_all_its_commits() {
    // Deep enough below that the walk stops before reaching `init`.
    let f = split_change(12, 0);
    let (h1, h2) = (13, 14);
    let p1 = rec(&f, "p1", "c1", h1, &["AUTH-1"]);
    let p2 = rec(&f, "p2", "c2", h2, &[]);
    // p1 contains AUTH-1 (its commit carries it), p2 adds its second part: nothing is wrong.
    assert_eq!(findings_of(&f, &[p1.clone(), p2.clone()]), Vec::<Value>::new());
    // The same with an older record in front.
    let p0 = rec(&f, "p0", "init", 0, &[]);
    assert_eq!(findings_of(&f, &[p0, p1.clone(), p2.clone()]), Vec::<Value>::new());
    // Claiming the second part again is no mistake either.
    let p2_claims = rec(&f, "p2", "c2", h2, &["AUTH-1"]);
    assert_eq!(findings_of(&f, &[p1.clone(), p2_claims]), Vec::<Value>::new());
    // The gate of p2 says what the audit says.
    let r = gate(&f, std::slice::from_ref(&p1), &p2, &[]);
    r.expect(0);
    assert_eq!(r.json()["findings"], json!([]));
    // trace: claimed in p1, which contained it.
    let t = trace(&f, &[p1, p2], "AUTH-1");
    assert_eq!(t["claimed_in"], json!(["p1"]));
    assert_eq!(t["first_shipped_in"], "p1");
    assert_eq!(t["records"][0]["contained"], true);
    assert_eq!(t["commits"].as_array().unwrap().len(), 2);
}

#[test]
fn item1_a_first_part_far_below_the_first_deploy_still_counts() {
    // AUTH-1's first part lies 12 commits below p1: past where the partial
    // walk stops, so the answer is read from the whole history.
    let f = split_change(2, 12);
    let p1 = rec(&f, "p1", "g12", 16, &["AUTH-1"]);
    let p2 = rec(&f, "p2", "c2", 17, &[]);
    assert_eq!(findings_of(&f, &[p1.clone(), p2.clone()]), Vec::<Value>::new());
    let r = gate(&f, std::slice::from_ref(&p1), &p2, &[]);
    r.expect(0);
    assert_eq!(r.json()["findings"], json!([]));
    let t = trace(&f, &[p1.clone(), p2.clone()], "AUTH-1");
    assert_eq!((t["first_shipped_in"].clone(), t["records"][0]["contained"].clone()), (json!("p1"), json!(true)));
    // Had p1 not claimed it, p2 still ships nothing new: AUTH-1 was live.
    let p1_silent = rec(&f, "p1", "g12", 16, &[]);
    assert_eq!(findings_of(&f, &[p1_silent, p2]), Vec::<Value>::new());
}

#[test]
fn item2_the_gate_fails_closed() {
    let f = fixture("incident");
    let text = std::fs::read_to_string(f.records("deploys/production.jsonl")).unwrap();
    let log: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let history = &log[..2];
    let bare = json!({"id": "prod-42", "environment": "production", "release": "v2023.03.28",
                      "deployed_at": "2023-03-28T09:00:00Z"});
    // A record that makes no claims cannot pass.
    let r = gate(&f, history, &bare, &[]);
    r.expect(2);
    assert!(r.stderr.contains("makes no claims") && r.stderr.contains("--allow-baseline"), "{}", r.stderr);
    // Allowed, it is still checked for the incident's signature: prod-41
    // claimed AUTH-77 without containing it, and this deploy ships it.
    let expected = json!({
        "kind": "shipped-not-claimed", "severity": "error", "record": "prod-42", "change": "AUTH-77",
        "claimed_in": ["prod-41"], "commits": [f.sha("auth-77")], "previous": "prod-41",
    });
    let brief = |findings: &Value| -> Vec<Value> {
        findings
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                json!({"kind": x["kind"], "severity": x["severity"], "record": x["record"], "change": x["change"],
                       "claimed_in": x["evidence"]["claimed_in"], "commits": x["evidence"]["commits"],
                       "previous": x["evidence"]["previous"]})
            })
            .collect()
    };
    let r = gate(&f, history, &bare, &["--allow-baseline"]);
    r.expect(1);
    assert_eq!(brief(&r.json()["findings"]), vec![expected.clone()]);
    // A record with components but no `changes` makes claims: no flag needed, same error.
    let mut billing = bare.clone();
    billing["components"] = json!(["billing", "auth"]);
    let r = gate(&f, history, &billing, &[]);
    r.expect(1);
    assert_eq!(brief(&r.json()["findings"]), vec![expected.clone()]);
    // The audit agrees about the same record.
    let audited: Vec<Value> = findings_of(&f, &[log[0].clone(), log[1].clone(), billing])
        .into_iter()
        .filter(|x| x["record"] == "prod-42")
        .collect();
    assert_eq!(brief(&Value::Array(audited)), vec![expected]);
    // No history at all is refused, unless this is the environment's first deploy.
    let pend = f.write("alone.json", &log[2].to_string());
    let r = run(&f, &["gate", "--record", s(&pend)]);
    r.expect(2);
    assert!(r.stderr.contains("nothing to compare the pending deploy with"), "{}", r.stderr);
    let empty =
        f.write_records("empty-env.jsonl", &[json!({"id": "s1", "environment": "staging", "commit": f.sha("init")})]);
    let r = run(&f, &["gate", "--record", s(&pend), "--records", s(&empty)]);
    r.expect(2);
    assert!(r.stderr.contains("hold no record of environment \"production\""), "{}", r.stderr);
    let r = run(&f, &["--format", "json", "gate", "--record", s(&pend), "--allow-baseline"]);
    r.expect(0);
    assert!(r.json()["notes"][0].as_str().unwrap().contains("checked as a baseline"));
}

/// A pull request merged with a merge commit: `Merge pull request #12`
/// brings in `a` (and `b` when `two`); `revert-a` (and `revert-b`) revert
/// the branch commits, not the merge.
fn merged_pull_request(two: bool) -> Fixture {
    let mut text = String::from("description = \"#12 merged with a merge commit, then its commits reverted\"\n\n");
    text += &commit("init", "Start", 0, "app/main.txt");
    text += "[[commit]]\nid = \"a\"\nbranch = \"cache\"\nfrom = \"init\"\nmessage = \"Add a cache\"\ndate = \"2023-01-01T02:00:00Z\"\nfiles = { \"app/cache.txt\" = \"1\\n\" }\n\n";
    if two {
        text += "[[commit]]\nid = \"b\"\nbranch = \"cache\"\nmessage = \"Use the cache\"\ndate = \"2023-01-01T03:00:00Z\"\nfiles = { \"app/use.txt\" = \"1\\n\" }\n\n";
    }
    text += "[[commit]]\nid = \"merge\"\nmerge = [\"cache\"]\nmessage = \"Merge pull request #12 from dev/cache\"\ndate = \"2023-01-01T04:00:00Z\"\n\n";
    text += "[[tag]]\nname = \"v1\"\ntarget = \"merge\"\n\n";
    text += "[[commit]]\nid = \"revert-a\"\nmessage = '''Revert \"Add a cache\"\n\nThis reverts commit {sha:a}.'''\ndate = \"2023-01-01T05:00:00Z\"\ndelete = [\"app/cache.txt\"]\n\n";
    text += "[[tag]]\nname = \"v2\"\ntarget = \"revert-a\"\n\n";
    if two {
        text += "[[commit]]\nid = \"revert-b\"\nmessage = '''Revert \"Use the cache\"\n\nThis reverts commit {short:b}'''\ndate = \"2023-01-01T06:00:00Z\"\ndelete = [\"app/use.txt\"]\n\n";
        text += "[[tag]]\nname = \"v3\"\ntarget = \"revert-b\"\n\n";
    }
    scenario("merged-pr", &text)
}

#[test]
fn item6_reverting_what_a_merge_brought_in_reverts_its_pull_request() {
    let f = merged_pull_request(false);
    // trace over the tags: v1 contains #12, v2 (which reverted its only commit) does not.
    let r = run(&f, &["--format", "json", "trace", "#12", "--records", "tags:v*"]);
    r.expect(0);
    let t = r.json();
    let contained: Vec<(Value, Value)> =
        t["records"].as_array().unwrap().iter().map(|x| (x["record"].clone(), x["contained"].clone())).collect();
    assert_eq!(contained, vec![(json!("v1"), json!(true)), (json!("v2"), json!(false))]);
    // A deploy log that still claims #12 after the revert: claimed-not-shipped, naming the revert.
    let log = [rec(&f, "d1", "merge", 4, &["#12"]), rec(&f, "d2", "revert-a", 5, &["#12"])];
    let findings = findings_of(&f, &log);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let x = &findings[0];
    assert_eq!(
        (&x["kind"], &x["record"], &x["change"], &x["severity"]),
        (&json!("claimed-not-shipped"), &json!("d2"), &json!("#12"), &json!("error"))
    );
    assert_eq!(x["evidence"]["reverted_by"], json!(f.sha("revert-a")));
    assert_eq!(x["evidence"]["commits"], json!([f.sha("merge")]));
    let r = gate(&f, &log[..1], &log[1], &[]);
    r.expect(1);
    assert_eq!(located_nowhere(r.json()["findings"].as_array().unwrap()), located_nowhere(&findings));
}

#[test]
fn item6_a_pull_request_stays_shipped_until_every_commit_it_brought_in_is_reverted() {
    let f = merged_pull_request(true);
    let r = run(&f, &["--format", "json", "trace", "#12", "--records", "tags:v*"]);
    r.expect(0);
    let contained: Vec<Value> =
        r.json()["records"].as_array().unwrap().iter().map(|x| x["contained"].clone()).collect();
    assert_eq!(contained, [json!(true), json!(true), json!(false)]);
    let log = [
        rec(&f, "d1", "merge", 4, &["#12"]),
        rec(&f, "d2", "revert-a", 5, &[]),
        rec(&f, "d3", "revert-b", 6, &["#12"]),
    ];
    let findings = findings_of(&f, &log);
    let kinds: Vec<(Value, Value, Value)> =
        findings.iter().map(|x| (x["record"].clone(), x["kind"].clone(), x["change"].clone())).collect();
    assert_eq!(kinds, vec![(json!("d3"), json!("claimed-not-shipped"), json!("#12"))]);
    assert_eq!(findings[0]["evidence"]["reverted_by"], json!(f.sha("revert-b")));
}

/// Reverts written every way git writes them, and one naming no commit.
fn reverts() -> Fixture {
    let mut text = String::from("description = \"reverts as git writes them\"\n\n");
    text += &commit("init", "Start", 0, "app/main.txt");
    text += &commit(
        "pay",
        "PAY-9: disable fraud checks for the load test\n\nThis reverts commit 0000000.",
        1,
        "pay/checks.txt",
    );
    text += &commit("auth5", "AUTH-5: cache tokens (#3)", 2, "auth/cache.txt");
    text += &commit(
        "rev5",
        "Revert \"AUTH-5: cache tokens (#3)\" (#4)\n\nThis reverts commit {short:auth5}",
        3,
        "auth/cache2.txt",
    );
    text += &commit("web1", "WEB-1: badges", 4, "web/badges.txt");
    text += &commit("web2", "WEB-2: banner", 5, "web/banner.txt");
    text += &commit(
        "both",
        "Back out the web changes (#6)\n\nThis reverts commits:\n- {sha:web1}\n- {short:web2}\n",
        6,
        "web/none.txt",
    );
    scenario("reverts", &text)
}

#[test]
fn item7_a_revert_counts_only_when_its_target_is_in_the_history_and_carries_its_own_id() {
    let f = reverts();
    let log = [
        rec(&f, "r0", "init", 0, &[]),
        rec(&f, "r1", "pay", 1, &[]),
        rec(&f, "r2", "rev5", 3, &["#4"]),
        rec(&f, "r3", "both", 6, &["WEB-1", "#6"]),
    ];
    let findings = findings_of(&f, &log);
    let brief: Vec<(Value, Value, Value, Value)> = findings
        .iter()
        .map(|x| (x["record"].clone(), x["kind"].clone(), x["change"].clone(), x["severity"].clone()))
        .collect();
    assert_eq!(
        brief,
        vec![
            // "This reverts commit 0000000." names no commit: the commit carries PAY-9, unclaimed.
            (json!("r1"), json!("shipped-not-claimed"), json!("PAY-9"), json!("error")),
            // #4 is the revert's own number; AUTH-5 and #3 came and went within r2's range.
            // WEB-1 is claimed, but the list revert undid it (and WEB-2).
            (json!("r3"), json!("claimed-not-shipped"), json!("WEB-1"), json!("error")),
        ]
    );
    assert_eq!(findings[0]["evidence"]["commits"], json!([f.sha("pay")]));
    assert_eq!(findings[1]["evidence"]["reverted_by"], json!(f.sha("both")));
    // The revert's own number is shipped and traced to it.
    let t = trace(&f, &log, "#4");
    assert_eq!(t["first_shipped_in"], "r2");
    assert_eq!(t["commits"][0]["sha"], json!(f.sha("rev5")));
    let t = trace(&f, &log, "AUTH-5");
    assert_eq!(t["first_shipped_in"], Value::Null);
    // The gate of each record says what the audit says of it.
    for k in 1..log.len() {
        let r = gate(&f, &log[..k], &log[k], &["--fail-on", "never"]);
        r.expect(0);
        let audited: Vec<Value> = findings.iter().filter(|x| x["record"] == log[k]["id"]).cloned().collect();
        assert_eq!(
            located_nowhere(r.json()["findings"].as_array().unwrap()),
            located_nowhere(&audited),
            "gate of {}",
            log[k]["id"]
        );
    }
}
