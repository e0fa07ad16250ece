//! Reading the files shipcheck is given as input (record files and
//! folders, changelogs, the configuration, the pending record, the log
//! `record --append` extends), bounded: only regular files are read (a
//! symbolic link counts as what it points to), never a device such as
//! `/dev/zero`, a named pipe or a socket, which could make a read go on
//! without end; and no more than a cap, a generous multiple of any real
//! file's size. Each refusal names the file and says why.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// The most read from a deploy log, a record file, a changelog or a note.
pub const MAX_LOG_BYTES: u64 = 256 << 20;

/// The most read from a pending record (one deploy: `gate --record`).
pub const MAX_PENDING_BYTES: u64 = 16 << 20;

/// The most read from a configuration file.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// A size for people: `256 MiB`, `3.2 MiB`, `512 bytes`.
pub fn size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= MIB => format!("{:.1} MiB", b as f64 / MIB as f64),
        b if b >= 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

/// What a file that is not regular is, for messages.
fn kind_of(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Refuses anything but a regular file, and a file larger than `max`.
fn check(meta: &Metadata, path: &Path, what: &str, max: u64) -> Result<()> {
    if !meta.is_file() {
        let link =
            std::fs::read_link(path).map(|t| format!(" (a symbolic link to {})", t.display())).unwrap_or_default();
        bail!(
            "{what}{link} is {}, not a regular file; shipcheck reads only regular files, so that a device or a pipe \
             cannot make it read without end",
            kind_of(meta)
        );
    }
    if meta.len() > max {
        bail!("{what} is {}, more than the {} shipcheck reads; is it the right file?", size(meta.len()), size(max));
    }
    Ok(())
}

/// Opens a file for reading without waiting for a writer, should it have
/// become a named pipe since it was looked at.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads the regular file at `path` (at most `max` bytes); `what` names it
/// in errors ("record file deploys/prod.jsonl").
pub fn read(path: &Path, what: &str, max: u64) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {what}"))?;
    check(&meta, path, what, max)?;
    let file = open(path).with_context(|| format!("cannot read {what}"))?;
    read_opened(file, path, what, max)
}

/// Reads an opened file to its end, refusing what [`read`] refuses (the
/// file itself is checked, whatever its path pointed to when opened).
pub fn read_opened(mut file: File, path: &Path, what: &str, max: u64) -> Result<Vec<u8>> {
    let meta = file.metadata().with_context(|| format!("cannot read {what}"))?;
    check(&meta, path, what, max)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&mut file).take(max + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {what}"))?;
    if bytes.len() as u64 > max {
        bail!("{what} grew past the {} shipcheck reads while it was read; is it the right file?", size(max));
    }
    Ok(bytes)
}

/// Checks the file at `path` as [`read`] would, without reading it.
pub fn check_path(path: &Path, what: &str, max: u64) -> Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {what}"))?;
    check(&meta, path, what, max)
}

/// Checks an opened file as [`read`] would, without reading it (for a log
/// opened to be appended to).
pub fn check_opened(file: &File, path: &Path, what: &str, max: u64) -> Result<()> {
    let meta = file.metadata().with_context(|| format!("cannot read {what}"))?;
    check(&meta, path, what, max)
}

/// Reads the regular file at `path` as UTF-8 text.
pub fn read_text(path: &Path, what: &str, max: u64) -> Result<String> {
    let bytes = read(path, what, max)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let (line, col) = crate::text::line_col(&String::from_utf8_lossy(&bytes[..valid]), valid);
        anyhow::anyhow!("{}:{line}:{col}: {what} is not valid UTF-8", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(256 << 20), "256 MiB");
        assert_eq!(size(3 << 19), "1.5 MiB");
        assert_eq!(size(2048), "2.0 KiB");
        assert_eq!(size(12), "12 bytes");
    }

    #[test]
    fn devices_folders_and_large_files_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(Path::new("/dev/zero"), "record file z", MAX_LOG_BYTES).unwrap_err().to_string();
        assert!(e.contains("record file z") && e.contains("character device"), "{e}");
        let e = read(dir.path(), "record file d", MAX_LOG_BYTES).unwrap_err().to_string();
        assert!(e.contains("a folder"), "{e}");
        let big = dir.path().join("big");
        File::create(&big).unwrap().set_len(MAX_PENDING_BYTES + 1).unwrap();
        let e = read(&big, "the pending record big", MAX_PENDING_BYTES).unwrap_err().to_string();
        assert!(e.contains("the pending record big is 16.0 MiB") && e.contains("more than the 16 MiB"), "{e}");
        let small = dir.path().join("small");
        std::fs::write(&small, "ok").unwrap();
        assert_eq!(read(&small, "x", 2).unwrap(), b"ok");
    }
}
