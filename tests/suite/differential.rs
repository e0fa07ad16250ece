//! The differential property of issue 14: on random small histories
//! (change IDs on several commits, deep history below the first record,
//! merges of pull requests, reverts written every way git writes them,
//! rollbacks, records that claim nothing), for every record k
//!
//! - the gate of record k against records 1..k-1 reports exactly the
//!   audit's findings for record k (the audit of records 1..k), and
//! - the audit's findings for a record do not change when older records are
//!   added in front, except where they name those older records.
//!
//! The histories are fixture scenarios written to a temporary folder; the
//! library is called directly (no process per command). A fixed seed makes
//! every run the same. 64 cases by default; more with
//! `PROPTEST_CASES=1000 CARGO_BUILD_JOBS=1 cargo test --locked --release --test tests differential`.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use shipcheck::audit::{Finding, Kind};
use shipcheck::pipeline::{audit::Window, gate, Session};
use shipcheck::records::{Origin, SourceSpec};

use crate::common::{scenario, Fixture};

/// The change IDs commits carry: ticket keys and pull-request numbers.
const IDS: &[&str] = &["AUTH-1", "AUTH-2", "WEB-1", "#1", "#2"];
/// Numbers of pull requests merged with a merge commit.
const PULLS: &[&str] = &["#7", "#8"];

/// One step of the main line.
#[derive(Debug, Clone)]
enum Step {
    /// A commit carrying these IDs (indexes into `IDS`).
    Plain(Vec<usize>),
    /// A branch of commits (their IDs), merged with a merge commit that
    /// carries a pull-request number (or none).
    Merge(Vec<Vec<usize>>, Option<usize>),
    /// A revert of earlier commits (indexes, modulo the commits made), its
    /// own ID, and how the marker is written: 0 full SHA and period, 1
    /// abbreviated without period, 2 a "This reverts commits:" list, 3 a
    /// SHA that names no commit.
    Revert(Vec<usize>, Option<usize>, u8),
}

/// A record: where on the main line (per mille of its length) and what it claims.
#[derive(Debug, Clone)]
struct Rec {
    at: usize,
    claims: Option<Vec<usize>>,
}

#[derive(Debug, Clone)]
struct Case {
    steps: Vec<Step>,
    records: Vec<Rec>,
}

fn ids() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..IDS.len(), 0..=2)
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => ids().prop_map(Step::Plain),
        2 => (prop::collection::vec(ids(), 1..=2), prop::option::weighted(0.8, 0..PULLS.len()))
            .prop_map(|(b, pr)| Step::Merge(b, pr)),
        2 => (prop::collection::vec(any::<usize>(), 1..=2), prop::option::of(0..IDS.len()), 0u8..4)
            .prop_map(|(t, own, style)| Step::Revert(t, own, style)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let rec = (any::<usize>(), prop::option::weighted(0.85, prop::collection::vec(0..IDS.len(), 0..=3)))
        .prop_map(|(at, claims)| Rec { at, claims });
    (prop::collection::vec(step(), 3..=18), prop::collection::vec(rec, 2..=5), prop::bool::weighted(0.7)).prop_map(
        |(steps, mut records, monotone)| {
            if monotone {
                // Mostly forward, like a deploy log; otherwise rollbacks and switches.
                let mut at: Vec<usize> = records.iter().map(|r| r.at % 1000).collect();
                at.sort_unstable();
                for (r, a) in records.iter_mut().zip(at) {
                    r.at = a;
                }
            }
            Case { steps, records }
        },
    )
}

/// A commit's subject for the IDs it carries.
fn subject(label: &str, ids: &[usize]) -> String {
    let tickets: Vec<&str> = ids.iter().map(|&i| IDS[i]).filter(|i| !i.starts_with('#')).collect();
    let pulls: Vec<String> =
        ids.iter().map(|&i| IDS[i]).filter(|i| i.starts_with('#')).map(|p| format!(" ({p})")).collect();
    let lead = if tickets.is_empty() { String::new() } else { format!("{}: ", tickets.join(" ")) };
    format!("{lead}work {label}{}", pulls.concat())
}

/// The scenario text, and the labels of the main line's commits in order.
fn scenario_text(case: &Case) -> (String, Vec<String>) {
    let mut text = String::from("description = \"random history\"\n\n");
    let mut hour = 0usize;
    let mut all: Vec<(String, String)> = Vec::new(); // (label, subject)
    let mut main: Vec<String> = Vec::new();
    let mut commit = |text: &mut String, label: &str, message: &str, extra: &str| {
        hour += 1;
        *text += &format!(
            "[[commit]]\nid = \"{label}\"\n{extra}message = {}\ndate = \"2023-01-{:02}T{:02}:00:00Z\"\nfiles = {{ \"app/{label}.txt\" = \"{label}\\n\" }}\n\n",
            toml::Value::String(message.to_string()),
            1 + hour / 24,
            hour % 24
        );
    };
    commit(&mut text, "c0", "Start", "");
    all.push(("c0".into(), "Start".into()));
    main.push("c0".into());
    for (i, s) in case.steps.iter().enumerate() {
        let label = format!("c{}", i + 1);
        match s {
            Step::Plain(ids) => {
                let subj = subject(&label, ids);
                commit(&mut text, &label, &subj, "");
                all.push((label.clone(), subj));
            }
            Step::Merge(branch, pr) => {
                let tip = main.last().unwrap().clone();
                for (j, ids) in branch.iter().enumerate() {
                    let b = format!("{label}b{j}");
                    let from = if j == 0 { format!("from = \"{tip}\"\n") } else { String::new() };
                    let subj = subject(&b, ids);
                    commit(&mut text, &b, &subj, &format!("branch = \"br{label}\"\n{from}"));
                    all.push((b, subj));
                }
                let subj = match pr {
                    Some(p) => format!("Merge pull request {} from dev/br{label}", PULLS[*p]),
                    None => format!("Merge branch 'br{label}'"),
                };
                commit(&mut text, &label, &subj, &format!("merge = [\"br{label}\"]\n"));
                all.push((label.clone(), subj));
            }
            Step::Revert(targets, own, style) => {
                let picked: Vec<(String, String)> = targets.iter().map(|t| all[t % all.len()].clone()).collect();
                let own = own.map(|o| format!(" ({})", IDS[o])).unwrap_or_default();
                let quoted = &picked[0].1;
                let marker = match style {
                    0 => format!("This reverts commit {{sha:{}}}.", picked[0].0),
                    1 => format!("This reverts commit {{short:{}}}", picked[0].0),
                    2 => format!(
                        "This reverts commits:\n{}",
                        picked.iter().map(|(l, _)| format!("- {{short:{l}}}\n")).collect::<String>()
                    ),
                    _ => "This reverts commit 0000000.".to_string(),
                };
                let subj = format!("Revert \"{quoted}\"{own}");
                commit(&mut text, &label, &format!("{subj}\n\n{marker}"), "");
                all.push((label.clone(), subj));
            }
        }
        main.push(label);
    }
    (text, main)
}

/// Writes records `recs` (with their place in the whole history) as a JSON Lines log.
fn write_log(dir: &Path, name: &str, lines: &[serde_json::Value]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    path.to_str().unwrap().to_string()
}

/// Findings without where they were read (logs differ between the runs compared).
fn unplaced(findings: Vec<Finding>) -> Vec<Finding> {
    findings.into_iter().map(|f| Finding { location: Origin::default(), ..f }).collect()
}

fn audit(session: &Session, log: &str) -> Vec<Finding> {
    let histories = session.histories(&[SourceSpec::Path(log.to_string())], None).unwrap();
    unplaced(shipcheck::pipeline::audit::report(session, &histories, Window::default(), false).unwrap().findings)
}

/// Whether a finding's evidence names one of `older` (records added in front).
fn names_older(f: &Finding, older: &[String]) -> bool {
    f.evidence.claimed_in.iter().any(|c| older.contains(c))
        || f.evidence.first_shipped_in.as_ref().is_some_and(|c| older.contains(c))
}

/// A finding as it can be compared across the two audits when it names an older record.
fn loose(f: &Finding, older: &[String]) -> Finding {
    let mut f = f.clone();
    f.message = String::new();
    f.evidence.claimed_in.retain(|c| !older.contains(c));
    f.evidence.first_shipped_in = None;
    f
}

/// What a finding is about, and how serious it is.
fn about(f: &Finding) -> (&str, Kind, &Option<String>, &Option<String>, shipcheck::audit::Severity) {
    (&f.record, f.kind, &f.change, &f.component, f.severity)
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let (text, main) = scenario_text(case);
    let fx = scenario("differential", &text);
    let session = Session::open(fx.repo(), None).unwrap();
    let lines: Vec<serde_json::Value> = case
        .records
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut v = serde_json::json!({
                "id": format!("r{k}"), "environment": "prod",
                "commit": fx.sha(&main[(r.at % 1000) * main.len() / 1000]),
                "deployed_at": format!("2024-01-01T{k:02}:00:00Z"),
            });
            if let Some(c) = &r.claims {
                v["changes"] = serde_json::json!(c.iter().map(|&i| IDS[i]).collect::<Vec<_>>());
            }
            v
        })
        .collect();
    gate_is_the_audit(&fx, &session, &lines, &text)?;
    older_records_change_nothing(&fx, &session, &lines, &text)
}

/// The gate of every record against the ones before it is the audit of the prefix.
fn gate_is_the_audit(
    fx: &Fixture,
    session: &Session,
    lines: &[serde_json::Value],
    text: &str,
) -> Result<(), TestCaseError> {
    let dir = fx.dir.path();
    for k in 0..lines.len() {
        let prefix = write_log(dir, &format!("prefix{k}.jsonl"), &lines[..=k]);
        let audited: Vec<Finding> =
            audit(session, &prefix).into_iter().filter(|f| f.record == format!("r{k}")).collect();
        let history = write_log(dir, &format!("history{k}.jsonl"), &lines[..k]);
        let pending = dir.join(format!("pending{k}.json"));
        std::fs::write(&pending, lines[k].to_string()).unwrap();
        let sources = if k == 0 { vec![] } else { vec![SourceSpec::Path(history)] };
        let req = gate::Request { pending: &pending, sources: &sources, env: None, base: None, allow_baseline: true };
        let gated = unplaced(gate::report(session, &req).unwrap().findings);
        prop_assert_eq!(&gated, &audited, "gate and audit disagree on r{}\n{}", k, text);
    }
    Ok(())
}

/// Older records in front change nothing but what names them.
fn older_records_change_nothing(
    fx: &Fixture,
    session: &Session,
    lines: &[serde_json::Value],
    text: &str,
) -> Result<(), TestCaseError> {
    // When the older records deployed commits no later record reaches
    // (before a rollback), those commits join the history read, and with
    // them the commits that carry a claimed change anywhere in it: then only
    // what each finding is about must stay the same.
    let dir = fx.dir.path();
    let n = lines.len();
    let whole = audit(session, &write_log(dir, "whole.jsonl", lines));
    let git = git2::Repository::open(fx.repo()).unwrap();
    let oid = |k: usize| git2::Oid::from_str(lines[k]["commit"].as_str().unwrap()).unwrap();
    let reached = |a: git2::Oid, b: git2::Oid| a == b || git.graph_descendant_of(b, a).unwrap();
    for m in 1..n {
        let older: Vec<String> = (0..m).map(|j| format!("r{j}")).collect();
        let same_history = (0..m).all(|j| (m..n).any(|k| reached(oid(j), oid(k))));
        let shorter = audit(session, &write_log(dir, &format!("from{m}.jsonl"), &lines[m..]));
        // The first record of the shorter log is its baseline: it is not compared.
        let later = |f: &&Finding| f.record.trim_start_matches('r').parse::<usize>().unwrap() > m;
        let mut short: Vec<&Finding> = shorter.iter().filter(later).collect();
        for f in whole.iter().filter(later) {
            let record_claims = lines[f.record[1..].parse::<usize>().unwrap()].get("changes").is_some();
            let only_because_of_older = f.kind == Kind::ShippedNotClaimed
                && !record_claims
                && !f.evidence.claimed_in.is_empty()
                && f.evidence.claimed_in.iter().all(|c| older.contains(c));
            if only_because_of_older {
                // A record without `changes` is only checked for changes earlier records claimed.
                continue;
            }
            let at = if !same_history {
                short.iter().position(|s| about(s) == about(f))
            } else if names_older(f, &older) {
                short.iter().position(|s| loose(s, &older) == loose(f, &older))
            } else {
                short.iter().position(|s| *s == f)
            };
            prop_assert!(
                at.is_some(),
                "adding r0..r{} in front changed {:?}\nwithout them: {:?}\n{}\n{}",
                m - 1,
                f,
                short,
                serde_json::to_string(lines).unwrap(),
                text
            );
            short.remove(at.unwrap());
        }
        prop_assert!(short.is_empty(), "adding r0..r{} in front lost {:?}\n{}", m - 1, short, text);
    }
    Ok(())
}

#[test]
fn gate_equals_audit_and_older_records_change_nothing_on_random_histories() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[14; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    if let Err(e) = runner.run(&case(), |c| check(&c)) {
        panic!("{e}");
    }
}
