//! Record sources on disk: one file (any bytes, not only UTF-8), or a
//! folder of `*.json` files (the input split at 0xFF bytes). `load_path`
//! gives records or an error naming the source. Never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shipcheck::config::SourceConfig;
use shipcheck::records::load_path;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("shipcheck-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let root = scratch();
    let source = SourceConfig::default();
    // One file.
    let file = root.join("one.jsonl");
    std::fs::write(&file, data).unwrap();
    if let Err(e) = load_path(&file, "one.jsonl", &source) {
        let msg = format!("{e:#}");
        assert!(msg.starts_with("one.jsonl"), "error does not name the file: {msg}");
    }
    // A folder: the parts between 0xFF bytes, as 00.json, 01.json, ...
    let dir = root.join("dir");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, part) in data.split(|b| *b == 0xFF).take(8).enumerate() {
        std::fs::write(dir.join(format!("{i:02}.json")), part).unwrap();
    }
    std::fs::write(dir.join("ignored.txt"), b"not a record").unwrap();
    if let Err(e) = load_path(&dir, "dir/", &source) {
        let msg = format!("{e:#}");
        assert!(msg.starts_with("dir/"), "error does not name the source: {msg}");
    }
});
