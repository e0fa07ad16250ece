//! From a fresh repository to a first audit: `init` on three repository
//! shapes, `check-config` on each problem it catches, the help of every
//! subcommand, completions and the man page.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use serde_json::json;
use shipcheck::config::{ComponentPath, Config, VersionFile};

use crate::common::{audit_json, installed, isolated_command, run, run_in, scenario, Fixture};

const CARGO_WORKSPACE: &str = r##"
description = "a Cargo workspace: crates/* and tools/xtask, one crate excluded, one inheriting the workspace version"

[[commit]]
id = "init"
message = "CORE-1: start the workspace"
date = "2024-01-02T10:00:00Z"
[commit.files]
"Cargo.toml" = '''
[workspace]
members = ["crates/*", "tools/xtask"]
exclude = ["crates/scratch"]

[workspace.package]
version = "0.3.0"
'''
"crates/core/Cargo.toml" = "[package]\nname = \"core\"\nversion = \"0.1.0\"\n"
"crates/core/src/lib.rs" = "pub fn core() {}\n"
"crates/cli/Cargo.toml" = "[package]\nname = \"shipcheck-cli\"\nversion.workspace = true\n"
"crates/cli/src/main.rs" = "fn main() {}\n"
"crates/scratch/Cargo.toml" = "[package]\nname = \"scratch\"\nversion = \"0.0.1\"\n"
"crates/scratch/src/lib.rs" = "\n"
"tools/xtask/Cargo.toml" = "[package]\nname = \"xtask\"\nversion = \"0.0.0\"\npublish = false\n"
"tools/xtask/src/main.rs" = "fn main() {}\n"
"docs/guide.md" = "# Guide\n"

[[commit]]
id = "cli-2"
message = "CLI-2: parse arguments (#3)"
date = "2024-01-05T10:00:00Z"
[commit.files]
"crates/cli/src/main.rs" = "fn main() { let _args = std::env::args(); }\n"

[[commit]]
id = "core-4"
message = "CORE-4: faster core\n\nCache keys use SHA-1 and UTF-8 names."
date = "2024-01-08T10:00:00Z"
[commit.files]
"crates/core/src/lib.rs" = "pub fn core() { /* faster */ }\n"
"crates/core/Cargo.toml" = "[package]\nname = \"core\"\nversion = \"0.2.0\"\n"

[[tag]]
name = "v0.1.0"
target = "init"

[[tag]]
name = "v0.2.0"
target = "core-4"
message = "Release 0.2.0"
"##;

const JS_MONOREPO: &str = r##"
description = "a JavaScript monorepo: package.json workspaces as {packages: [...]}, squash-merged pull requests"

[[commit]]
id = "init"
message = "chore: initial import"
date = "2024-02-01T10:00:00Z"
[commit.files]
"package.json" = '{ "name": "acme", "private": true, "workspaces": { "packages": ["apps/*", "packages/*"] } }'
"apps/web/package.json" = '{ "name": "@acme/web", "version": "1.1.0" }'
"apps/web/src/index.js" = "export default 'web';\n"
"apps/admin/package.json" = '{ "name": "@acme/admin", "private": true }'
"apps/admin/src/index.js" = "export default 'admin';\n"
"packages/ui/package.json" = '{ "name": "@acme/ui", "version": "0.3.0" }'
"packages/ui/src/button.js" = "export const Button = 1;\n"
"README.md" = "# acme\n"

[[commit]]
id = "badges"
message = "feat(web): visitor badges (#12)"
date = "2024-02-05T10:00:00Z"
[commit.files]
"apps/web/src/index.js" = "export default 'web with badges';\n"
"apps/web/package.json" = '{ "name": "@acme/web", "version": "1.2.0" }'

[[commit]]
id = "contrast"
message = "fix(ui): button contrast (#15)"
date = "2024-02-06T10:00:00Z"
[commit.files]
"packages/ui/src/button.js" = "export const Button = 2;\n"
"packages/ui/package.json" = '{ "name": "@acme/ui", "version": "0.4.0" }'

[[tag]]
name = "@acme/web@1.2.0"
target = "badges"

[[tag]]
name = "@acme/ui@0.4.0"
target = "contrast"
"##;

const SERVICE_FOLDERS: &str = r##"
description = "a plain repository with services/* folders, date tags, Gerrit Change-Id trailers"

[[commit]]
id = "init"
message = "AUTH-1: token validation\n\nChange-Id: I0123456789abcdef0123456789abcdef01234567"
date = "2023-03-01T10:00:00Z"
[commit.files]
"services/auth/VERSION" = "2.3.0\n"
"services/auth/token.py" = "def validate(token):\n    return lookup(token)\n"
"services/web/pyproject.toml" = "[project]\nname = \"web\"\nversion = \"5.1.0\"\n"
"services/web/app.py" = "print('web')\n"
"docs/runbook.md" = "# Runbook\n"
"Makefile" = "all:\n"

[[commit]]
id = "web-2"
message = "WEB-2: dashboard badges\n\nChange-Id: Iabcdefabcdefabcdefabcdefabcdefabcdefabcd"
date = "2023-03-20T10:00:00Z"
[commit.files]
"services/web/app.py" = "print('web with badges')\n"
"services/web/pyproject.toml" = "[project]\nname = \"web\"\nversion = \"5.2.0\"\n"

[[tag]]
name = "2023.03.14"
target = "init"

[[tag]]
name = "2023.03.28"
target = "web-2"
"##;

/// (name, paths as written, version file) of a parsed configuration.
fn components(config: &Config) -> Vec<(String, Vec<String>, Option<String>)> {
    config
        .components
        .iter()
        .map(|c| {
            let paths = c.paths.iter().map(ComponentPath::display).collect();
            let version = match &c.version_file {
                VersionFile::Path(p) => Some(p.clone()),
                _ => None,
            };
            (c.name.clone(), paths, version)
        })
        .collect()
}

fn owned(items: &[(&str, &[&str], Option<&str>)]) -> Vec<(String, Vec<String>, Option<String>)> {
    items
        .iter()
        .map(|(n, p, v)| (n.to_string(), p.iter().map(|s| s.to_string()).collect(), v.map(String::from)))
        .collect()
}

/// Runs `init` in the fixture and parses what it wrote.
fn init(f: &Fixture) -> (String, Config, String) {
    let r = run(f, &["init"]);
    r.expect(0);
    let text = std::fs::read_to_string(f.repo().join("shipcheck.toml")).expect("init wrote shipcheck.toml");
    let config = Config::parse("shipcheck.toml", &text).unwrap_or_else(|e| panic!("{e:#}\n{text}"));
    (text, config, r.stderr.clone())
}

fn patterns(config: &Config) -> Vec<String> {
    config.changes.patterns().map(|p| p.as_str().to_string()).collect()
}

/// Every file and folder under `dir`, relative.
fn tree(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.insert(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

#[test]
fn init_on_a_cargo_workspace_then_a_clean_audit() {
    let f = scenario("inline-cargo-workspace", CARGO_WORKSPACE);
    let (text, config, stderr) = init(&f);
    assert_eq!(
        components(&config),
        owned(&[
            ("cli", &["crates/cli/"], Some("Cargo.toml")),
            ("core", &["crates/core/"], Some("crates/core/Cargo.toml")),
            ("xtask", &["tools/xtask/"], Some("tools/xtask/Cargo.toml")),
        ])
    );
    assert_eq!(patterns(&config), [r"\b(?P<id>(?:CLI|CORE)-\d+)\b", r"\((?P<id>#[0-9]+)\)"]);
    assert!(text.contains("# Release tags: 2 of 2 tags are named v{version} (e.g. v0.2.0)."), "{text}");
    assert!(text.contains("# [[records]]\n# source = \"tags:v*\"\n"), "{text}");
    assert!(text.contains("# package shipcheck-cli\n[components.cli]"), "{text}");
    // One line per decision, with its reason.
    assert!(stderr.contains("components: crates/cli/, crates/core/ and tools/xtask/ from the Cargo workspace members"));
    assert!(stderr.contains("component cli: crates/cli/, version 0.3.0 read from Cargo.toml"), "{stderr}");
    assert!(stderr.contains("change IDs: ticket keys CLI (1) and CORE (2) in the last 3 commit messages"), "{stderr}");

    run(&f, &["check-config"]).expect(0);
    let log = f.write_records(
        "deploys.jsonl",
        &[
            json!({"id": "r1", "environment": "production", "release": "v0.1.0", "deployed_at": "2024-01-02T12:00:00Z",
                   "changes": ["CORE-1"], "components": [{"name": "core", "version": "0.1.0"}]}),
            json!({"id": "r2", "environment": "production", "release": "v0.2.0", "deployed_at": "2024-01-09T12:00:00Z",
                   "changes": ["CLI-2", "#3", "CORE-4"],
                   "components": [{"name": "cli", "version": "0.3.0"}, {"name": "core", "version": "0.2.0"}]}),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &["--fail-on", "warning"]);
    r.expect(0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn init_on_a_javascript_monorepo_then_a_clean_audit() {
    let f = scenario("inline-js-monorepo", JS_MONOREPO);
    let (text, config, stderr) = init(&f);
    assert_eq!(
        components(&config),
        owned(&[
            ("admin", &["apps/admin/"], None),
            ("ui", &["packages/ui/"], Some("packages/ui/package.json")),
            ("web", &["apps/web/"], Some("apps/web/package.json")),
        ])
    );
    assert_eq!(patterns(&config), [r"\((?P<id>#[0-9]+)\)"]);
    assert!(text.contains("# Release tags: 2 of 2 tags are named {name}@{version} (e.g. @acme/web@1.2.0)."), "{text}");
    assert!(text.contains("# source = \"tags:@acme/ui@*\"\n# environment = \"releases\"\n# components = [\"ui\"]\n"));
    assert!(stderr.contains("from the workspaces of package.json (apps/*, packages/*)"), "{stderr}");
    assert!(stderr.contains("component admin: apps/admin/, no version file"), "{stderr}");

    run(&f, &["check-config"]).expect(0);
    let log = f.write_records(
        "deploys.jsonl",
        &[
            json!({"id": "d1", "environment": "production", "commit": f.sha("init"), "deployed_at": "2024-02-01T12:00:00Z"}),
            json!({"id": "d2", "environment": "production", "commit": f.sha("contrast"), "deployed_at": "2024-02-07T12:00:00Z",
                   "changes": ["#12", "#15"],
                   "components": [{"name": "web", "version": "1.2.0"}, {"name": "ui", "version": "0.4.0"}]}),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &["--fail-on", "warning"]);
    r.expect(0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn init_on_top_level_service_folders_then_a_clean_audit() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let (text, config, _) = init(&f);
    assert_eq!(
        components(&config),
        owned(&[
            ("auth", &["services/auth/"], Some("services/auth/VERSION")),
            ("web", &["services/web/"], Some("services/web/pyproject.toml")),
        ])
    );
    assert_eq!(
        patterns(&config),
        [r"\b(?P<id>(?:AUTH|WEB)-\d+)\b", r"(?m)^Change-Id: (?P<id>I[0-9a-f]{8,40})[ \t\r]*$"]
    );
    assert!(text.contains("# Release tags: 2 of 2 tags are named YYYY.MM.DD (dates) (e.g. 2023.03.28)."), "{text}");
    assert!(text.contains("# source = \"tags:20*\"\n"), "{text}");

    run(&f, &["check-config"]).expect(0);
    let log = f.write_records(
        "deploys.jsonl",
        &[
            json!({"id": "p1", "environment": "production", "release": "2023.03.14", "deployed_at": "2023-03-14T09:00:00Z",
                   "changes": ["AUTH-1"]}),
            json!({"id": "p2", "environment": "production", "release": "2023.03.28", "deployed_at": "2023-03-28T09:00:00Z",
                   "changes": ["WEB-2", "Iabcdefabcdefabcdefabcdefabcdefabcdefabcd"],
                   "components": [{"name": "web", "version": "5.2.0"}]}),
        ],
    );
    let (r, findings) = audit_json(&f, &[&log], &["--fail-on", "warning"]);
    r.expect(0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let target = f.repo().join("shipcheck.toml");
    std::fs::write(&target, "# mine\n").unwrap();
    let r = run(&f, &["init"]);
    r.expect(2);
    assert!(r.stderr.contains("exists already; pass --force to replace it"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");
    run(&f, &["init", "--force"]).expect(0);
    assert!(std::fs::read_to_string(&target).unwrap().contains("[components.auth]"));
}

#[test]
fn init_reads_head_and_writes_only_the_configuration() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    // Not committed: init must not see it.
    f.write("repo/services/draft/VERSION", "0.1.0\n");
    let before = tree(f.dir.path());
    let out = f.dir.path().join("elsewhere.toml");
    let r = run(&f, &["init", "--output", out.to_str().unwrap()]);
    r.expect(0);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let after = tree(f.dir.path());
    let added: Vec<&String> = after.difference(&before).collect();
    assert_eq!(added, ["elsewhere.toml"]);
    let config = Config::parse("x", &std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(config.component("draft").is_none());
    assert_eq!(config.components.len(), 2);
}

// ---------------------------------------------------------------------------
// check-config: one test per problem.

const BASE: &str = r#"
[components.auth]
paths = ["services/auth/"]
version_file = "services/auth/VERSION"

[components.web]
paths = ["services/web/", "services/web/**/*.py"]
version_file = "services/web/pyproject.toml"

[changes]
patterns = ['\b(?P<id>(?:AUTH|WEB)-\d+)\b']
"#;

fn check_config(f: &Fixture, text: &str) -> crate::common::Run {
    let path = f.write("check.toml", text);
    run(f, &["--config", path.to_str().unwrap(), "check-config"])
}

fn expect_problem(text: &str, fragment: &str) {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let r = check_config(&f, text);
    r.expect(2);
    assert!(r.stderr.contains(fragment), "expected {fragment:?} in:\n{}", r.stderr);
    assert!(r.stderr.contains("1 problem found against HEAD"), "{}", r.stderr);
}

#[test]
fn check_config_accepts_a_good_configuration() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let r = check_config(&f, BASE);
    r.expect(0);
    assert!(r.stdout.starts_with("ok: "), "{}", r.stdout);
    assert!(
        r.stdout.contains("2 components (3 paths, 2 version files); 1 change-ID pattern finding IDs in 2 of the last 2 commit messages"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn check_config_path_that_matches_no_file() {
    expect_problem(
        &BASE.replace(r#"paths = ["services/auth/"]"#, r#"paths = ["services/auth/", "services/authz/"]"#),
        r#"component "auth": path "services/authz/" matches no file at HEAD (no such file or folder)"#,
    );
}

#[test]
fn check_config_glob_that_matches_no_file() {
    expect_problem(
        &BASE.replace("services/web/**/*.py", "services/web/**/*.rs"),
        r#"component "web": path "services/web/**/*.rs" matches no file at HEAD (the glob matches no file)"#,
    );
}

#[test]
fn check_config_overlapping_components() {
    expect_problem(
        &BASE.replace(r#"paths = ["services/auth/"]"#, r#"paths = ["services/auth/", "services/web/app.py"]"#),
        r#"components "auth" and "web" overlap: 1 file at HEAD belongs to both (e.g. services/web/app.py)"#,
    );
}

#[test]
fn check_config_pattern_that_never_matches() {
    expect_problem(
        &BASE.replace(r#"patterns = ['"#, r#"patterns = ['BILL-\d+', '"#),
        r"change-ID pattern 'BILL-\d+' matches none of the last 2 commit messages",
    );
}

#[test]
fn check_config_version_file_that_does_not_exist() {
    expect_problem(
        &BASE.replace("services/auth/VERSION", "services/auth/VERSION.txt"),
        r#"component "auth": version_file "services/auth/VERSION.txt" does not exist at HEAD"#,
    );
}

#[test]
fn check_config_version_file_without_a_version() {
    expect_problem(
        &BASE.replace("services/auth/VERSION", "services/auth/token.py"),
        r#"component "auth": version_file "services/auth/token.py" holds no version"#,
    );
}

#[test]
fn check_config_lists_every_problem() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let text = BASE
        .replace(r#"paths = ["services/auth/"]"#, r#"paths = ["services/"]"#)
        .replace("services/web/pyproject.toml", "services/web/package.json")
        .replace(r#"patterns = ['"#, r#"patterns = ['BILL-\d+', '"#);
    let r = check_config(&f, &text);
    r.expect(2);
    for fragment in [
        r#"components "auth" and "web" overlap: 2 files at HEAD belong to both"#,
        r"change-ID pattern 'BILL-\d+' matches none",
        r#"version_file "services/web/package.json" does not exist"#,
        "3 problems found against HEAD",
    ] {
        assert!(r.stderr.contains(fragment), "expected {fragment:?} in:\n{}", r.stderr);
    }
    let r =
        run(&f, &["--config", f.dir.path().join("check.toml").to_str().unwrap(), "--format", "json", "check-config"]);
    r.expect(2);
    assert_eq!(r.json()["problems"].as_array().unwrap().len(), 3);
}

#[test]
fn check_config_without_a_configuration_says_how_to_get_one() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let r = run(&f, &["check-config"]);
    r.expect(2);
    assert!(r.stderr.contains("no shipcheck.toml at the repository root; run `shipcheck init`"), "{}", r.stderr);
    let r = check_config(&f, "[components.web]\npathz = []\n");
    r.expect(2);
    assert!(r.stderr.contains("check.toml:2:1:"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// Help, completions, man page, progress.

/// `--help` of the top level and of every subcommand clap knows: a new
/// subcommand gets a snapshot to accept (`INSTA_UPDATE=always cargo test
/// help_of_every_subcommand`, then review the new `.snap` files).
#[test]
fn help_of_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let top = run_in(dir.path(), &["--help"]);
    top.expect(0);
    insta::assert_snapshot!("help", top.stdout);
    let cli = shipcheck::cli::Cli::command();
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        let r = run_in(dir.path(), &[name, "--help"]);
        r.expect(0);
        assert!(r.stdout.contains("\nExample:\n  shipcheck "), "`shipcheck {name} --help` has no Example section");
        insta::assert_snapshot!(format!("help_{name}"), r.stdout);
    }
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [("bash", "_shipcheck()"), ("zsh", "#compdef shipcheck"), ("fish", "complete -c shipcheck")]
    {
        let r = run_in(dir.path(), &["completions", shell]);
        r.expect(0);
        assert!(r.stdout.contains(marker), "{shell}: {}", r.stdout);
        assert!(r.stdout.contains("check-config"), "{shell} completion lacks check-config");
    }
    run_in(dir.path(), &["completions", "tcsh"]).expect(2);
    let r = run_in(dir.path(), &["man"]);
    r.expect(0);
    assert!(r.stdout.contains(".TH shipcheck 1"), "{}", r.stdout);
    assert!(r.stdout.contains("check\\-config"), "{}", r.stdout);
    let r = run_in(dir.path(), &["man", "audit"]);
    r.expect(0);
    assert!(r.stdout.contains(".TH shipcheck-audit 1"), "{}", r.stdout);
    let r = run_in(dir.path(), &["man", "nope"]);
    r.expect(2);
    assert!(r.stderr.contains("no command \"nope\""), "{}", r.stderr);
}

#[test]
fn no_progress_bar_when_standard_error_is_not_a_terminal() {
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let log = f.write_records(
        "deploys.jsonl",
        &[json!({"id": "p1", "release": "2023.03.14", "deployed_at": "2023-03-14T09:00:00Z"})],
    );
    for args in [vec!["audit"], vec!["--quiet", "audit"], vec!["--format", "json", "audit"]] {
        let mut args = args.clone();
        args.extend(["--records", log.to_str().unwrap()]);
        let r = run(&f, &args);
        r.expect(0);
        assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
    }
}

/// On a terminal (made with util-linux `script`, when the machine has it),
/// the audit draws a bar with counts; --quiet and CI=true silence it.
#[test]
fn progress_bar_on_a_terminal_unless_quiet_or_ci() {
    // util-linux `script` gives shipcheck a terminal (.ci/run installs it).
    if !installed("progress_bar_on_a_terminal_unless_quiet_or_ci", "script") {
        return;
    }
    let f = scenario("inline-service-folders", SERVICE_FOLDERS);
    let log = f.write_records(
        "deploys.jsonl",
        &[
            json!({"id": "p1", "release": "2023.03.14", "deployed_at": "2023-03-14T09:00:00Z"}),
            json!({"id": "p2", "release": "2023.03.28", "deployed_at": "2023-03-28T09:00:00Z"}),
        ],
    );
    let on_terminal = |extra: &str, ci: Option<&str>| -> String {
        let typescript = f.dir.path().join("typescript");
        let command = format!(
            "{} --repo {} {extra} audit --records {} > /dev/null",
            env!("CARGO_BIN_EXE_shipcheck"),
            f.repo().display(),
            log.display()
        );
        let mut cmd = isolated_command("script");
        // The terminal is a real one: say so, as a terminal emulator would.
        cmd.args(["-q", "-e", "-c", &command]).arg(&typescript).env("TERM", "xterm");
        if let Some(ci) = ci {
            cmd.env("CI", ci);
        }
        cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).status().expect("script runs");
        String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned()
    };
    let drawn = on_terminal("", None);
    assert!(drawn.contains("reading default [") && drawn.contains("2/2 records"), "{drawn}");
    assert!(!on_terminal("--quiet", None).contains("records ("));
    assert!(!on_terminal("", Some("true")).contains("records ("));
}
