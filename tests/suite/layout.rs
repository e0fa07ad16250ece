//! The test suite's own shape: one binary whose `suite` modules are every
//! file under tests/suite/, so a test file that is not listed cannot sit
//! there silently never running.

use std::path::Path;

#[test]
fn every_file_under_tests_suite_is_part_of_the_test_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let main = std::fs::read_to_string(root.join("tests.rs")).unwrap();
    let declared: Vec<&str> = main
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ").and_then(|m| m.strip_suffix(';')))
        .map(str::trim)
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(root.join("suite"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "tests/suite/ holds the suites: {files:?}");
    let missing: Vec<&String> = files.iter().filter(|f| !declared.contains(&f.as_str())).collect();
    assert!(missing.is_empty(), "tests/suite/ files not declared in tests/tests.rs (they never run): {missing:?}");
}
