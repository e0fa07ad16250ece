//! Writing records: one record as a JSON line, and appending it to a JSON
//! Lines deploy log under an exclusive lock, so that each record is computed
//! against the line written just before it and a write cut short never
//! leaves half a line. Reading the log back is [`super::parse_records`].

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

use super::{finish, parse_records, Origin, Record, RecordKind};
use crate::config::SourceConfig;
use crate::input;
use crate::report::to_safe_json_line;

/// One line of a deploy log, fields in the README's order.
#[derive(Serialize)]
struct Line<'r> {
    id: &'r str,
    environment: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<RecordKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'r [String]>,
}

/// The record as one JSON line (with its newline). Components without a
/// version are written as plain names.
pub fn to_line(r: &Record) -> Result<String> {
    let line = Line {
        id: &r.id,
        environment: &r.environment,
        release: r.release.as_deref(),
        commit: r.commit.as_deref(),
        deployed_at: r.deployed_at.map(|t| t.to_string()),
        kind: (r.kind != RecordKind::Deploy).then_some(r.kind),
        components: r.components.as_ref().map(|cs| {
            cs.iter()
                .map(|c| match &c.version {
                    Some(v) => json!({"name": c.name, "version": v}),
                    None => json!(c.name),
                })
                .collect()
        }),
        changes: r.changes.as_deref(),
    };
    Ok(to_safe_json_line(&line)? + "\n")
}

/// The existing log, read and validated: its records, and the number of lines.
fn read_log(file: &mut File, name: &str) -> Result<(Vec<Record>, usize)> {
    let mut bytes = Vec::new();
    Read::take(&mut *file, input::MAX_LOG_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    if bytes.len() as u64 > input::MAX_LOG_BYTES {
        bail!("{name} grew past the {} shipcheck reads; it was left untouched", input::size(input::MAX_LOG_BYTES));
    }
    let text = crate::text::utf8(&bytes, name, "file").map_err(|e| anyhow!("{e}; it was left untouched"))?;
    let lines = text.matches('\n').count();
    if !text.is_empty() && !text.ends_with('\n') {
        let last = lines + 1;
        let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        bail!(
            "{name}:{last}:{col}: the last line has no newline at its end, so it was cut short (a crash while writing?); \
             repair or remove line {last}, then retry. The file was left untouched"
        );
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('[') {
        bail!("{name}:1:1: this is a JSON array, not JSON Lines; --append needs one record per line");
    }
    let parsed = parse_records(name, text).map_err(|e| anyhow!("{e:#}; the file was left untouched"))?;
    let non_empty = text.lines().filter(|l| !l.trim().is_empty()).count();
    if parsed.len() != non_empty {
        bail!("{name}: this is one pretty-printed record, not JSON Lines; --append needs one record per line");
    }
    let source = SourceConfig::default();
    let records = parsed
        .into_iter()
        .map(|(raw, line)| finish(raw, Origin { file: name.to_string(), line }, &source))
        .collect::<Result<Vec<_>>>()?;
    Ok((records, lines))
}

/// Appends one record to the JSON Lines log at `path` (created if missing).
/// Under an exclusive lock held from reading to fsync, the log is read and
/// validated, and `compute` turns `record` (its origin set to the new line)
/// into the record to write, given the records already there. Returns the
/// record and the line written.
pub fn append(
    path: &Path,
    mut record: Record,
    compute: impl FnOnce(Vec<Record>, Record) -> Result<Record>,
) -> Result<(Record, String)> {
    let name = path.display().to_string();
    // Only a regular file is a log (never a device or a pipe, which could
    // make the read go on without end), checked before opening and again
    // once opened.
    let what = format!("deploy log {name}");
    if std::fs::symlink_metadata(path).is_ok() {
        input::check_path(path, &what, input::MAX_LOG_BYTES)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("cannot open {name} for appending"))?;
    // Every writer holds this lock from reading to fsync, so each record is
    // computed against the line written just before it.
    input::check_opened(&file, path, &what, input::MAX_LOG_BYTES)?;
    file.lock().with_context(|| format!("cannot lock {name}"))?;
    let (existing, lines) = read_log(&mut file, &name)?;
    record.origin = Origin { file: name.clone(), line: lines + 1 };
    let record = compute(existing, record)?;
    let line = to_line(&record)?;
    let original = file.metadata().with_context(|| format!("cannot read {name}"))?.len();
    // A write cut short (a full disk, a quota) must not leave half a line,
    // which would make the log unreadable: put the file back as it was.
    if let Err(e) = file.write_all(line.as_bytes()).and_then(|_| file.sync_all()) {
        let restored = file.set_len(original).and_then(|_| file.sync_all());
        let state = match restored {
            Ok(()) => "the file was left as it was".to_string(),
            Err(r) => format!("and it could not be put back to its {original} bytes ({r}): check its last line"),
        };
        bail!("cannot append to {name}: {e}; {state}");
    }
    file.unlock().with_context(|| format!("cannot unlock {name}"))?;
    Ok((record, line))
}
