//! See `checks::tags_source` (shared with the normal test suite, which runs it
//! over `corpus/tags_source/`). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::tags_source(data));
