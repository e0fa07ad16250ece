//! `shipcheck.toml` text → a configuration or an error naming the file;
//! a parsed configuration's patterns and paths are then exercised. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipcheck::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Config::parse("fuzz.toml", text) {
        Ok(c) => {
            let _ = c.changes.extract(text);
            let _ = c.changes.extract("AUTH-77: fix (#12)\n\nChange-Id: I0123456789abcdef\n");
            for comp in &c.components {
                for p in &comp.paths {
                    let _ = (p.display(), p.matches("services/auth/x.py"), p.matches(text));
                }
            }
        }
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.starts_with("fuzz.toml"), "error does not name the file: {msg}");
        }
    }
});
