//! Every line shipcheck prints, on standard output or standard error, in
//! every format and on every error path, is safe to show in a CI log: no
//! control character from the input unescaped, no line a GitHub runner
//! would take for a workflow command (one starting with `::` after
//! whitespace, or holding `##[` anywhere) other than the annotations that
//! `--format github` means to print. Input errors are fed hostile ids,
//! kinds, paths, refs and arguments.

use std::path::Path;

use serde_json::json;

use crate::common::{fixture, run, run_in, Fixture, Run};

/// Hostile text: old and new workflow-command syntax and terminal controls.
const EVIL: &str = "x##[add-mask]y";
const EVIL2: &str = "::error::z\u{1b}[2J";

/// Whether a stdout line is one of our own annotations in `--format github`.
fn own_annotation(line: &str) -> bool {
    ["::error file=", "::error title=", "::warning file=", "::warning title=", "::notice file=", "::notice title="]
        .iter()
        .any(|p| line.starts_with(p))
}

/// Asserts that every printed line is safe; `github` allows our annotations on stdout.
fn assert_safe(what: &str, r: &Run, github: bool) {
    for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        for line in text.lines() {
            if let Some(c) = line.chars().find(|c| shipcheck::text::is_unsafe_char(*c) && *c != '\t') {
                panic!("{what} ({stream}): {c:?} unescaped in {line:?}");
            }
            if github && stream == "stdout" && own_annotation(line) {
                // Our own command: one line (checked above), its properties
                // and message encoded, so no second command starts in it.
                assert!(line[2..].contains("::"), "{what}: an annotation has a message: {line}");
                continue;
            }
            assert!(!line.trim_start().starts_with("::"), "{what} ({stream}): a workflow command: {line:?}");
            assert!(!line.contains("##["), "{what} ({stream}): an old-style workflow command: {line:?}");
        }
    }
}

/// Runs and checks one command; returns the run.
fn check(f: &Fixture, what: &str, args: &[&str]) -> Run {
    let r = run(f, args);
    let github = args.windows(2).any(|w| w == ["--format", "github"]);
    assert_safe(&format!("{what} {args:?}"), &r, github);
    assert!(r.code <= 2, "{what}: exit {}\n{}", r.code, r.stderr);
    r
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// Long: the hostile inputs, then one table of error paths that use them.
#[test]
fn error_messages_with_hostile_ids_kinds_paths_and_arguments_are_defused() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let log = s(&log);
    let c = f.sha("init");
    let dup = f.write_records("dup.jsonl", &[json!({"id": EVIL, "commit": c}), json!({"id": EVIL, "commit": c})]);
    let dup_env = f.write_records(
        "dup-env.jsonl",
        &[
            json!({"id": EVIL, "commit": c, "environment": EVIL2}),
            json!({"id": EVIL, "commit": c, "environment": EVIL2}),
        ],
    );
    let kind = f.write("kind.jsonl", &format!("{{\"id\": \"k\", \"commit\": \"{c}\", \"kind\": \"##[error]x\"}}\n"));
    let date = f.write_records("date.jsonl", &[json!({"id": EVIL, "commit": c, "deployed_at": "##[error]2023"})]);
    let empty = f.write_records("empty.jsonl", &[json!({"id": EVIL, "commit": c, "changes": [" "]})]);
    let nothing = f.write_records("nothing.jsonl", &[json!({"id": EVIL})]);
    let badref = f.write_records("badref.jsonl", &[json!({"id": EVIL, "commit": "##[error]nope", "release": EVIL2})]);
    let cut = f.write("cut.jsonl", "{\"id\": \"##[error]a\", \"commit\": \"x\"}\n{\"id\": \"##[warning]b\", \"com");
    let unknown_field = f.write("field.jsonl", "{\"id\": \"a\", \"##[error]x\": 1}\n");
    let component = f.write_records(
        "component.jsonl",
        &[json!({"id": "a", "commit": c}), json!({"id": EVIL, "commit": c, "components": ["##[error]c"]})],
    );
    let pending = f.write("p.json", &json!({"id": EVIL, "commit": "##[error]p", "changes": [EVIL2]}).to_string());
    let pending_dup =
        f.write("pd.json", &json!({"id": "prod-41", "environment": "production", "commit": c}).to_string());
    let pending_new = f.write("pn.json", &json!({"id": EVIL, "environment": "production", "commit": c}).to_string());
    let bad_config = f.write("##[error]bad.toml", "[components.x]\npaths = [\"##[error]/\"]\n");
    let problem_config = f.write("::warning::cfg.toml", "[components.web]\npaths = [\"##[error]nope/\"]\n");
    let hostile_path = format!("{}/##[error]missing.jsonl", f.dir.path().display());
    let missing_dir = format!("{}/::error::dir/x.jsonl", f.dir.path().display());
    let evil_repo = f.dir.path().join("##[error]repo");
    std::fs::create_dir_all(&evil_repo).unwrap();

    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("duplicate id", vec!["audit", "--records", s(&dup)]),
        ("duplicate id, hostile environment", vec!["audit", "--records", s(&dup_env)]),
        ("kind", vec!["audit", "--records", s(&kind)]),
        ("deployed_at", vec!["audit", "--records", s(&date)]),
        ("empty change", vec!["audit", "--records", s(&empty)]),
        ("no commit, no release", vec!["audit", "--records", s(&nothing)]),
        ("unknown refs", vec!["audit", "--records", s(&badref)]),
        ("cut short", vec!["audit", "--records", s(&cut)]),
        ("unknown field", vec!["audit", "--records", s(&unknown_field)]),
        ("unknown component", vec!["audit", "--records", s(&component)]),
        ("missing record file", vec!["audit", "--records", &hostile_path]),
        ("missing folder", vec!["audit", "--records", &missing_dir]),
        ("missing changelog", vec!["audit", "--records", "changelog:##[error].md"]),
        ("no matching tag", vec!["audit", "--records", "tags:##[error]*"]),
        ("bad notes ref", vec!["audit", "--records", "notes:##[error]x"]),
        ("--env", vec!["audit", "--records", log, "--env", EVIL]),
        ("--since", vec!["audit", "--records", log, "--since", EVIL]),
        ("show", vec!["show", "x##[error]y", "--records", log]),
        ("show hostile rev", vec!["show", "::error::HEAD~99", "--records", log]),
        ("trace", vec!["trace", "##[warning]x", "--records", log]),
        ("gate missing commit", vec!["gate", "--record", s(&pending), "--records", log]),
        ("gate same id", vec!["gate", "--record", s(&pending_dup), "--records", log]),
        ("gate missing file", vec!["gate", "--record", &hostile_path, "--records", log]),
        ("gate --base", vec!["gate", "--record", s(&pending_new), "--records", log, "--base", "##[error]b"]),
        ("record bad commit", vec!["record", "--env", EVIL, "--commit", "##[error]c"]),
        ("record bad release", vec!["record", "--env", "e", "--release", "::error::v9"]),
        ("config", vec!["--config", s(&bad_config), "audit", "--records", log]),
        ("missing config", vec!["--config", "::error::none.toml", "audit", "--records", log]),
        ("check-config", vec!["--config", s(&problem_config), "check-config"]),
        ("usage: --format", vec!["--format", "x##[error]", "audit"]),
        ("usage: unknown flag", vec!["audit", "--##[error]x"]),
        ("usage: subcommand", vec!["::error::x"]),
        ("usage: --fail-on", vec!["audit", "--records", log, "--fail-on", "##[error]"]),
    ];
    let mut answered: Vec<String> = Vec::new();
    for (what, args) in &cases {
        for fmt in ["text", "json", "github"] {
            let mut all = vec!["--format", fmt];
            all.extend(args.iter().copied());
            let r = check(&f, what, &all);
            if r.code != 2 {
                answered.push(format!("{what} ({fmt})"));
            } else {
                // On standard error (check-config --format json says it on standard output).
                assert!(!r.stderr.trim().is_empty() || fmt == "json", "{what}: exit 2 says why");
            }
        }
    }
    // Unknown refs are a finding (exit 1), not an input error; a change no
    // record mentions has an empty trace.
    let answers = ["unknown refs", "trace (text)", "trace (json)"];
    assert!(answered.iter().all(|a| answers.iter().any(|x| a.starts_with(x))), "error paths taken: {answered:?}");
    // A repository path and a folder that is not a repository.
    let r = run_in(f.dir.path(), &["--repo", s(&evil_repo), "audit", "--records", log]);
    assert_safe("not a repository", &r, false);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // The defused messages still say what is wrong.
    let r = check(&f, "duplicate id", &["audit", "--records", s(&dup)]);
    assert!(r.stderr.starts_with("error: ") && r.stderr.contains("used twice"), "{}", r.stderr);
    assert!(r.stderr.contains("x#\\u{23}[add-mask]y"), "{}", r.stderr);
}

#[test]
fn successful_output_with_hostile_ids_is_defused_in_every_format() {
    let f = fixture("incident");
    let prod = f.records("deploys/production.jsonl");
    let text = std::fs::read_to_string(&prod).unwrap();
    // The incident's records with hostile ids (and more findings than
    // `--format github` shows as annotations: its overflow lines).
    let mut lines: Vec<serde_json::Value> = Vec::new();
    for round in 0..6 {
        for (i, line) in text.lines().enumerate() {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            v["id"] = json!(format!("{EVIL}-{round}-{i}\n{EVIL2}"));
            v["deployed_at"] = json!(format!("2023-0{}-1{i}T12:00:00Z", round + 1));
            if let Some(list) = v["changes"].as_array_mut() {
                list.push(json!("##[error]NOPE-1"));
            }
            lines.push(v);
        }
    }
    let log = f.write_records("evil.jsonl", &lines);
    let id = lines[1]["id"].as_str().unwrap().to_string();
    let mut overflowed = false;
    for fmt in ["text", "json", "markdown", "github", "html"] {
        for args in [
            vec!["--format", fmt, "audit", "--records", s(&log)],
            vec!["--format", fmt, "show", &id, "--records", s(&log)],
            vec!["--format", fmt, "trace", "##[error]NOPE-1", "--records", s(&log)],
        ] {
            if matches!(fmt, "html" | "github") && args[2] != "audit" {
                continue; // audit only
            }
            let r = check(&f, "hostile ids", &args);
            assert!(r.code < 2, "{args:?}: {}", r.stderr);
            if fmt == "json" {
                // Defused JSON is still JSON, with the same values.
                let v = r.json();
                assert!(r.stdout.contains("#\\u0023["), "{}", r.stdout);
                if args[2] == "audit" {
                    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["record"] == json!(id)), "{v}");
                }
            }
            overflowed |= fmt == "github" && r.stdout.contains("more findings than GitHub shows");
        }
    }
    assert!(overflowed, "the github format printed overflow lines");
    // `record` prints the record it derived: JSON, defused, the same value.
    let r = check(&f, "record", &["record", "--env", EVIL, "--commit", "HEAD", "--id", "##[warning]r"]);
    r.expect(0);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!((v["id"].as_str(), v["environment"].as_str()), (Some("##[warning]r"), Some(EVIL)));
}
