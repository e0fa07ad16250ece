//! The damaged-object check: libgit2 hangs on some damaged loose objects,
//! so every object store is checked before libgit2 reads from it: the
//! repository's own (the common folder of a linked worktree), each listed
//! in `objects/info/alternates` (recursively) and each in
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// Refuses a repository with a damaged loose object in any object store it
/// uses ([`object_stores`]).
pub(super) fn check_object_stores(git: &git2::Repository) -> Result<()> {
    for store in object_stores(git.commondir())? {
        check_loose_objects(&store)?;
    }
    Ok(())
}

/// Every object folder a repository whose common git folder is `common`
/// reads from: its own `objects`, the alternates its `objects/info/alternates`
/// lists (relative to the folder that lists them, each followed in turn),
/// and those in `GIT_ALTERNATE_OBJECT_DIRECTORIES` (relative to the
/// current folder, as git reads them). Each folder once, even when the
/// lists loop. Checking more than libgit2 reads is harmless.
fn object_stores(common: &Path) -> Result<Vec<PathBuf>> {
    /// Stores are few; more than this is a hostile list, refused.
    const MAX_STORES: usize = 1000;
    let mut todo: Vec<PathBuf> = vec![common.join("objects")];
    if let Some(env) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        todo.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    while let Some(store) = todo.pop() {
        let key = std::fs::canonicalize(&store).unwrap_or_else(|_| store.clone());
        if seen.contains(&key) {
            continue;
        }
        if seen.len() >= MAX_STORES {
            bail!(
                "the repository's alternates (objects/info/alternates) list more than {MAX_STORES} object stores; \
                 shipcheck checks every store for damaged objects and refuses a list this long"
            );
        }
        seen.push(key);
        if let Ok(list) = std::fs::read_to_string(store.join("info").join("alternates")) {
            for line in list.lines() {
                let line = line.trim_end_matches('\r');
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let alt = PathBuf::from(unquote(line));
                todo.push(if alt.is_absolute() { alt } else { store.join(alt) });
            }
        }
        out.push(store);
    }
    Ok(out)
}

/// An alternates line as git reads it: a line starting with `"` is
/// C-quoted.
fn unquote(line: &str) -> String {
    let Some(inner) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) else { return line.to_string() };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Refuses an object store with a damaged loose object. libgit2 (1.9) loops
/// forever inflating a truncated loose object (libgit2 issues #7342 and
/// #7177), which would hang a CI gate; so every loose object file is
/// inflated once here, before libgit2 reads any. Clones and fetched
/// repositories keep their objects in packs, so this is usually a few
/// files; packs are read by code that fails cleanly.
fn check_loose_objects(objects: &Path) -> Result<()> {
    let Ok(dirs) = std::fs::read_dir(objects) else { return Ok(()) };
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
