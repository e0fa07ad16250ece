//! Test helpers: fixtures materialised as real repositories, and the
//! shipcheck binary run in an isolated environment.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use shipcheck::fixture::{Materialized, Scenario};
use tempfile::TempDir;

/// A materialised scenario that lives as long as its folder.
pub struct Fixture {
    pub dir: TempDir,
    pub built: Materialized,
}

impl Fixture {
    /// The repository path.
    pub fn repo(&self) -> &Path {
        &self.built.repo
    }
    /// Full SHA of a labelled commit.
    pub fn sha(&self, label: &str) -> String {
        self.built.sha(label).to_string()
    }
    /// A record file written by the fixture, by its relative path.
    pub fn records(&self, rel: &str) -> PathBuf {
        let p = self.built.root.join(rel);
        assert!(p.exists(), "fixture has no record file {rel}");
        p
    }
    /// Writes a JSON Lines record file beside the repository.
    pub fn write_records(&self, name: &str, lines: &[Value]) -> PathBuf {
        let p = self.built.root.join(name);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&p, text).unwrap();
        p
    }
    /// A `git clone --depth 1` of the repository, in `dir` (a test checks
    /// [`installed`]`(test, "git")` first).
    pub fn shallow_clone(&self, dir: &Path) -> PathBuf {
        let clone = dir.join("shallow");
        let out = git()
            .args(["clone", "-q", "--depth", "1", &format!("file://{}", self.repo().display())])
            .arg(&clone)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git clone --depth 1 failed: {}", String::from_utf8_lossy(&out.stderr));
        clone
    }
    /// Writes any file beside the repository.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.built.root.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// Materialises fixtures/NAME.toml.
pub fn fixture(name: &str) -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scenario(&format!("fixtures/{name}.toml"), &text)
}

/// Materialises a scenario written inline in a test.
pub fn scenario(name: &str, text: &str) -> Fixture {
    let s = Scenario::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let dir = tempfile::tempdir().unwrap();
    let built = s.materialize(dir.path()).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    Fixture { dir, built }
}

/// What a run of the binary gave.
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The standard output as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout of {:?} is not JSON ({e}):\n{}\nstderr:\n{}", self.args, self.stdout, self.stderr)
        })
    }
    /// The `findings` array of a run that answered (exit 0 or 1 with a JSON
    /// document on stdout); panics with the command, stdout and stderr for
    /// anything else, so that a crash never reads as "no findings".
    pub fn findings(&self) -> Vec<Value> {
        assert!(
            self.code == 0 || self.code == 1,
            "shipcheck {:?} did not answer: exit {} (0 or 1 expected; a test expecting 2 uses run and expect(2))\n\
             --- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.code,
            self.stdout,
            self.stderr
        );
        match self.json().get("findings").and_then(Value::as_array) {
            Some(findings) => findings.clone(),
            None => panic!(
                "shipcheck {:?} printed no `findings` array (exit {})\n--- stdout\n{}\n--- stderr\n{}",
                self.args, self.code, self.stdout, self.stderr
            ),
        }
    }
    /// Asserts the exit code, printing everything when it differs.
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "shipcheck {:?} exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }
}

/// A command whose environment is only what a test gives it: see
/// [`isolated_command`]. It derefs to the [`Command`]; the temporary HOME
/// lives as long as this value, so keep it until the program has ended.
pub struct Isolated {
    command: Command,
    home: TempDir,
}

impl Isolated {
    /// The temporary HOME the program runs with.
    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

impl Deref for Isolated {
    type Target = Command;
    fn deref(&self) -> &Command {
        &self.command
    }
}

impl DerefMut for Isolated {
    fn deref_mut(&mut self) -> &mut Command {
        &mut self.command
    }
}

/// The one way tests start a program (the binary, git, a browser, a
/// shell): a cleared environment with only PATH kept, a new empty HOME (so
/// no `~/.gitconfig`, `~/.config/git/*` or shell profile is read),
/// `GIT_CONFIG_GLOBAL=/dev/null` and `GIT_CONFIG_NOSYSTEM=1` for the git
/// command line. Nothing else leaks in from the test's own environment:
/// no `NO_COLOR`, `CI`, `GIT_DIR`, `GIT_WORK_TREE` (set when the tests run
/// from a git hook), `TERM` or locale. A test adds what it needs with `.env`.
pub fn isolated_command(program: impl AsRef<OsStr>) -> Isolated {
    let home = tempfile::tempdir().expect("a temporary HOME");
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    Isolated { command, home }
}

/// The shipcheck binary under [`isolated_command`].
pub fn shipcheck_command() -> Isolated {
    isolated_command(env!("CARGO_BIN_EXE_shipcheck"))
}

/// The git command line under [`isolated_command`]; a missing git fails
/// under CI and is a failure here too (every machine that builds shipcheck
/// has git).
pub fn git() -> Isolated {
    isolated_command("git")
}

/// Whether the tests run under CI (`CI` set to anything but empty,
/// `false` or `0`): there, a test that lacks what it needs fails.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A test cannot run its point here because the machine lacks `what`:
/// under CI that is a failure (`.ci/run` installs what the tests need);
/// elsewhere it prints why on stderr and the caller returns. Run
/// `cargo test -- --nocapture` to see the notices, or set CI=true to make
/// them failures.
pub fn lacking(test: &str, what: &str) {
    assert!(!under_ci(), "{test}: {what}; under CI this is a failure (.ci/run must provide it)");
    eprintln!("SKIPPED {test}: {what} (with CI set this test fails)");
}

/// Whether `program` can be started here (`program --version`); when it
/// cannot, [`lacking`] says so for `test` (a failure under CI).
pub fn installed(test: &str, program: &str) -> bool {
    let started = isolated_command(program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !started {
        lacking(test, &format!("`{program}` is not installed"));
    }
    started
}

/// What an isolated program gave, as a [`Run`].
pub fn output_of(args: Vec<String>, out: Output) -> Run {
    Run {
        args,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Like [`run_in`], with extra environment variables, killed (and the test
/// failed) when it runs longer than `limit`: for faults that used to hang.
pub fn run_bounded(cwd: &Path, args: &[&str], env: &[(&str, &str)], limit: std::time::Duration) -> Run {
    use std::io::Read;
    let mut command = shipcheck_command();
    let mut child = command
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("shipcheck runs");
    // Drain both pipes while waiting, so a large output cannot block it.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("shipcheck {args:?} did not finish within {limit:?}: it hangs or its work is not linear");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    }
}

/// Whether the git command line is installed, for tests that only it can
/// set up (partial clones, linked worktrees, shared clones): see [`installed`].
pub fn git_cli(test: &str) -> bool {
    installed(test, "git")
}

/// Runs git (isolated: no user or system configuration) in `cwd`; panics
/// when it fails, and returns its standard output.
pub fn git_in(cwd: &Path, args: &[&str]) -> String {
    let out = git().args(args).current_dir(cwd).output().expect("git runs");
    assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the shipcheck binary in `cwd` under [`isolated_command`].
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out = shipcheck_command().args(args).current_dir(cwd).output().expect("shipcheck runs");
    output_of(args.iter().map(|s| s.to_string()).collect(), out)
}

/// Runs shipcheck with `--repo` set to the fixture's repository.
pub fn run(f: &Fixture, args: &[&str]) -> Run {
    let repo = f.repo().to_str().unwrap().to_string();
    let mut all = vec!["--repo", repo.as_str()];
    all.extend_from_slice(args);
    run_in(f.dir.path(), &all)
}

/// `audit --format json` over record files; returns the run and its findings.
///
/// Panics, printing the command, its stdout and its stderr, unless the run
/// answered: exit 0 or 1 and a JSON document with a `findings` array. A
/// test that expects exit 2 uses [`run`] and [`Run::expect`].
pub fn audit_json(f: &Fixture, records: &[&Path], extra: &[&str]) -> (Run, Vec<Value>) {
    let mut args: Vec<String> = vec!["--format".into(), "json".into(), "audit".into()];
    for r in records {
        args.push("--records".into());
        args.push(r.to_str().unwrap().into());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(f, &refs);
    let findings = r.findings();
    (r, findings)
}

/// Which of `change` and `component` a finding of `kind` names: exactly
/// one of them, or neither.
pub fn subject_of(kind: &str) -> Option<&'static str> {
    match kind {
        "claimed-not-shipped"
        | "shipped-not-claimed"
        | "shipped-earlier"
        | "unverified-claim"
        | "claimed-outside-component" => Some("change"),
        "component-not-claimed" | "component-not-changed" | "version-mismatch" => Some("component"),
        "date-mismatch"
        | "unknown-ref"
        | "ref-mismatch"
        | "release-not-recorded"
        | "rolled-back"
        | "commit-without-change" => None,
        other => panic!("unknown finding kind {other:?}: add it to tests/common subject_of"),
    }
}

/// One finding as the fields a test pins: record, kind, severity, change
/// and component (absent as `None`), each read strictly.
pub type Exact = (String, String, String, Option<String>, Option<String>);

/// An [`Exact`] written in a test: borrowed strings.
pub type ExactRef<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

fn string_field(f: &Value, key: &str) -> String {
    match f.get(key).and_then(Value::as_str) {
        Some(s) => s.to_string(),
        None => panic!("finding has no string `{key}`: {f:#}"),
    }
}

fn optional_field(f: &Value, key: &str) -> Option<String> {
    match f.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => panic!("finding's `{key}` is neither a string nor null ({other}): {f:#}"),
    }
}

/// Checks that a finding names what its kind is about (a change, a
/// component, or neither), so that a component finding mislabelled as a
/// change, or one naming both, fails here.
fn check_subject(f: &Value) {
    let kind = string_field(f, "kind");
    let change = optional_field(f, "change");
    let component = optional_field(f, "component");
    let names = match subject_of(&kind) {
        Some("change") => change.is_some() && component.is_none(),
        Some(_) => component.is_some() && change.is_none(),
        None => change.is_none() && component.is_none(),
    };
    assert!(names, "a {kind} finding names change {change:?} and component {component:?}: {f:#}");
}

/// Findings as whole values: (record, kind, severity, change, component).
pub fn exact(findings: &[Value]) -> Vec<Exact> {
    findings
        .iter()
        .map(|f| {
            check_subject(f);
            (
                string_field(f, "record"),
                string_field(f, "kind"),
                string_field(f, "severity"),
                optional_field(f, "change"),
                optional_field(f, "component"),
            )
        })
        .collect()
}

/// Owned [`Exact`] values for an expectation: `("prod-41",
/// "claimed-not-shipped", "error", Some("AUTH-77"), None)`.
pub fn exactly(items: &[ExactRef<'_>]) -> Vec<Exact> {
    items
        .iter()
        .map(|(r, k, s, ch, co)| {
            (r.to_string(), k.to_string(), s.to_string(), ch.map(str::to_string), co.map(str::to_string))
        })
        .collect()
}

/// Findings reduced to (record, kind, change or component) for exact
/// comparison. The third slot is the change for a finding about a change
/// and the component for one about a component (empty for neither); each
/// finding is checked to name the one its kind is about, so the merged
/// slot cannot hide a component finding labelled as a change. Use
/// [`exact`] where the severity matters.
pub fn brief(findings: &[Value]) -> Vec<(String, String, String)> {
    findings
        .iter()
        .map(|f| {
            check_subject(f);
            let what = optional_field(f, "change").or(optional_field(f, "component")).unwrap_or_default();
            (string_field(f, "record"), string_field(f, "kind"), what)
        })
        .collect()
}

/// Owned triples, for readable expectations.
pub fn triples(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    items.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}
