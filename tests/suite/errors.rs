//! Unusable input is typed where it arises: tests (and callers) can tell
//! whether the repository, a record source or the configuration was at
//! fault, not only read a sentence; the binary exits 2 for each.

use shipcheck::error::{Error, Kind};
use shipcheck::pipeline::Session;
use shipcheck::records::SourceSpec;

use crate::common::{fixture, run};

fn kind_of<T>(r: anyhow::Result<T>) -> Option<Kind> {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => Error::kind_of(&e),
    }
}

#[test]
fn a_folder_outside_any_repository_is_a_repository_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(kind_of(Session::open(dir.path(), None)), Some(Kind::Repository));
}

#[test]
fn a_malformed_configuration_is_a_configuration_error() {
    let f = fixture("incident");
    let bad = f.write("bad.toml", "[components.auth]\npaths = 3\n");
    assert_eq!(kind_of(Session::open(f.repo(), Some(&bad))), Some(Kind::Configuration));
    let out = run(&f, &["--config", bad.to_str().unwrap(), "audit"]);
    out.expect(2);
    assert!(out.stderr.contains("bad.toml"), "{}", out.stderr);
}

#[test]
fn a_malformed_or_missing_record_source_is_a_source_error() {
    let f = fixture("incident");
    let session = Session::open(f.repo(), None).unwrap();
    let broken = f.write("broken.jsonl", "{\"id\": \"x\", \"commit\": \n");
    let spec = SourceSpec::parse(broken.to_str().unwrap());
    assert_eq!(kind_of(session.records(&[spec])), Some(Kind::Source));
    let missing = SourceSpec::parse("changelog:NOPE.md");
    assert_eq!(kind_of(session.records(&[missing])), Some(Kind::Source));
    let dup = f.write("dup.jsonl", "{\"id\":\"a\",\"commit\":\"HEAD\"}\n{\"id\":\"a\",\"commit\":\"HEAD\"}\n");
    let spec = SourceSpec::parse(dup.to_str().unwrap());
    assert_eq!(kind_of(session.histories(&[spec], None)), Some(Kind::Source));
}
