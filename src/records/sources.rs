//! Record sources: what a `--records SRC` or a `[[records]]` table names
//! (parsed once into a [`SourceSpec`]), and the loaders that turn each kind
//! into records: files and folders of JSON or JSON Lines, `notes:REF`,
//! `tags:PATTERN` and `changelog:PATH` (release histories).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{changelog, finish, parse_records, Origin, Record, RecordKind, SourceFacts};
use crate::config::{ChangePatterns, SourceConfig};
use crate::git::{notes_ref, Repo, TagInfo};
use crate::input;
use crate::time::Timestamp;
use crate::version::Version;

/// What a record source names, as parsed from its `SRC` text once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A JSON file, a JSON Lines file or a folder of `*.json` (as written).
    Path(String),
    /// `changelog:PATH`: a Markdown changelog.
    Changelog(String),
    /// `tags:PATTERN`: one record per matching tag.
    Tags(String),
    /// `notes:REF`: JSON records in git notes on deployed commits.
    Notes(String),
}

impl SourceSpec {
    /// Reads a `SRC` text: a `notes:`, `tags:` or `changelog:` prefix names
    /// that kind; anything else is a path.
    pub fn parse(text: &str) -> SourceSpec {
        if let Some(rest) = text.strip_prefix("notes:") {
            SourceSpec::Notes(rest.to_string())
        } else if let Some(rest) = text.strip_prefix("tags:") {
            SourceSpec::Tags(rest.to_string())
        } else if let Some(rest) = text.strip_prefix("changelog:") {
            SourceSpec::Changelog(rest.to_string())
        } else {
            SourceSpec::Path(text.to_string())
        }
    }
}

impl Default for SourceSpec {
    fn default() -> SourceSpec {
        SourceSpec::Path(String::new())
    }
}

/// The source as the user wrote it (`changelog:CHANGELOG.md`).
impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceSpec::Path(p) => f.write_str(p),
            SourceSpec::Changelog(p) => write!(f, "changelog:{p}"),
            SourceSpec::Tags(p) => write!(f, "tags:{p}"),
            SourceSpec::Notes(r) => write!(f, "notes:{r}"),
        }
    }
}

impl std::str::FromStr for SourceSpec {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<SourceSpec, Self::Err> {
        Ok(SourceSpec::parse(s))
    }
}

impl<'de> serde::Deserialize<'de> for SourceSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<SourceSpec, D::Error> {
        String::deserialize(d).map(|s| SourceSpec::parse(&s))
    }
}

/// Reads one source. Paths are relative to `base`. `notes:`, `tags:` and
/// `changelog:` sources need the repository.
pub fn load_source(source: &SourceConfig, base: &Path, repo: &Repo, patterns: &ChangePatterns) -> Result<Vec<Record>> {
    match &source.source {
        SourceSpec::Notes(spec) => load_notes(source, spec, repo),
        SourceSpec::Tags(pattern) => load_tags(source, pattern, repo),
        SourceSpec::Changelog(path) => load_changelog(source, path, base, repo, patterns),
        SourceSpec::Path(spec) => {
            let path = if Path::new(spec).is_absolute() { PathBuf::from(spec) } else { base.join(spec) };
            load_path(&path, spec, source)
        }
    }
}

/// `notes:REF`: JSON records (one object, or JSON Lines) in the notes on
/// deployed commits; a record that names no commit is about the annotated one.
fn load_notes(source: &SourceConfig, spec: &str, repo: &Repo) -> Result<Vec<Record>> {
    let full = notes_ref(spec)?;
    let mut out = Vec::new();
    for note in repo.read_notes(&full)? {
        out.extend(records_from_note(source, spec, &note.commit, &note.text)?);
    }
    Ok(out)
}

/// The records in one note's text (on commit `commit`, in `notes:SPEC`):
/// what `notes:REF` reads from each note, without git.
pub fn records_from_note(source: &SourceConfig, spec: &str, commit: &str, text: &str) -> Result<Vec<Record>> {
    let name = format!("notes:{spec}@{}", commit.get(..12).unwrap_or(commit));
    let mut out = Vec::new();
    for (mut raw, line) in parse_records(&name, text)? {
        if raw.commit.is_none() {
            raw.commit = Some(commit.to_string());
        }
        out.push(finish(raw, Origin { file: name.clone(), line }, source)?);
    }
    Ok(out)
}

/// `tags:PATTERN`: one record per matching tag, a release history.
fn load_tags(source: &SourceConfig, pattern: &str, repo: &Repo) -> Result<Vec<Record>> {
    if pattern.trim().is_empty() {
        anyhow::bail!("tags: needs a pattern, such as tags:v* (every tag: tags:*)");
    }
    let tags = repo.tags_matching(pattern)?;
    if tags.is_empty() {
        anyhow::bail!("tags:{pattern}: no tag matches {pattern:?}");
    }
    Ok(from_tags(&tags, pattern, source))
}

/// `changelog:PATH`: a Markdown changelog, read from the file system
/// (relative to `base`) or else from the repository's HEAD.
fn load_changelog(
    source: &SourceConfig,
    spec: &str,
    base: &Path,
    repo: &Repo,
    patterns: &ChangePatterns,
) -> Result<Vec<Record>> {
    let display = spec.to_string();
    let path = if Path::new(spec).is_absolute() { PathBuf::from(spec) } else { base.join(spec) };
    // A changelog on disk is read from there (and refused unless it is a
    // regular file: a link to a device, a pipe); only when nothing is
    // there is HEAD's tree read instead.
    let (bytes, repo_file) = if std::fs::symlink_metadata(&path).is_ok() {
        let bytes = input::read(&path, &format!("changelog {display}"), input::MAX_LOG_BYTES)?;
        let in_repo = repo
            .workdir()
            .and_then(|w| {
                let abs = std::fs::canonicalize(&path).ok()?;
                let w = std::fs::canonicalize(w).ok()?;
                abs.strip_prefix(w).ok().map(|p| p.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| spec.trim_start_matches("./").to_string());
        (bytes, in_repo)
    } else {
        let rel = spec.trim_start_matches("./");
        match repo.head_file(rel, input::MAX_LOG_BYTES, &format!("changelog {display}"))? {
            Some(b) => (b, rel.to_string()),
            None => anyhow::bail!(
                "changelog {display}: no such file (looked for {} and for {rel} in the repository's HEAD)",
                path.display()
            ),
        }
    };
    let text = crate::text::utf8(&bytes, &display, "changelog")?;
    let sections =
        changelog::parse(text, patterns).map_err(|e| anyhow::anyhow!("{display}:{}: {}", e.line, e.message))?;
    let (mut recs, _unreleased) =
        from_changelog(&sections, &display, Some(repo_file.clone()), source, &|name| repo.tag_exists(name));
    let tags = repo.tags_matching("*")?;
    recs.extend(unrecorded_tags(&sections, &tags, &display, Some(repo_file), source));
    Ok(recs)
}

/// Releases the changelog leaves out: tags named by one of the source's
/// templates (`v{version}`) whose version has no section (yanked and
/// unreleased sections count as sections), no older than the changelog's
/// oldest section (a changelog may start after the project did). Each is a
/// record with no claims, so that what it shipped is not counted against the
/// next release, and the audit reports it once.
fn unrecorded_tags(
    sections: &[changelog::Section],
    tags: &[TagInfo],
    display: &str,
    repo_file: Option<String>,
    source: &SourceConfig,
) -> Vec<Record> {
    let known: Vec<Version> = sections.iter().filter_map(|s| Version::parse(&s.version)).collect();
    let Some(oldest) = known.iter().min().cloned() else {
        return Vec::new();
    };
    let templates = source.release_templates();
    let version_in = |tag: &str| -> Option<String> {
        templates.iter().find_map(|t| {
            let (prefix, suffix) = t.split_once("{version}")?;
            let v = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
            let parsed = Version::parse(v).filter(|_| v.starts_with(|c: char| c.is_ascii_digit()))?;
            (parsed >= oldest).then(|| v.to_string())
        })
    };
    let mut out = Vec::new();
    for t in tags {
        let Some(v) = version_in(&t.name) else { continue };
        if known.iter().any(|k| Version::parse(&v).is_some_and(|p| p.same_release(k))) {
            continue;
        }
        let facts =
            SourceFacts { version: Some(v), file: repo_file.clone(), unrecorded: true, ..SourceFacts::default() };
        let origin = Origin { file: display.to_string(), line: 0 };
        out.push(release_record(&t.name, t.time, None, origin, source, facts));
    }
    out
}

/// Reads one record source (a file or a folder). `display` is how errors
/// name it. Every file read is a regular file of at most
/// [`input::MAX_LOG_BYTES`]; a `*.json` in a folder that is anything else
/// (a link to a device, a pipe, a broken link) is refused, not skipped.
pub fn load_path(path: &Path, display: &str, source: &SourceConfig) -> Result<Vec<Record>> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read record source {display}"))?;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list record folder {display}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.is_dir())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((p, format!("{}/{}", display.trim_end_matches('/'), name)));
        }
    } else {
        files.push((path.to_path_buf(), display.to_string()));
    }
    let mut out = Vec::new();
    for (p, name) in files {
        let bytes = input::read(&p, &format!("record file {name}"), input::MAX_LOG_BYTES)?;
        let text = crate::text::utf8(&bytes, &name, "file")?;
        for (raw, line) in parse_records(&name, text)? {
            out.push(finish(raw, Origin { file: name.clone(), line }, source)?);
        }
    }
    Ok(out)
}

/// The environment of changelog and tag records whose source names none.
pub const RELEASES_ENVIRONMENT: &str = "releases";

/// The release name of a version: the first template whose tag exists
/// (`tag_exists`), else the first template (the record is then an
/// `unknown-ref`).
pub fn release_name(version: &str, templates: &[String], tag_exists: &dyn Fn(&str) -> bool) -> String {
    let names: Vec<String> = templates.iter().map(|t| t.replace("{version}", version)).collect();
    names.iter().find(|n| tag_exists(n)).cloned().unwrap_or_else(|| names.first().cloned().unwrap_or_default())
}

/// Records from a parsed changelog: one per released version section.
/// `display` names the file in origins; `repo_file` is its path in the
/// repository, if known. `Unreleased` sections are skipped and counted.
pub fn from_changelog(
    sections: &[changelog::Section],
    display: &str,
    repo_file: Option<String>,
    source: &SourceConfig,
    tag_exists: &dyn Fn(&str) -> bool,
) -> (Vec<Record>, usize) {
    let templates = source.release_templates();
    let mut out = Vec::new();
    let mut unreleased = 0;
    for s in sections {
        // A yanked release is no release: what it carried first ships with
        // the next one.
        if s.yanked {
            continue;
        }
        if s.unreleased {
            unreleased += 1;
            continue;
        }
        let release = release_name(&s.version, &templates, tag_exists);
        let facts = SourceFacts {
            version: Some(s.version.clone()),
            file: repo_file.clone(),
            mentions: s.mentions.clone(),
            date_only: true,
            ..SourceFacts::default()
        };
        let origin = Origin { file: display.to_string(), line: s.line };
        out.push(release_record(&release, s.date, Some(s.claims.clone()), origin, source, facts));
    }
    (out, unreleased)
}

/// One release of a release history (a changelog section, a tag), named
/// `name`, claiming `changes`.
fn release_record(
    name: &str,
    deployed_at: Option<Timestamp>,
    changes: Option<Vec<String>>,
    origin: Origin,
    source: &SourceConfig,
    facts: SourceFacts,
) -> Record {
    Record {
        id: name.to_string(),
        environment: source.environment.clone().unwrap_or_else(|| RELEASES_ENVIRONMENT.to_string()),
        release: Some(name.to_string()),
        commit: None,
        deployed_at,
        components: None,
        changes,
        kind: RecordKind::Deploy,
        origin,
        complete: source.complete.unwrap_or(false),
        about: source.components.clone(),
        source: SourceFacts { release_history: true, ..facts },
    }
}

/// Records from tags: one per tag, no claims, a release history.
pub fn from_tags(tags: &[TagInfo], pattern: &str, source: &SourceConfig) -> Vec<Record> {
    tags.iter()
        .map(|t| {
            let facts = SourceFacts { version: version_of_tag(&t.name), ..SourceFacts::default() };
            let origin = Origin { file: format!("tags:{pattern}"), line: 0 };
            release_record(&t.name, t.time, None, origin, source, facts)
        })
        .collect()
}

/// The version in a tag name (`v1.2.0`, `release-1.2.0`, `crate-v0.3.1`), if any.
pub fn version_of_tag(name: &str) -> Option<String> {
    let start = name
        .char_indices()
        .find(|(i, c)| c.is_ascii_digit() && (*i == 0 || name[..*i].ends_with(['v', 'V', '-', '_', '/', '@'])))?;
    let v = &name[start.0..];
    Version::parse(v).map(|_| v.to_string())
}
