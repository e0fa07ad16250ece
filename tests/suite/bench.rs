//! The benchmark keeps working: a small configuration of `shipcheck-bench`
//! runs here (figures are printed, never asserted).

use std::path::PathBuf;

/// The benchmark example, where `cargo test` builds it (it builds the
/// examples before running any test): target/PROFILE/examples/, beside the
/// folder of the shipcheck binary it times. Missing is a failure, not a skip.
fn bench_example() -> PathBuf {
    let shipcheck = PathBuf::from(env!("CARGO_BIN_EXE_shipcheck"));
    let dir = shipcheck.parent().expect("the binary is in a folder").join("examples");
    let bench = dir.join(format!("shipcheck-bench{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bench.is_file(),
        "{} is missing: plain `cargo test` builds it; with a target filter such as `--test tests`, \
         build it first with `cargo build --example shipcheck-bench`",
        bench.display()
    );
    bench
}

#[test]
fn small_synthetic_benchmark_runs_and_reports_both_sides() {
    // The benchmark times git's own commands beside shipcheck's.
    if !crate::common::installed("small_synthetic_benchmark_runs_and_reports_both_sides", "git") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = crate::common::isolated_command(bench_example())
        .args(["synthetic", "--commits", "600", "--components", "6", "--records", "12", "--runs", "1", "--dir"])
        .arg(dir.path())
        .output()
        .expect("shipcheck-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    let audit = stdout.lines().find(|l| l.starts_with("audit, 6")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(audit.contains("shipcheck") && audit.contains("git") && audit.contains("ratio"), "{audit}");
    assert!(stdout.lines().any(|l| l.starts_with("gate vs 11 earlier records")), "{stdout}");
    // The synthetic deploy log has deliberate mistakes, and shipcheck finds them.
    let repo = dir.path().join("h600/repo");
    let log = dir.path().join("h600/deploys.jsonl");
    let r = crate::common::run_in(
        dir.path(),
        &["--repo", repo.to_str().unwrap(), "--format", "json", "audit", "--records", log.to_str().unwrap()],
    );
    let v = r.json();
    assert!(v["summary"]["records"] == 12, "{}", v["summary"]);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "shipped-not-claimed"), "{}", r.stdout);
}
