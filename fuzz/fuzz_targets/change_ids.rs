//! Change-ID extraction from commit messages and record claims, with the
//! default patterns and with a pattern taken from the input's first line.
//! Every ID found is a substring of the text. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipcheck::config::ChangePatterns;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let defaults = ChangePatterns::defaults();
    for id in defaults.extract(text) {
        assert!(!id.is_empty() && text.contains(&id), "{id:?} is not in the text");
        let _ = defaults.is_change_id(&id);
    }
    let _ = defaults.is_change_id(text);
    if let Some((pattern, rest)) = text.split_once('\n') {
        if let Ok(custom) = ChangePatterns::custom(&[pattern.to_string()]) {
            for id in custom.extract(rest) {
                assert!(!id.is_empty() && rest.contains(&id), "{id:?} is not in the text");
            }
            let _ = custom.is_change_id(rest);
        }
    }
});
