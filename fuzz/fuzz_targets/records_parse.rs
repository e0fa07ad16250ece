//! Record text (JSON array, JSON Lines, one object) → records or an error
//! that names the file; then defaults, dates and histories. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipcheck::config::SourceConfig;
use shipcheck::records::{finish, histories, parse_records, parse_single, Origin};

const NAME: &str = "fuzz.jsonl";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = parse_single(NAME, text) {
        let msg = format!("{e:#}");
        assert!(msg.starts_with(NAME), "error does not name the file: {msg}");
    }
    let parsed = match parse_records(NAME, text) {
        Ok(p) => p,
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.starts_with(NAME), "error does not name the file: {msg}");
            return;
        }
    };
    let source = SourceConfig { environment: Some("fuzz".into()), ..SourceConfig::default() };
    let mut records = Vec::new();
    for (raw, line) in parsed {
        match finish(raw, Origin { file: NAME.into(), line }, &source) {
            Ok(r) => {
                if let Some(t) = r.deployed_at {
                    let _ = (t.to_string(), t.human(), t.date());
                }
                records.push(r);
            }
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(msg.starts_with(NAME), "error does not name the file: {msg}");
            }
        }
    }
    let _ = histories(records, None);
});
