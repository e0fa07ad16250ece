//! The fuzz targets' bodies for the record sources (fuzz/checks/), run over
//! their seed corpora (fuzz/corpus/TARGET/) in the normal suite, so the
//! checks hold on stable Rust and in CI without libFuzzer or nightly.
//! The long runs are `cargo +nightly fuzz run TARGET` (fuzz/README.md).

use std::path::PathBuf;

#[path = "../../fuzz/checks/mod.rs"]
mod checks;

/// Every seed of a target, and each cut in half and doubled: a handful of
/// inputs the fuzzer would try first.
fn each_seed(target: &str, body: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let cut = &bytes[..bytes.len() / 2];
        let twice = [bytes.as_slice(), bytes.as_slice()].concat();
        for input in [bytes.as_slice(), cut, twice.as_slice()] {
            let outcome = std::panic::catch_unwind(|| body(input));
            assert!(outcome.is_ok(), "{target} fails on {} (or a cut of it)", path.display());
        }
        n += 1;
    }
    assert!(n >= 4, "{target} has a seed corpus ({n} files in {})", dir.display());
}

#[test]
fn changelog_parse_holds_on_its_seed_corpus() {
    each_seed("changelog_parse", checks::changelog_parse);
}

#[test]
fn notes_records_holds_on_its_seed_corpus() {
    each_seed("notes_records", checks::notes_records);
}

#[test]
fn tags_source_holds_on_its_seed_corpus() {
    each_seed("tags_source", checks::tags_source);
}
