//! See `checks::notes_records` (shared with the normal test suite, which runs it
//! over `corpus/notes_records/`). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::notes_records(data));
