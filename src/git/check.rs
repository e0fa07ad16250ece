//! The damaged-object check: libgit2 hangs on some damaged loose objects,
//! so every object store is checked before libgit2 reads from it.

use std::path::Path;

use anyhow::{bail, Result};

/// Refuses a repository with a damaged loose object. libgit2 (1.9) loops
/// forever inflating a truncated loose object (libgit2 issues #7342 and
/// #7177), which would hang a CI gate; so every loose object file is
/// inflated once here, before libgit2 reads any. Clones and fetched
/// repositories keep their objects in packs, so this is usually a few
/// files; packs are read by code that fails cleanly.
pub(super) fn check_loose_objects(git_dir: &Path) -> Result<()> {
    let objects = git_dir.join("objects");
    let Ok(dirs) = std::fs::read_dir(&objects) else { return Ok(()) };
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    for dir in dirs.flatten() {
        let prefix = dir.file_name().to_string_lossy().into_owned();
        if !hex(&prefix, 2) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for file in files.flatten() {
            let rest = file.file_name().to_string_lossy().into_owned();
            if !hex(&rest, 38) && !hex(&rest, 62) {
                continue;
            }
            if let Err(why) = check_loose_object(&file.path()) {
                bail!(
                    "object {prefix}{rest} is damaged ({why}; file {}): the repository is corrupt, so nothing read from it could be trusted. \
                     Run `git fsck` and restore the object (for example by fetching again)",
                    file.path().display()
                );
            }
        }
    }
    Ok(())
}

/// Whether a loose object file is one whole zlib stream holding a
/// `TYPE SIZE\0` header and exactly SIZE bytes.
fn check_loose_object(path: &Path) -> std::result::Result<(), String> {
    use flate2::{Decompress, FlushDecompress, Status};
    let data = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut z = Decompress::new(true);
    let mut buf = vec![0u8; 64 * 1024];
    let mut header = Vec::new();
    loop {
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let input = data.get(z.total_in() as usize..).unwrap_or_default();
        let status =
            z.decompress(input, &mut buf, FlushDecompress::None).map_err(|e| format!("not a zlib stream: {e}"))?;
        let produced = (z.total_out() - out_before) as usize;
        if header.len() < 64 {
            header.extend_from_slice(&buf[..produced.min(64 - header.len())]);
        }
        match status {
            Status::StreamEnd => break,
            _ if z.total_in() == in_before && produced == 0 => return Err("truncated".into()),
            _ => {}
        }
    }
    let nul = header.iter().position(|b| *b == 0).ok_or("no object header")?;
    let text = std::str::from_utf8(&header[..nul]).map_err(|_| "bad object header")?;
    let size: u64 = text
        .split_once(' ')
        .filter(|(kind, _)| matches!(*kind, "commit" | "tree" | "blob" | "tag"))
        .and_then(|(_, size)| size.parse().ok())
        .ok_or("bad object header")?;
    if z.total_out() != nul as u64 + 1 + size {
        return Err(format!("its header says {size} bytes, it holds {}", z.total_out() - nul as u64 - 1));
    }
    Ok(())
}
