//! Repository shapes and inputs that made shipcheck answer from other
//! objects than git's, or read without end (issue 14, items 3, 4, 5, 8, 10
//! and 12): each is refused with exit 2, naming what it could not check and
//! the fix, or answered in seconds. Shapes are built with git2 where it can
//! make them; partial clones, linked worktrees and shared clones need the
//! git command line ([`git_cli`]: skipped with a message where git is
//! missing, a failure when `CI` is set).

use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::Repository;
use serde_json::json;

use crate::common::{fixture, git_cli, git_in, isolated_command, run, run_bounded, Fixture, Run};

/// Long enough for a debug build on two busy cores; the bugs took minutes
/// or never ended.
const LIMIT: Duration = Duration::from_secs(90);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The incident's first two records (what is live) and its third as the
/// pending record: on a full repository the gate stops it (exit 1,
/// AUTH-77 ships unclaimed).
fn gate_inputs(f: &Fixture) -> (PathBuf, PathBuf) {
    let history = f.write_records(
        "history.jsonl",
        &[
            json!({"id": "prod-40", "environment": "production", "commit": f.sha("init"), "deployed_at": "2023-02-28T09:00:00Z", "components": ["web", "auth", "billing"]}),
            json!({"id": "prod-41", "environment": "production", "release": "v2023.03.14", "deployed_at": "2023-03-14T09:00:00Z", "components": ["web", {"name": "auth", "version": "2.4.0"}], "changes": ["WEB-12", "AUTH-77"]}),
        ],
    );
    let pending = f.write(
        "pending.json",
        &json!({"id": "prod-42", "environment": "production", "release": "v2023.03.28", "deployed_at": "2023-03-28T09:00:00Z", "components": ["billing"], "changes": ["BILL-31"]}).to_string(),
    );
    (history, pending)
}

/// shipcheck run in `cwd`, bounded in time.
fn run_at(cwd: &Path, args: &[&str]) -> Run {
    run_bounded(cwd, args, &[], LIMIT)
}

/// Asserts that every word is in the text.
fn assert_says(what: &str, text: &str, words: &[&str]) {
    for w in words {
        assert!(text.contains(w), "{what}: {w:?} missing from:\n{text}");
    }
}

/// The loose object file of `oid` in the repository at `repo` (fixture
/// objects are loose).
fn loose(repo: &Path, oid: &str) -> PathBuf {
    repo.join(".git").join("objects").join(&oid[..2]).join(&oid[2..])
}

/// Truncates a loose object to half its size, as a crash while writing would.
fn truncate(file: &Path) {
    let bytes = std::fs::read(file).expect("the object is loose");
    let mut perms = std::fs::metadata(file).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(file, perms).unwrap();
    std::fs::write(file, &bytes[..bytes.len() / 2]).unwrap();
}

// ---------------------------------------------------------------------------
// Item 3: partial clones, and any missing object the answer needs.

#[test]
fn partial_clones_are_refused_with_the_fix_and_the_fix_works() {
    if !git_cli("partial_clones_are_refused_with_the_fix_and_the_fix_works") {
        return;
    }
    let f = fixture("incident");
    let (history, pending) = gate_inputs(&f);
    let gate = ["gate", "--record", s(&pending), "--records", s(&history)];
    // The full repository: the gate stops the deploy.
    let mut full = vec!["--repo", s(f.repo())];
    full.extend_from_slice(&gate);
    run_at(f.dir.path(), &full).expect(1);

    let url = format!("file://{}", f.repo().display());
    let upload_pack = "--upload-pack=git -c uploadpack.allowFilter=true upload-pack";
    let shapes: [(&str, &[&str]); 3] = [
        ("blobless", &["--filter=blob:none"]),
        ("treeless", &["--filter=tree:0", "--no-checkout"]),
        ("bare-blobless", &["--bare", "--filter=blob:none"]),
    ];
    for (name, flags) in shapes {
        let clone = f.dir.path().join(name);
        let mut args = vec!["clone", "-q", upload_pack];
        args.extend_from_slice(flags);
        args.extend([url.as_str(), s(&clone)]);
        git_in(f.dir.path(), &args);
        assert_eq!(git_in(&clone, &["config", "remote.origin.promisor"]).trim(), "true", "{name} is a partial clone");
        for cmd in [gate.to_vec(), vec!["audit", "--records", s(&history)]] {
            let mut all = vec!["--repo", s(&clone)];
            all.extend_from_slice(&cmd);
            let r = run_at(f.dir.path(), &all);
            r.expect(2);
            assert_says(
                &format!("{name} {cmd:?}"),
                &r.stderr,
                &["is a partial clone", "promisor remote", "fetch --refetch origin", "full clone"],
            );
        }
    }

    // The fix it prints makes the treeless clone whole: then the gate
    // answers as on the full repository.
    let clone = f.dir.path().join("treeless");
    git_in(&clone, &["config", "remote.origin.uploadpack", "git -c uploadpack.allowFilter=true upload-pack"]);
    let r = run_at(&clone, &gate);
    r.expect(2);
    let fix = r.stderr.rsplit_once(": `").and_then(|(_, rest)| rest.strip_suffix("`\n")).expect("a fix command");
    let status = isolated_command("sh").args(["-c", fix]).current_dir(&clone).status().unwrap();
    assert!(status.success(), "the printed fix failed: {fix}");
    run_at(&clone, &gate).expect(1);

    // Older git marks a partial clone with extensions.partialclone.
    let clone = f.dir.path().join("blobless");
    git_in(&clone, &["config", "--unset", "remote.origin.promisor"]);
    git_in(&clone, &["config", "extensions.partialclone", "origin"]);
    let r = run_at(&clone, &gate);
    r.expect(2);
    assert_says("extensions.partialclone", &r.stderr, &["is a partial clone", "--unset extensions.partialclone"]);
}

#[test]
fn a_missing_tree_or_file_is_refused_naming_the_commit_the_path_and_the_fix() {
    let f = fixture("incident");
    let history = f.write_records(
        "history.jsonl",
        &[
            json!({"id": "prod-41", "environment": "production", "release": "v2023.03.14", "deployed_at": "2023-03-14T09:00:00Z"}),
            json!({"id": "prod-42", "environment": "production", "release": "v2023.03.28", "deployed_at": "2023-03-28T09:00:00Z"}),
        ],
    );
    let pending = f.write(
        "pending.json",
        &json!({"id": "prod-43", "environment": "production", "commit": f.sha("auth-78"), "components": [{"name": "auth", "version": "2.4.1"}], "changes": ["AUTH-78"]}).to_string(),
    );
    let auth78 = f.sha("auth-78");
    let repo = Repository::open(f.repo()).unwrap();
    let tree = repo.find_commit(git2::Oid::from_str(&auth78).unwrap()).unwrap().tree().unwrap();
    let id_of = |path: &str| tree.get_path(Path::new(path)).unwrap().id().to_string();
    // Both are new in auth-78, so only that commit holds them. The gate
    // reads the version file (through the folder); show also lists the
    // files that changed (a diff, which names the commits and the folder).
    for path in ["services/auth/VERSION", "services/auth"] {
        let oid = id_of(path);
        let file = loose(f.repo(), &oid);
        let saved = std::fs::read(&file).unwrap();
        std::fs::remove_file(&file).unwrap();
        let gate = vec!["gate", "--record", s(&pending), "--records", s(&history)];
        let show = vec!["show", auth78.as_str(), "--records", s(&history)];
        let exact = match path {
            "services/auth" => format!("cannot read folder services/auth at commit {auth78}: object {oid}"),
            _ => format!("cannot read services/auth/VERSION at commit {auth78}: object {oid}"),
        };
        for (args, named) in [(gate, exact.as_str()), (show, path)] {
            let r = run(&f, &args);
            r.expect(2);
            assert_says(
                &format!("{path} {args:?}"),
                &r.stderr,
                &[named, &auth78, &oid, "missing from the repository", "git fetch --refetch", "full clone"],
            );
        }
        std::fs::write(&file, saved).unwrap();
    }
    // With every object back, the same gate passes.
    run(&f, &["gate", "--record", s(&pending), "--records", s(&history)]).expect(0);
}

// ---------------------------------------------------------------------------
// Item 4: a tag named like an abbreviated SHA.

#[test]
fn a_ref_named_like_an_abbreviated_sha_of_another_commit_is_refused_as_ambiguous() {
    let f = fixture("incident");
    let repo = Repository::open(f.repo()).unwrap();
    let web12 = f.sha("web-12");
    let short = &web12[..7];
    let elsewhere = repo.find_commit(git2::Oid::from_str(&f.sha("auth-78")).unwrap()).unwrap();
    repo.tag_lightweight(short, elsewhere.as_object(), false).unwrap();
    // A tag named like the full SHA changes nothing: a full SHA is the object.
    repo.tag_lightweight(&web12, elsewhere.as_object(), false).unwrap();
    // A tag named like the commit it points at is no ambiguity either.
    let init = f.sha("init");
    let init_short = &init[..8];
    let init_commit = repo.find_commit(git2::Oid::from_str(&init).unwrap()).unwrap();
    repo.tag_lightweight(init_short, init_commit.as_object(), false).unwrap();

    let log = f.write_records(
        "log.jsonl",
        &[
            json!({"id": "a", "commit": init_short, "deployed_at": "2023-03-01T09:00:00Z"}),
            json!({"id": "b", "commit": short, "deployed_at": "2023-03-14T09:00:00Z", "changes": ["WEB-12"]}),
        ],
    );
    let pending = f.write("pending.json", &json!({"id": "c", "commit": short, "changes": ["WEB-12"]}).to_string());
    let good = f.write_records("good.jsonl", &[json!({"id": "a", "commit": init_short})]);
    for args in [
        vec!["audit", "--records", s(&log)],
        vec!["gate", "--record", s(&pending), "--records", s(&good)],
        vec!["show", short, "--records", s(&good)],
    ] {
        let r = run(&f, &args);
        r.expect(2);
        assert_says(
            &format!("{args:?}"),
            &r.stderr,
            &[
                "is ambiguous",
                &format!("commit {web12}"),
                &format!("refs/tags/{short}"),
                "refname",
                "Write the full SHA",
            ],
        );
    }
    assert!(run(&f, &["audit", "--records", s(&log)]).stderr.contains("log.jsonl:2"), "the record is named");

    // The full SHA, and the tag's own name, each mean one commit.
    let log = f.write_records(
        "full.jsonl",
        &[
            json!({"id": "a", "commit": init_short, "deployed_at": "2023-03-01T09:00:00Z"}),
            json!({"id": "b", "commit": web12, "deployed_at": "2023-03-14T09:00:00Z", "changes": ["WEB-12"]}),
            json!({"id": "c", "commit": format!("refs/tags/{short}"), "deployed_at": "2023-03-29T09:00:00Z", "changes": ["AUTH-77", "BILL-31", "AUTH-78"]}),
        ],
    );
    let r = run(&f, &["--format", "json", "audit", "--records", s(&log)]);
    r.expect(0);
    let records = r.json()["records"].as_array().unwrap().clone();
    let commits: Vec<&str> = records.iter().map(|r| r["commit"].as_str().unwrap()).collect();
    assert_eq!(commits, [init.as_str(), web12.as_str(), elsewhere.id().to_string().as_str()]);
}

// ---------------------------------------------------------------------------
// Item 5: replacement refs.

#[test]
fn replacement_refs_are_refused_unless_git_is_told_to_ignore_them_too() {
    let f = fixture("incident");
    let repo = Repository::open(f.repo()).unwrap();
    let web12 = f.sha("web-12");
    let target = git2::Oid::from_str(&f.sha("auth-77")).unwrap();
    // What `git replace WEB12 AUTH77` writes.
    repo.reference(&format!("refs/replace/{web12}"), target, false, "test").unwrap();
    let log = f.records("deploys/production.jsonl");
    for args in [vec!["audit", "--records", s(&log)], vec!["trace", "AUTH-77", "--records", s(&log)]] {
        let mut all = vec!["--repo", s(f.repo())];
        all.extend_from_slice(&args);
        let r = run_at(f.dir.path(), &all);
        r.expect(2);
        assert_says(
            &format!("{args:?}"),
            &r.stderr,
            &[
                "replacement refs",
                &format!("refs/replace/{web12}"),
                &format!("as object {target}"),
                &format!("git replace -d {web12}"),
                "GIT_NO_REPLACE_OBJECTS=1",
            ],
        );
    }
    // When git ignores replacements too, shipcheck reads what git reads:
    // the incident's findings (exit 1).
    let audit = ["--repo", s(f.repo()), "audit", "--records", s(&log)];
    run_bounded(f.dir.path(), &audit, &[("GIT_NO_REPLACE_OBJECTS", "1")], LIMIT).expect(1);
    repo.config().unwrap().set_bool("core.useReplaceRefs", false).unwrap();
    run_at(f.dir.path(), &audit).expect(1);
}

// ---------------------------------------------------------------------------
// Item 8: a damaged object in a store other than the repository's own.

#[test]
fn a_damaged_loose_object_is_refused_from_a_linked_worktree_and_through_alternates() {
    if !git_cli("a_damaged_loose_object_is_refused_from_a_linked_worktree_and_through_alternates") {
        return;
    }
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let worktree = f.dir.path().join("linked");
    let shared = f.dir.path().join("shared");
    git_in(f.repo(), &["worktree", "add", "-q", "--detach", s(&worktree)]);
    git_in(f.dir.path(), &["clone", "-q", "--shared", s(f.repo()), s(&shared)]);
    // A clone of the shared clone: its alternates lead on to the first.
    let chained = f.dir.path().join("chained");
    git_in(f.dir.path(), &["clone", "-q", "--shared", s(&shared), s(&chained)]);
    assert!(shared.join(".git/objects/info/alternates").exists(), "--shared writes alternates");

    let web12 = f.sha("web-12");
    truncate(&loose(f.repo(), &web12));
    for cwd in [&worktree, &shared, &chained] {
        for args in [vec!["audit", "--records", s(&log)], vec!["show", "prod-42", "--records", s(&log)]] {
            let r = run_at(cwd, &args);
            r.expect(2);
            assert_says(&format!("{} {args:?}", cwd.display()), &r.stderr, &[&web12, "is damaged", "git fsck"]);
        }
    }

    // GIT_ALTERNATE_OBJECT_DIRECTORIES is checked as well.
    let g = fixture("incident");
    let extra = g.dir.path().join("extra-objects");
    let moved = extra.join(&web12[..2]).join(&web12[2..]);
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::copy(loose(g.repo(), &web12), &moved).unwrap();
    truncate(&moved);
    let glog = g.records("deploys/production.jsonl");
    let r = run_bounded(
        g.dir.path(),
        &["--repo", s(g.repo()), "audit", "--records", s(&glog)],
        &[("GIT_ALTERNATE_OBJECT_DIRECTORIES", s(&extra))],
        LIMIT,
    );
    r.expect(2);
    assert_says("GIT_ALTERNATE_OBJECT_DIRECTORIES", &r.stderr, &[&web12, "is damaged", s(&moved)]);
}

// ---------------------------------------------------------------------------
// Item 10: devices, pipes and oversized inputs.

#[test]
fn devices_pipes_links_to_them_and_oversized_inputs_are_refused_naming_the_file() {
    let f = fixture("incident");
    let root = f.repo();
    // A record file and a changelog committed as links to /dev/zero.
    std::fs::create_dir_all(root.join("deploys")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("deploys/zero.jsonl")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("CHANGELOG.md")).unwrap();
    let repo = Repository::open(root).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("deploys/zero.jsonl")).unwrap();
    index.add_path(Path::new("CHANGELOG.md")).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "Link the deploy log to /dev/zero", &tree, &[&head]).unwrap();
    let entry = repo.head().unwrap().peel_to_tree().unwrap().get_path(Path::new("CHANGELOG.md")).unwrap().filemode();
    assert_eq!(entry, 0o120000, "committed as a symbolic link");

    let log = f.records("deploys/production.jsonl");
    let device = ["is a character device", "(a symbolic link to /dev/zero)", "reads only regular files"];
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["audit", "--records", "deploys/zero.jsonl"], vec!["record file deploys/zero.jsonl"]),
        (vec!["audit", "--records", "changelog:CHANGELOG.md"], vec!["changelog CHANGELOG.md"]),
        (
            vec!["gate", "--record", "deploys/zero.jsonl", "--records", s(&log)],
            vec!["pending record deploys/zero.jsonl"],
        ),
        (
            vec!["--config", "deploys/zero.jsonl", "audit", "--records", s(&log)],
            vec!["configuration deploys/zero.jsonl"],
        ),
    ];
    for (args, names) in &cases {
        let r = run_at(root, args);
        r.expect(2);
        let mut words = names.clone();
        words.extend(device);
        assert_says(&format!("{args:?}"), &r.stderr, &words);
    }
    let r = run_at(root, &["gate", "--record", "/dev/zero", "--records", s(&log)]);
    r.expect(2);
    assert_says("gate --record /dev/zero", &r.stderr, &["pending record /dev/zero is a character device"]);

    // In a bare clone the changelog is read from HEAD's tree, where it is
    // a link: refused too, never read as its target's name.
    let bare = f.dir.path().join("bare.git");
    git2::build::RepoBuilder::new().bare(true).clone(s(root), &bare).unwrap();
    let r = run_at(f.dir.path(), &["--repo", s(&bare), "audit", "--records", "changelog:CHANGELOG.md"]);
    r.expect(2);
    assert_says("bare changelog", &r.stderr, &["changelog CHANGELOG.md", "symbolic link in HEAD's tree"]);

    // A named pipe, and a folder holding a link to a device.
    let fifo = f.dir.path().join("pipe.jsonl");
    let made = isolated_command("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    if !made {
        crate::common::lacking(
            "devices_pipes_links_to_them_and_oversized_inputs_are_refused_naming_the_file",
            "`mkfifo` did not make a pipe",
        );
    }
    if made {
        let r = run_at(f.dir.path(), &["--repo", s(root), "audit", "--records", s(&fifo)]);
        r.expect(2);
        assert_says("fifo", &r.stderr, &["pipe.jsonl", "is a named pipe (FIFO)"]);
    } else {
        eprintln!("mkfifo is not installed: the named-pipe case is skipped");
    }
    let folder = f.dir.path().join("records");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.json"), json!({"id": "a", "commit": "HEAD"}).to_string()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", folder.join("b.json")).unwrap();
    let r = run_at(f.dir.path(), &["--repo", s(root), "audit", "--records", s(&folder)]);
    r.expect(2);
    assert_says("folder", &r.stderr, &["b.json", "is a character device"]);

    // Sparse files larger than the caps are refused before anything is read.
    let huge = f.dir.path().join("huge.jsonl");
    std::fs::File::create(&huge).unwrap().set_len((256 << 20) + 1).unwrap();
    let r = run_at(f.dir.path(), &["--repo", s(root), "audit", "--records", s(&huge)]);
    r.expect(2);
    assert_says("huge log", &r.stderr, &["huge.jsonl", "more than the 256 MiB shipcheck reads"]);
    let big = f.dir.path().join("big.json");
    std::fs::File::create(&big).unwrap().set_len((16 << 20) + 1).unwrap();
    let r = run_at(f.dir.path(), &["--repo", s(root), "gate", "--record", s(&big), "--records", s(&log)]);
    r.expect(2);
    assert_says("big pending", &r.stderr, &["pending record", "big.json", "more than the 16 MiB shipcheck reads"]);
}

// ---------------------------------------------------------------------------
// Item 12: tag patterns in linear time.

#[test]
fn a_tag_pattern_with_many_stars_against_long_tag_names_finishes_in_seconds() {
    let f = fixture("incident");
    let repo = Repository::open(f.repo()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    // Names of almost a thousand bytes (path components stay under the
    // file-name limit): libgit2's matcher took over half a minute on one.
    let part = "a".repeat(240);
    for i in 0..3 {
        repo.tag_lightweight(&format!("{part}/{part}/{part}/{part}{i}"), head.as_object(), false).unwrap();
    }
    repo.tag_lightweight("java-ab", head.as_object(), false).unwrap();
    let ids = |r: &Run| -> Vec<String> {
        r.json()["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    };
    let r = run_at(f.dir.path(), &["--repo", s(f.repo()), "--format", "json", "audit", "--records", "tags:*a*a*a*b"]);
    r.expect(0);
    assert_eq!(ids(&r), ["java-ab"]);
    // git's semantics: `*` crosses `/`, `?` is one byte, `[...]` a set.
    let r = run_at(
        f.dir.path(),
        &["--repo", s(f.repo()), "--format", "json", "audit", "--records", "tags:v2023.03.[2-9]?"],
    );
    assert_eq!(ids(&r), ["v2023.03.28"]);
    let r = run_at(f.dir.path(), &["--repo", s(f.repo()), "--format", "json", "audit", "--records", "tags:a*/*2"]);
    assert_eq!(ids(&r), [format!("{part}/{part}/{part}/{part}2")]);
}
