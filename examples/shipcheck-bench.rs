//! shipcheck-bench: measures `shipcheck audit` and `gate` against the git
//! command line doing the same reading, on the same data, in the same run.
//! A Cargo example, so that `cargo install` leaves it out; it times the
//! `shipcheck` binary of its own profile, which it does not build:
//!
//!   cargo build --release
//!   cargo run --release --example shipcheck-bench -- synthetic [--commits N] [--components N] [--records N] [--runs N] [--curve] [--dir DIR]
//!   cargo run --release --example shipcheck-bench -- repo PATH [--tags PATTERN] [--from TAG] [--to TAG] [--runs N] [--config FILE]
//!
//! `synthetic` writes a deterministic history with `git fast-import`
//! (components c00…, one ticket key per commit, merges of short topic
//! branches, version bumps) and a deploy log whose records claim what their
//! ranges carry, with a few deliberate mistakes. `repo` writes one record per
//! tag matching PATTERN (in version order) of any repository. Both then time,
//! alternating, `shipcheck audit` and the git command line's equivalent
//! reading (`git log --format=%H%x00%B first..last` plus one
//! `git diff --name-only` per record), and print medians, the ratio and peak
//! memory (`/usr/bin/time -f %M` when installed). `synthetic` also times a
//! `gate` of the last record against all earlier ones, beside `git log` over
//! that deploy's range alone.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use shipcheck::time::Timestamp;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("synthetic") => synthetic(&args[1..]),
        Some("repo") => real_repo(&args[1..]),
        _ => Err("usage: shipcheck-bench synthetic [--commits N] [--components N] [--records N] [--runs N] [--curve] [--dir DIR]\n       shipcheck-bench repo PATH [--tags PATTERN] [--from TAG] [--to TAG] [--runs N] [--config FILE]".to_string()),
    };
    if let Err(e) = result {
        eprintln!("shipcheck-bench: {e}");
        std::process::exit(2);
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn number(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    match flag(args, name) {
        Some(v) => v.parse().map_err(|_| format!("{name} needs a number, not {v:?}")),
        None => Ok(default),
    }
}

/// The shipcheck binary of this example's profile: this one is
/// target/PROFILE/examples/shipcheck-bench, that one target/PROFILE/shipcheck.
fn shipcheck_bin() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))?;
    let mut dir = me.parent().unwrap_or(Path::new("."));
    if dir.file_name().is_some_and(|name| name == "examples") {
        dir = dir.parent().unwrap_or(dir);
    }
    let bin = dir.join(format!("shipcheck{}", std::env::consts::EXE_SUFFIX));
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("no shipcheck binary at {}: build it first (`cargo build --release`)", bin.display()))
    }
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What the generator knows about each mainline commit.
struct MainCommit {
    mark: usize,
    time: i64,
    changes: Vec<String>,
    components: Vec<usize>,
}

struct Synthetic {
    repo: PathBuf,
    log: PathBuf,
    pending: PathBuf,
    history: PathBuf,
    commits: usize,
    last_range: (String, String),
    ranges: Vec<(String, String)>,
}

/// Writes a synthetic repository and deploy log under `dir`.
fn generate(dir: &Path, commits: usize, components: usize, records: usize) -> Result<Synthetic, String> {
    let repo = dir.join("repo");
    if repo.exists() {
        std::fs::remove_dir_all(&repo).map_err(|e| e.to_string())?;
    }
    run_ok(Command::new("git").args(["init", "-q", "-b", "main", "--bare"]).arg(&repo))?;
    let mut rng = Rng(0x5EED_0000 + commits as u64);
    let mut stream = String::new();
    let mut main: Vec<MainCommit> = Vec::new();
    let mut versions = vec![(1u32, 0u32); components];
    let mut mark = 0usize;
    let mut time: i64 = 1_600_000_000;
    let mut made = 0usize;
    let mut ticket = 0usize;
    // The configuration, in the first commit.
    let mut config = String::new();
    for c in 0..components {
        let _ = write!(config, "[components.c{c:02}]\npaths = [\"c{c:02}/\"]\nversion_file = \"c{c:02}/VERSION\"\n\n");
    }
    let mut last_main: Option<usize> = None;
    while made < commits {
        let topic = made > 0 && rng.below(40) == 0 && commits - made > 4;
        if topic {
            // A short topic branch from the current tip, merged back.
            let base = last_main.unwrap_or(1);
            let mut tip = base;
            let mut changes = Vec::new();
            let mut comps = Vec::new();
            let mut files = String::new();
            for _ in 0..3 {
                mark += 1;
                time += 60;
                ticket += 1;
                let c = rng.below(components as u64) as usize;
                let key = format!("C{c:02}-{ticket}");
                let _ = write!(
                    stream,
                    "commit refs/heads/topic\nmark :{mark}\ncommitter Dev <dev@example.com> {time} +0000\ndata <<EOM\n{key}: topic work on c{c:02}\nEOM\nfrom :{tip}\nM 644 inline c{c:02}/src/topic{ticket}.txt\ndata <<EOM\n{ticket}\nEOM\n\n"
                );
                let _ = write!(files, "M 644 inline c{c:02}/src/topic{ticket}.txt\ndata <<EOM\n{ticket}\nEOM\n");
                tip = mark;
                changes.push(key);
                comps.push(c);
                made += 1;
            }
            mark += 1;
            time += 60;
            let _ = write!(
                stream,
                "commit refs/heads/main\nmark :{mark}\ncommitter Dev <dev@example.com> {time} +0000\ndata <<EOM\nMerge branch 'topic'\nEOM\nfrom :{base}\nmerge :{tip}\n{files}\n"
            );
            main.push(MainCommit { mark, time, changes, components: comps });
            last_main = Some(mark);
            made += 1;
            continue;
        }
        mark += 1;
        time += 60 + rng.below(600) as i64;
        ticket += 1;
        let c = rng.below(components as u64) as usize;
        let key = format!("C{c:02}-{ticket}");
        let mut body = format!("{key}: change {ticket} in c{c:02}\n\nSome explanation of the change.\n");
        if rng.below(10) == 0 {
            body.push_str("\nSigned-off-by: Dev <dev@example.com>\n");
        }
        let _ = write!(
            stream,
            "commit refs/heads/main\nmark :{mark}\ncommitter Dev <dev@example.com> {time} +0000\ndata {}\n{body}\n",
            body.len()
        );
        if let Some(prev) = last_main {
            let _ = writeln!(stream, "from :{prev}");
        } else {
            let _ = write!(stream, "M 644 inline shipcheck.toml\ndata {}\n{config}\n", config.len());
            for (k, (major, minor)) in versions.iter().enumerate() {
                let v = format!("{major}.{minor}.0\n");
                let _ = write!(stream, "M 644 inline c{k:02}/VERSION\ndata {}\n{v}\n", v.len());
            }
        }
        let file = format!("{ticket}\n");
        let _ = write!(stream, "M 644 inline c{c:02}/src/f{}.txt\ndata {}\n{file}\n", ticket % 50, file.len());
        if rng.below(20) == 0 {
            versions[c].1 += 1;
            let v = format!("{}.{}.0\n", versions[c].0, versions[c].1);
            let _ = write!(stream, "M 644 inline c{c:02}/VERSION\ndata {}\n{v}\n", v.len());
        }
        stream.push('\n');
        main.push(MainCommit { mark, time, changes: vec![key], components: vec![c] });
        last_main = Some(mark);
        made += 1;
    }
    let marks = dir.join("marks");
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet", "--force"])
        .arg(format!("--export-marks={}", marks.display()))
        .current_dir(&repo)
        .env("GIT_DIR", &repo)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git fast-import: {e}"))?;
    child.stdin.take().ok_or("no stdin")?.write_all(stream.as_bytes()).map_err(|e| e.to_string())?;
    if !child.wait().map_err(|e| e.to_string())?.success() {
        return Err("git fast-import failed".into());
    }
    let marks_text = std::fs::read_to_string(&marks).map_err(|e| e.to_string())?;
    let mut sha = vec![String::new(); mark + 1];
    for line in marks_text.lines() {
        if let Some((m, s)) = line.split_once(' ') {
            if let Ok(m) = m.trim_start_matches(':').parse::<usize>() {
                if m < sha.len() {
                    sha[m] = s.to_string();
                }
            }
        }
    }

    // Records: evenly spaced deploys; each claims what its range carries,
    // except a few that drop a change, claim one too early, or skip a component.
    let records = records.clamp(2, main.len());
    // Deploy r covers main[.. (r + 1) * len / records]: ranges of equal size.
    let mut lines = Vec::new();
    let mut ranges = Vec::new();
    let mut prev_at: Option<usize> = None;
    let mut prev_versions = vec![(1u32, 0u32); components];
    for r in 0..records {
        let at = (r + 1) * main.len() / records - 1;
        let from = prev_at.map_or(0, |p| p + 1);
        let mut changes: Vec<String> = Vec::new();
        let mut comps: Vec<usize> = Vec::new();
        for m in &main[from..=at] {
            changes.extend(m.changes.iter().cloned());
            comps.extend(m.components.iter().copied());
        }
        comps.sort_unstable();
        comps.dedup();
        let _ = &mut prev_versions;
        if r > 0 && r % 50 == 7 && !changes.is_empty() {
            changes.pop(); // shipped-not-claimed
        }
        if r > 0 && r % 50 == 23 && at + 1 < main.len() {
            changes.extend(main[at + 1].changes.iter().cloned()); // claimed-not-shipped, ships next time
        }
        let mut record = serde_json::json!({
            "id": format!("d{r:05}"),
            "environment": "production",
            "commit": sha[main[at].mark],
            "deployed_at": Timestamp(main[at].time + 30).to_string(),
        });
        if r > 0 {
            record["changes"] = serde_json::json!(changes);
            record["components"] = serde_json::json!(comps.iter().map(|c| format!("c{c:02}")).collect::<Vec<_>>());
        }
        if let Some(p) = prev_at {
            ranges.push((sha[main[p].mark].clone(), sha[main[at].mark].clone()));
        }
        lines.push(record.to_string());
        prev_at = Some(at);
    }
    let log = dir.join("deploys.jsonl");
    std::fs::write(&log, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
    let history = dir.join("history.jsonl");
    std::fs::write(&history, lines[..lines.len() - 1].join("\n") + "\n").map_err(|e| e.to_string())?;
    let pending = dir.join("pending.json");
    std::fs::write(&pending, &lines[lines.len() - 1]).map_err(|e| e.to_string())?;
    let last_range = ranges.last().cloned().unwrap_or_default();
    Ok(Synthetic { repo, log, pending, history, commits: made, last_range, ranges })
}

fn run_ok(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Runs a command `runs` times (alternating with the other side is up to the
/// caller); returns wall seconds and peak memory in KiB (when measurable).
fn time_once(program: &Path, args: &[String], cwd: &Path) -> Result<(f64, Option<u64>), String> {
    let gnu_time = Path::new("/usr/bin/time");
    let mem_file = std::env::temp_dir().join(format!("shipcheck-bench-mem-{}", std::process::id()));
    let mut cmd = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.arg("-f").arg("%M").arg("-o").arg(&mem_file).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    };
    cmd.current_dir(cwd).stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output().map_err(|e| format!("{}: {e}", program.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let code = out.status.code().unwrap_or(-1);
    if code != 0 && code != 1 {
        return Err(format!("{} {args:?} exited {code}: {}", program.display(), String::from_utf8_lossy(&out.stderr)));
    }
    let mem = std::fs::read_to_string(&mem_file).ok().and_then(|s| s.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&mem_file);
    Ok((secs, mem))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

/// The git command line's reading of a history: one `git log` over the
/// whole range, one `git diff --name-only` per record.
fn git_script(ranges: &[(String, String)]) -> String {
    let mut s = String::from("set -e\n");
    if let (Some(first), Some(last)) = (ranges.first(), ranges.last()) {
        let _ = writeln!(s, "git log --format=%H%x00%B {}..{} >/dev/null", first.0, last.1);
    }
    for (a, b) in ranges {
        let _ = writeln!(s, "git diff --name-only {a} {b} >/dev/null");
    }
    s
}

struct Measured {
    ours: f64,
    git: f64,
    ours_mem: Option<u64>,
    git_mem: Option<u64>,
}

fn compare(runs: usize, ours: (&Path, Vec<String>), git: &str, cwd: &Path) -> Result<Measured, String> {
    let script = std::env::temp_dir().join(format!("shipcheck-bench-git-{}.sh", std::process::id()));
    std::fs::write(&script, git).map_err(|e| e.to_string())?;
    let bash = PathBuf::from("bash");
    let (mut a, mut b, mut am, mut bm) = (Vec::new(), Vec::new(), None, None);
    for _ in 0..runs.max(1) {
        let (t, m) = time_once(ours.0, &ours.1, cwd)?;
        a.push(t);
        am = am.max(m);
        let (t, m) = time_once(&bash, &[script.display().to_string()], cwd)?;
        b.push(t);
        bm = bm.max(m);
    }
    let _ = std::fs::remove_file(&script);
    Ok(Measured { ours: median(&mut a), git: median(&mut b), ours_mem: am, git_mem: bm })
}

fn mem(m: Option<u64>) -> String {
    m.map_or_else(|| "n/a".to_string(), |k| format!("{:.0} MB", k as f64 / 1024.0))
}

fn report(label: &str, m: &Measured) {
    println!(
        "{label:<34} shipcheck {:>7.3} s ({:>7})   git {:>7.3} s ({:>7})   ratio {:.2}x",
        m.ours,
        mem(m.ours_mem),
        m.git,
        mem(m.git_mem),
        m.ours / m.git.max(1e-9)
    );
}

/// `shipcheck --repo REPO --format json`, then `rest`.
fn json_command(repo: &Path, rest: &[&str]) -> Vec<String> {
    let mut args = vec!["--repo".to_string(), repo.display().to_string(), "--format".into(), "json".into()];
    args.extend(rest.iter().map(|a| a.to_string()));
    args
}

fn synthetic(args: &[String]) -> Result<(), String> {
    let commits = number(args, "--commits", 100_000)?;
    let components = number(args, "--components", 50)?;
    let records = number(args, "--records", 2_000)?;
    let runs = number(args, "--runs", 3)?;
    let curve = args.iter().any(|a| a == "--curve");
    let keep = flag(args, "--dir").map(PathBuf::from);
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = keep.unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let bin = shipcheck_bin()?;
    println!(
        "machine: {} cores; shipcheck: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        bin.display()
    );
    let sizes: Vec<usize> = if curve { vec![commits / 4, commits / 2, commits, commits * 2] } else { vec![commits] };
    let mut previous: Option<(usize, f64)> = None;
    for size in sizes {
        let t = Instant::now();
        let s = generate(&dir.join(format!("h{size}")), size, components, records)?;
        println!(
            "synthetic history: {} commits, {components} components, {records} records (written in {:.1} s)",
            s.commits,
            t.elapsed().as_secs_f64()
        );
        let audit_args = json_command(&s.repo, &["audit", "--records", &s.log.display().to_string()]);
        let m = compare(runs, (&bin, audit_args), &git_script(&s.ranges), &s.repo)?;
        report(&format!("audit, {} commits", s.commits), &m);
        if let Some((n0, t0)) = previous {
            println!(
                "  growth: {:.2}x the commits took {:.2}x the time",
                s.commits as f64 / n0 as f64,
                m.ours / t0.max(1e-9)
            );
        }
        previous = Some((s.commits, m.ours));
        let gate_args = json_command(
            &s.repo,
            &["gate", "--record", &s.pending.display().to_string(), "--records", &s.history.display().to_string()],
        );
        let (a, b) = &s.last_range;
        let git_range = format!("set -e\ngit log --format=%H%x00%B {a}..{b} >/dev/null\n");
        let m = compare(runs, (&bin, gate_args), &git_range, &s.repo)?;
        report(&format!("gate vs {} earlier records", records - 1), &m);
    }
    Ok(())
}

fn real_repo(args: &[String]) -> Result<(), String> {
    let path = args.first().filter(|a| !a.starts_with("--")).ok_or("repo: give the repository's path")?;
    let repo = PathBuf::from(path);
    let pattern = flag(args, "--tags").unwrap_or_else(|| "v*".to_string());
    let runs = number(args, "--runs", 5)?;
    let out = Command::new("git")
        .args(["tag", "--list", &pattern, "--sort=v:refname", "--format=%(refname:short) %(creatordate:iso-strict)"])
        .env("GIT_DIR", git_dir(&repo))
        .output()
        .map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    let mut tags = Vec::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((tag, date)) = l.split_once(' ') else { continue };
        tags.push(tag.to_string());
        lines.push(
            serde_json::json!({"id": tag, "environment": "release", "release": tag, "deployed_at": date}).to_string(),
        );
    }
    // --from/--to cut the version-sorted list (inclusive).
    if let Some(from) = flag(args, "--from") {
        let at = tags.iter().position(|t| *t == from).ok_or(format!("--from {from}: no such tag among the matches"))?;
        tags.drain(..at);
        lines.drain(..at);
    }
    if let Some(to) = flag(args, "--to") {
        let at = tags.iter().position(|t| *t == to).ok_or(format!("--to {to}: no such tag among the matches"))?;
        tags.truncate(at + 1);
        lines.truncate(at + 1);
    }
    if tags.len() < 2 {
        return Err(format!("fewer than two tags match {pattern:?}"));
    }
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let log = temp.path().join("releases.jsonl");
    std::fs::write(&log, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
    let config = flag(args, "--config").map(|c| ["--config".to_string(), c]);
    let mut audit_args = json_command(&repo, &[]);
    audit_args.extend(config.into_iter().flatten());
    audit_args.extend(["audit", "--records", &log.display().to_string(), "--fail-on", "never"].map(String::from));
    let ranges: Vec<(String, String)> = tags.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect();
    println!(
        "machine: {} cores; repository {}: {} tags matching {pattern:?} ({}..{})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        repo.display(),
        tags.len(),
        tags[0],
        tags[tags.len() - 1]
    );
    let m = compare(runs, (&shipcheck_bin()?, audit_args), &git_script(&ranges), &git_dir(&repo))?;
    report(&format!("audit, {} records", tags.len()), &m);
    Ok(())
}

fn git_dir(repo: &Path) -> PathBuf {
    let dot = repo.join(".git");
    if dot.exists() {
        dot
    } else {
        repo.to_path_buf()
    }
}
