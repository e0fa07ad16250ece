//! The bodies of the fuzz targets for the record sources, shared by the
//! libFuzzer targets (`fuzz_targets/*.rs`) and the normal test suite
//! (`tests/suite/fuzz_corpus.rs` runs each over its seed corpus in
//! `fuzz/corpus/`), so the checks are exercised on stable Rust too.
//! Each takes arbitrary bytes and panics only on a broken invariant.

#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::OnceLock;

use shipcheck::config::{ChangePatterns, SourceConfig};
use shipcheck::records::changelog;
use shipcheck::records::{from_changelog, from_tags, histories, records_from_note, version_of_tag};
use shipcheck::records::{RecordKind, TagInfo};
use shipcheck::time::Timestamp;

/// `changelog:PATH` on arbitrary text: sections or an error with a line;
/// each section's claims and mentions without duplicates and disjoint,
/// released versions unique; the records it gives form one history.
pub fn changelog_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.split('\n').count();
    // Compiled once: compiling the patterns would cost more than parsing.
    static PATTERNS: OnceLock<[ChangePatterns; 2]> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        let custom = ChangePatterns::custom(&["[A-Z]+-[0-9]+".to_string()]).expect("valid pattern");
        [ChangePatterns::defaults(), custom]
    });
    for patterns in patterns {
        let sections = match changelog::parse(text, patterns) {
            Ok(s) => s,
            Err(e) => {
                assert!(e.line >= 1 && e.line <= lines.max(1), "error line {} of {lines}", e.line);
                assert!(!e.message.is_empty());
                continue;
            }
        };
        let mut versions = HashSet::new();
        for s in &sections {
            assert!(s.line >= 1 && s.line <= lines, "section line {} of {lines}", s.line);
            assert_eq!(s.unreleased, s.version.is_empty(), "{s:?}");
            if !s.unreleased {
                assert!(versions.insert(s.version.clone()), "version {} twice", s.version);
                assert!(s.title.contains(&s.version) || s.title.contains(['[', ']', '*', '_', '`']), "{s:?}");
            }
            let claims: HashSet<&String> = s.claims.iter().collect();
            assert_eq!(claims.len(), s.claims.len(), "duplicate claim: {s:?}");
            let mentions: HashSet<&String> = s.mentions.iter().collect();
            assert_eq!(mentions.len(), s.mentions.len(), "duplicate mention: {s:?}");
            assert!(claims.is_disjoint(&mentions), "claimed and mentioned: {s:?}");
            assert!(s.claims.iter().chain(&s.mentions).all(|c| !c.is_empty()));
        }
        let source = SourceConfig::default();
        let (records, unreleased) = from_changelog(&sections, "CHANGELOG.md", None, &source, &|_| false);
        assert_eq!(records.len() + unreleased, sections.len());
        let hs = histories(records, None).expect("released versions are unique, and so are their release names");
        assert!(hs.len() <= 1);
    }
}

/// A note's text read as `notes:REF` reads it: records (each about the
/// annotated commit unless it names one) or an error naming the note.
pub fn notes_records(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
    const NAME: &str = "notes:deploys@0123456789ab";
    let source = SourceConfig { environment: Some("production".into()), ..SourceConfig::default() };
    let records = match records_from_note(&source, "deploys", COMMIT, text) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.starts_with(NAME), "error does not name the note: {msg}");
            return;
        }
    };
    for r in &records {
        assert!(r.origin.file == NAME, "{:?}", r.origin);
        assert!(r.commit.as_deref().is_some_and(|c| !c.is_empty()), "every record has a commit");
        assert!(!r.id.trim().is_empty() && !r.environment.is_empty());
    }
    let n = records.len();
    match histories(records, None) {
        Ok(hs) => assert_eq!(hs.iter().map(|h| h.records.len()).sum::<usize>(), n),
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.starts_with(NAME) && msg.contains("used twice"), "{msg}");
        }
    }
}

/// `tags:PATTERN` on arbitrary tag names (one a line; the first byte of
/// each also picks a date or none): one release record per tag, the
/// version read from a name is its tail and has an order key, and the
/// records form one history holding every tag.
pub fn tags_source(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut seen = HashSet::new();
    let tags: Vec<TagInfo> = text
        .split('\n')
        .filter(|n| !n.trim().is_empty() && seen.insert(n.to_string()))
        .enumerate()
        .map(|(i, name)| {
            let time = (name.len() % 3 != 0).then(|| Timestamp(1_600_000_000 + (i as i64 % 7) * 86_400));
            TagInfo { name: name.to_string(), time }
        })
        .collect();
    for t in &tags {
        if let Some(v) = version_of_tag(&t.name) {
            assert!(t.name.ends_with(&v), "{v:?} is not the tail of {:?}", t.name);
            assert!(shipcheck::version::Version::parse(&v).is_some(), "{v:?} has no order key");
        }
    }
    let source = SourceConfig::default();
    let records = from_tags(&tags, "*", &source);
    assert_eq!(records.len(), tags.len());
    for (r, t) in records.iter().zip(&tags) {
        assert_eq!((r.id.as_str(), r.release.as_deref()), (t.name.as_str(), Some(t.name.as_str())));
        assert!(r.source.release_history && r.changes.is_none() && r.kind == RecordKind::Deploy);
    }
    let hs = histories(records, None).expect("tag names are unique");
    let mut ids: Vec<&str> = hs.iter().flat_map(|h| h.records.iter().map(|r| r.id.as_str())).collect();
    let mut names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    ids.sort_unstable();
    names.sort_unstable();
    assert_eq!(ids, names, "the history holds every tag once");
}
