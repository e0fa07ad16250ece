//! The tests' own environment and helpers: every program a test starts runs under
//! `isolated_command` (nothing of the developer's environment, HOME or git
//! configuration reaches it), and the fixture builder's repositories do not
//! depend on the developer's git configuration either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{fixture, git, installed, isolated_command, shipcheck_command};

#[test]
fn an_isolated_command_sees_only_path_a_new_home_and_git_isolation() {
    let cmd = isolated_command("env");
    let home = cmd.home().to_path_buf();
    let mut cmd = cmd;
    let out = cmd.output().expect("env runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let vars: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let names: Vec<&str> = vars.keys().copied().collect();
    assert_eq!(names, ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "HOME", "PATH"], "{text}");
    assert_eq!(vars["GIT_CONFIG_GLOBAL"], "/dev/null");
    assert_eq!(vars["GIT_CONFIG_NOSYSTEM"], "1");
    assert_eq!(Path::new(vars["HOME"]), home);
    assert!(home.is_dir() && std::fs::read_dir(&home).unwrap().next().is_none(), "HOME is a new, empty folder");
    assert_eq!(Some(std::ffi::OsString::from(vars["PATH"])), std::env::var_os("PATH"));
}

#[test]
fn git_in_an_isolated_command_reads_only_the_repository_configuration() {
    if !installed("git_in_an_isolated_command_reads_only_the_repository_configuration", "git") {
        return;
    }
    let f = fixture("incident");
    let out = git().args(["config", "--list", "--show-origin"]).current_dir(f.repo()).output().expect("git runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let origins: Vec<&str> = text.lines().filter_map(|l| l.split_once('\t')).map(|(origin, _)| origin).collect();
    assert!(!origins.is_empty(), "{text}");
    assert!(origins.iter().all(|o| *o == "file:.git/config"), "configuration read from elsewhere:\n{text}");
}

/// Relative path → bytes of every file under `root`, but the index (which
/// records the checkout's file times).
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                stack.push(path);
            } else if rel != Path::new("repo/.git/index") {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// `shipcheck demo --keep` builds the incident fixture with the fixture
/// builder: under a HOME whose git configuration and attributes convert
/// line endings, expand `$Id$` and rename the first branch, it writes the
/// same bytes as under an empty HOME. (A global `core.worktree` is left
/// out: git itself obeys it for every repository, and so does `audit`.)
#[test]
fn fixture_repositories_do_not_depend_on_the_users_git_configuration() {
    let hostile = tempfile::tempdir().unwrap();
    let h = hostile.path();
    std::fs::create_dir_all(h.join(".config/git")).unwrap();
    std::fs::write(
        h.join(".gitconfig"),
        format!(
            "[core]\n\tautocrlf = true\n\teol = crlf\n\tattributesFile = {}\n\tfilemode = false\n\
             [init]\n\tdefaultBranch = trunk\n[user]\n\tname = Someone Else\n\temail = else@example.com\n",
            h.join("attributes").display()
        ),
    )
    .unwrap();
    std::fs::write(h.join("attributes"), "* text eol=crlf ident\n").unwrap();
    std::fs::write(h.join(".config/git/config"), "[core]\n\tautocrlf = true\n").unwrap();
    std::fs::write(h.join(".config/git/attributes"), "* text eol=crlf ident\n").unwrap();

    let out = tempfile::tempdir().unwrap();
    let clean = out.path().join("clean");
    let configured = out.path().join("configured");
    let r = shipcheck_command().args(["demo", "--keep"]).arg(&clean).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = shipcheck_command().env("HOME", h).args(["demo", "--keep"]).arg(&configured).output().unwrap();
    assert!(r.status.success(), "with the user's configuration: {}", String::from_utf8_lossy(&r.stderr));

    let (a, b) = (files(&clean), files(&configured));
    assert!(a.keys().any(|k| k.starts_with("repo/services")), "the work tree is checked out: {:?}", a.keys());
    let differ: BTreeSet<&PathBuf> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(differ.is_empty(), "the user's git configuration changed {differ:?}");
    let converted: Vec<&PathBuf> = b
        .iter()
        .filter(|(k, v)| !k.starts_with("repo/.git") && v.windows(2).any(|w| w == b"\r\n"))
        .map(|(k, _)| k)
        .collect();
    assert!(converted.is_empty(), "line endings converted in {converted:?}");
}

/// `brief` and `exact` check each finding against what its kind is about;
/// every kind the audit has is in that table.
#[test]
fn every_finding_kind_is_known_to_the_helpers() {
    for kind in shipcheck::audit::Kind::ALL {
        let _ = crate::common::subject_of(kind.as_str());
    }
}

/// A component finding that names a change in place of its component
/// would read the same in a merged slot: `brief` refuses it.
#[test]
#[should_panic(expected = "a component-not-claimed finding names change Some(\"auth\") and component None")]
fn brief_refuses_a_component_finding_labelled_as_a_change() {
    let mislabelled = serde_json::json!({"record": "prod-42", "kind": "component-not-claimed", "severity": "error",
                                         "change": "auth", "component": null});
    let _ = crate::common::brief(&[mislabelled]);
}

#[test]
fn exact_keeps_severity_change_and_component_apart() {
    let found = serde_json::json!([
        {"record": "a", "kind": "version-mismatch", "severity": "error", "change": null, "component": "auth"},
        {"record": "b", "kind": "shipped-earlier", "severity": "warning", "change": "X-1", "component": null},
    ]);
    assert_eq!(
        crate::common::exact(found.as_array().unwrap()),
        crate::common::exactly(&[
            ("a", "version-mismatch", "error", None, Some("auth")),
            ("b", "shipped-earlier", "warning", Some("X-1"), None),
        ])
    );
}
