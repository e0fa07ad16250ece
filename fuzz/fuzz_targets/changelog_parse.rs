//! See `checks::changelog_parse` (shared with the normal test suite, which runs it
//! over `corpus/changelog_parse/`). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::changelog_parse(data));
