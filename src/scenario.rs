//! Scenario fixtures: a readable TOML description turned into a real git
//! repository plus the deployment record files written about it.
//!
//! A scenario (`fixtures/NAME.toml`) has these keys; unknown keys anywhere
//! are an error:
//!
//! - `description` (string) and an optional `config` (string), written as
//!   `shipcheck.toml` at the repository root in the first commit.
//! - `[[commit]]`, applied in file order: `id` (unique label), `branch`
//!   (default `main`), `from` (label or branch: the start point of a branch
//!   that does not exist yet; a new branch without `from` starts with a root
//!   commit), `merge` (labels or branches: extra parents, in order),
//!   `message`, `date` (RFC 3339 with `Z` or `±HH:MM`, author and committer
//!   date), `committer_date`, `author` (`"Name <email>"`, default
//!   `Dev <dev@example.com>`; the committer is the author), `files` (path →
//!   content, created or replaced) and `delete` (paths of files, or of
//!   folders, to remove). A merge commit's tree is the in-memory merge of its
//!   extra parents into its first parent; a conflict is an error. The new
//!   commit becomes the tip of `refs/heads/BRANCH`.
//! - `[[tag]]`: `name`, `target` (label, or branch: its tip after all
//!   commits), optional `message` (annotated tag; the tagger is the target
//!   commit's author, at `date`, which defaults to the target's committer
//!   date) or none (lightweight tag), `target_kind` (`"commit"`, the
//!   default, `"tree"`, or `"blob:PATH"`: the tag names the target commit's
//!   tree or a blob in it, for fault tests) and `moved_from` (a label: the
//!   tag first pointed at that commit, and a record written then names the
//!   old commit; only `target` is created, the record file carries the old
//!   SHA).
//! - `[[record_file]]`: `path` (relative to the scenario root, beside the
//!   repository), `format` (`jsonl`: one JSON object per line; `json`: one
//!   pretty-printed array; `dir`: a folder with one pretty-printed
//!   `<id>.json` per record, or `record-<n>.json`, counted from 1, for a
//!   record without an `id`) and `[[record_file.records]]`: TOML tables
//!   turned into JSON objects with their keys in the order written (TOML
//!   dates become RFC 3339 strings).
//!
//! Commit and tag messages and every string value of a record may contain
//! `{sha:LABEL}` (full commit id) and `{short:LABEL}` (its first 7 hex
//! digits). A commit message may only name earlier commits. Other braces are
//! left as they are. Messages lose their leading newlines and end with
//! exactly one `\n`.
//!
//! Names are resolved as a commit label first, then as a branch name.
//!
//! Everything is deterministic: objects are built with git2 from explicit
//! signatures and times, refs are written as loose ref files (no reflog, so
//! no identity is read from any configuration), and the same scenario gives
//! the same commit ids on every run and machine.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, ensure, Context, Result};
use git2::{
    build::CheckoutBuilder, Commit, Index, IndexEntry, IndexTime, Object, ObjectType, Oid, Reference, Repository,
    RepositoryInitOptions, Signature, Time, Tree,
};
use serde::{Deserialize, Serialize, Serializer};

/// The branch that `HEAD` names.
const MAIN: &str = "main";
const DEFAULT_AUTHOR: &str = "Dev <dev@example.com>";
/// Where `config` is written in the first commit.
const CONFIG_PATH: &str = "shipcheck.toml";
/// The repository's folder under the scenario root.
const REPO_DIR: &str = "repo";
const FILE_MODE: u32 = 0o100_644;

// ---------------------------------------------------------------------------
// The file format, as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    description: String,
    config: Option<String>,
    #[serde(default, rename = "commit")]
    commits: Vec<RawCommit>,
    #[serde(default, rename = "tag")]
    tags: Vec<RawTag>,
    #[serde(default, rename = "record_file")]
    record_files: Vec<RawRecordFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommit {
    id: String,
    branch: Option<String>,
    from: Option<String>,
    #[serde(default)]
    merge: Vec<String>,
    message: String,
    date: String,
    committer_date: Option<String>,
    author: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    delete: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTag {
    name: String,
    target: String,
    message: Option<String>,
    date: Option<String>,
    target_kind: Option<String>,
    moved_from: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordFile {
    path: String,
    format: RecordFormat,
    #[serde(default)]
    records: Vec<toml::Table>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum RecordFormat {
    Jsonl,
    Json,
    Dir,
}

// ---------------------------------------------------------------------------
// The parsed description.

/// A parsed scenario: commits, tags and record files, with every name
/// resolved, ready to be written by [`Scenario::materialize`].
#[derive(Debug)]
pub struct Scenario {
    name: String,
    description: String,
    commits: Vec<CommitSpec>,
    tags: Vec<TagSpec>,
    record_files: Vec<RecordFileSpec>,
}

#[derive(Debug)]
struct CommitSpec {
    label: String,
    branch: String,
    /// Indexes into `Scenario::commits`; the first is the first parent.
    parents: Vec<usize>,
    /// Normalized message, placeholders not yet expanded.
    message: String,
    author: Person,
    author_time: When,
    committer_time: When,
    files: Vec<(String, String)>,
    delete: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Person {
    name: String,
    email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct When {
    seconds: i64,
    offset_minutes: i32,
}

impl When {
    fn time(self) -> Time {
        Time::new(self.seconds, self.offset_minutes)
    }
}

#[derive(Debug)]
struct TagSpec {
    name: String,
    target: usize,
    kind: TagTargetKind,
    /// Message (placeholders not yet expanded) and tagger date.
    annotation: Option<(String, When)>,
}

#[derive(Debug, PartialEq, Eq)]
enum TagTargetKind {
    Commit,
    Tree,
    Blob(String),
}

#[derive(Debug)]
struct RecordFileSpec {
    path: String,
    format: RecordFormat,
    records: Vec<toml::Table>,
}

/// What [`Scenario::materialize`] wrote.
#[derive(Debug, Clone)]
pub struct Materialized {
    /// The scenario's folder: the repository and the record files are in it.
    pub root: PathBuf,
    /// The repository's work tree.
    pub repo: PathBuf,
    /// label -> full commit id (40 hex)
    pub commits: BTreeMap<String, String>,
    /// record file paths, absolute, in the order given
    pub record_files: Vec<PathBuf>,
}

impl Materialized {
    /// The full commit id of `label`.
    ///
    /// # Panics
    /// On a label the scenario does not define (a test helper).
    pub fn sha(&self, label: &str) -> &str {
        match self.commits.get(label) {
            Some(sha) => sha,
            None => panic!(
                "no commit labelled `{label}` in this scenario; labels: {}",
                self.commits.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl Scenario {
    /// `name` is used in error messages (e.g. "fixtures/incident.toml").
    pub fn parse(name: &str, text: &str) -> Result<Scenario> {
        let raw: RawScenario = toml::from_str(text).with_context(|| format!("{name}: not a valid scenario"))?;

        let mut labels: HashMap<String, usize> = HashMap::new();
        let mut branches: BTreeMap<String, usize> = BTreeMap::new();
        let mut commits: Vec<CommitSpec> = Vec::with_capacity(raw.commits.len());
        if raw.config.is_some() && raw.commits.is_empty() {
            bail!("{name}: `config` is written in the first commit, but there is no commit");
        }
        for (index, raw_commit) in raw.commits.into_iter().enumerate() {
            let label = raw_commit.id.clone();
            let config = if index == 0 { raw.config.as_deref() } else { None };
            let spec = parse_commit(raw_commit, config, &labels, &branches)
                .with_context(|| format!("{name}: commit `{label}`"))?;
            if labels.insert(label.clone(), index).is_some() {
                bail!("{name}: commit `{label}`: the label is used twice");
            }
            branches.insert(spec.branch.clone(), index);
            commits.push(spec);
        }
        if !branches.contains_key(MAIN) {
            bail!("{name}: no commit on branch `{MAIN}` (HEAD must be refs/heads/{MAIN})");
        }

        let mut tags = Vec::with_capacity(raw.tags.len());
        let mut tag_names = BTreeSet::new();
        for raw_tag in raw.tags {
            let tag_name = raw_tag.name.clone();
            let spec = parse_tag(raw_tag, &commits, &labels, &branches)
                .with_context(|| format!("{name}: tag `{tag_name}`"))?;
            if !tag_names.insert(tag_name.clone()) {
                bail!("{name}: tag `{tag_name}`: the name is used twice");
            }
            tags.push(spec);
        }

        let mut record_files = Vec::with_capacity(raw.record_files.len());
        let mut record_paths = BTreeSet::new();
        for raw_file in raw.record_files {
            let path = raw_file.path.clone();
            let spec = parse_record_file(raw_file, &labels).with_context(|| format!("{name}: record_file `{path}`"))?;
            if !record_paths.insert(path.clone()) {
                bail!("{name}: record_file `{path}`: the path is used twice");
            }
            record_files.push(spec);
        }

        Ok(Scenario { name: name.to_owned(), description: raw.description, commits, tags, record_files })
    }

    /// The scenario's one-line description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Writes the repository at root/repo (non-bare, HEAD = refs/heads/main, work tree checked out
    /// at the end with a forced checkout, index written) and the record files under root.
    pub fn materialize(&self, root: &Path) -> Result<Materialized> {
        let name = &self.name;
        fs::create_dir_all(root).with_context(|| format!("{name}: cannot create {}", root.display()))?;
        let root = root.canonicalize().with_context(|| format!("{name}: cannot resolve {}", root.display()))?;
        let repo_dir = root.join(REPO_DIR);
        ensure!(!repo_dir.exists(), "{name}: {} already exists; materialize into an empty folder", repo_dir.display());
        let repo = init_repository(&repo_dir)
            .with_context(|| format!("{name}: cannot create a repository at {}", repo_dir.display()))?;
        let git_dir = repo.path().to_path_buf();

        let mut oids: Vec<Oid> = Vec::with_capacity(self.commits.len());
        let mut shas: BTreeMap<String, String> = BTreeMap::new();
        for spec in &self.commits {
            let oid =
                write_commit(&repo, spec, &oids, &shas).with_context(|| format!("{name}: commit `{}`", spec.label))?;
            write_ref(&git_dir, &format!("refs/heads/{}", spec.branch), oid)
                .with_context(|| format!("{name}: commit `{}`", spec.label))?;
            oids.push(oid);
            shas.insert(spec.label.clone(), oid.to_string());
        }

        for tag in &self.tags {
            self.write_tag(&repo, &git_dir, tag, &oids, &shas)
                .with_context(|| format!("{name}: tag `{}`", tag.name))?;
        }

        fs::write(git_dir.join("HEAD"), format!("ref: refs/heads/{MAIN}\n"))
            .with_context(|| format!("{name}: cannot write HEAD"))?;
        checkout_head(&repo).with_context(|| format!("{name}: cannot check out {MAIN}"))?;

        let mut record_files = Vec::with_capacity(self.record_files.len());
        for file in &self.record_files {
            let path = root.join(&file.path);
            write_record_file(&path, file, &shas).with_context(|| format!("{name}: record_file `{}`", file.path))?;
            record_files.push(path);
        }

        Ok(Materialized { root, repo: repo_dir, commits: shas, record_files })
    }

    fn write_tag(
        &self,
        repo: &Repository,
        git_dir: &Path,
        tag: &TagSpec,
        oids: &[Oid],
        shas: &BTreeMap<String, String>,
    ) -> Result<()> {
        let commit = repo.find_commit(oids[tag.target])?;
        let object: Object<'_> = match &tag.kind {
            TagTargetKind::Commit => commit.as_object().clone(),
            TagTargetKind::Tree => commit.tree()?.into_object(),
            TagTargetKind::Blob(path) => {
                let entry = commit
                    .tree()?
                    .get_path(Path::new(path))
                    .with_context(|| format!("`{path}` is not in commit `{}`", self.commits[tag.target].label))?;
                let object = entry.to_object(repo)?;
                ensure!(object.kind() == Some(ObjectType::Blob), "`{path}` is a folder, not a file");
                object
            }
        };
        let id = match &tag.annotation {
            None => object.id(),
            Some((message, when)) => {
                let author = &self.commits[tag.target].author;
                let tagger = Signature::new(&author.name, &author.email, &when.time())?;
                let message = expand(message, |label| shas.get(label).cloned())?;
                repo.tag_annotation_create(&tag.name, &object, &tagger, &message)?
            }
        };
        write_ref(git_dir, &format!("refs/tags/{}", tag.name), id)
    }
}

// ---------------------------------------------------------------------------
// Parsing helpers.

fn parse_commit(
    raw: RawCommit,
    config: Option<&str>,
    labels: &HashMap<String, usize>,
    branches: &BTreeMap<String, usize>,
) -> Result<CommitSpec> {
    check_label(&raw.id)?;
    let branch = raw.branch.unwrap_or_else(|| MAIN.to_owned());
    ensure!(Reference::is_valid_name(&format!("refs/heads/{branch}")), "`{branch}` is not a valid branch name");

    let mut parents = Vec::with_capacity(1 + raw.merge.len());
    match (branches.get(&branch), &raw.from) {
        (Some(_), Some(from)) => bail!(
            "branch `{branch}` already exists, so `from = \"{from}\"` cannot apply \
             (`from` is only the start point of a new branch)"
        ),
        (Some(&tip), None) => parents.push(tip),
        (None, Some(from)) => parents.push(resolve(from, labels, branches)?),
        (None, None) => {}
    }
    if !raw.merge.is_empty() && parents.is_empty() {
        bail!("a merge needs a first parent: `{branch}` is a new branch and has no `from`");
    }
    for name in &raw.merge {
        let parent = resolve(name, labels, branches)?;
        ensure!(!parents.contains(&parent), "`merge` names `{name}`, which is already a parent of this commit");
        parents.push(parent);
    }

    let message = normalize_message(&raw.message).context("`message`")?;
    expand(&message, |label| labels.get(label).map(|_| String::new()))
        .context("`message` (a commit message can only name earlier commits)")?;

    let author_time = parse_date(&raw.date).with_context(|| format!("`date` = {:?}", raw.date))?;
    let committer_time = match &raw.committer_date {
        Some(date) => parse_date(date).with_context(|| format!("`committer_date` = {date:?}"))?,
        None => author_time,
    };
    let author_text = raw.author.as_deref().unwrap_or(DEFAULT_AUTHOR);
    let author = parse_person(author_text).with_context(|| format!("`author` = {author_text:?}"))?;

    let mut files: Vec<(String, String)> = Vec::with_capacity(raw.files.len() + 1);
    if let Some(config) = config {
        ensure!(
            !raw.files.contains_key(CONFIG_PATH),
            "`{CONFIG_PATH}` is written from `config`; do not list it in `files` of the first commit"
        );
        files.push((CONFIG_PATH.to_owned(), config.to_owned()));
    }
    for (path, content) in raw.files {
        check_repo_path(&path).with_context(|| format!("`files`: path `{path}`"))?;
        files.push((path, content));
    }
    let mut deleted = BTreeSet::new();
    for path in &raw.delete {
        check_repo_path(path).with_context(|| format!("`delete`: path `{path}`"))?;
        ensure!(deleted.insert(path), "`delete` lists `{path}` twice");
        ensure!(!files.iter().any(|(p, _)| p == path), "`{path}` is both in `files` and in `delete`");
    }

    Ok(CommitSpec {
        label: raw.id,
        branch,
        parents,
        message,
        author,
        author_time,
        committer_time,
        files,
        delete: raw.delete,
    })
}

fn parse_tag(
    raw: RawTag,
    commits: &[CommitSpec],
    labels: &HashMap<String, usize>,
    branches: &BTreeMap<String, usize>,
) -> Result<TagSpec> {
    ensure!(Reference::is_valid_name(&format!("refs/tags/{}", raw.name)), "`{}` is not a valid tag name", raw.name);
    let target = resolve(&raw.target, labels, branches).context("`target`")?;
    let kind = match raw.target_kind.as_deref() {
        None | Some("commit") => TagTargetKind::Commit,
        Some("tree") => TagTargetKind::Tree,
        Some(other) => match other.strip_prefix("blob:") {
            Some(path) => {
                check_repo_path(path).with_context(|| format!("`target_kind` = {other:?}"))?;
                TagTargetKind::Blob(path.to_owned())
            }
            None => {
                bail!("`target_kind` = {other:?}: expected \"commit\", \"tree\" or \"blob:PATH\"")
            }
        },
    };
    if let Some(old) = &raw.moved_from {
        let old_index = labels
            .get(old)
            .copied()
            .ok_or_else(|| anyhow!("`moved_from`: unknown label `{old}` (it must name a commit)"))?;
        ensure!(old_index != target, "`moved_from` = `{old}` is the tag's own target: the tag did not move");
    }
    let annotation = match (raw.message, raw.date) {
        (None, None) => None,
        (None, Some(_)) => bail!("`date` needs `message`: a lightweight tag has no date"),
        (Some(message), date) => {
            let message = normalize_message(&message).context("`message`")?;
            expand(&message, |label| labels.get(label).map(|_| String::new())).context("`message`")?;
            let when = match date {
                Some(date) => parse_date(&date).with_context(|| format!("`date` = {date:?}"))?,
                None => commits[target].committer_time,
            };
            Some((message, when))
        }
    };
    Ok(TagSpec { name: raw.name, target, kind, annotation })
}

fn parse_record_file(raw: RawRecordFile, labels: &HashMap<String, usize>) -> Result<RecordFileSpec> {
    check_relative_path(&raw.path).context("`path`")?;
    let first = raw.path.split('/').next().unwrap_or_default();
    ensure!(first != REPO_DIR, "record files live beside the repository, not inside `{REPO_DIR}/`");
    let mut file_names = BTreeSet::new();
    for (index, record) in raw.records.iter().enumerate() {
        let what = || format!("record #{}", index + 1);
        check_placeholders(record, labels).with_context(what)?;
        if raw.format == RecordFormat::Dir {
            let file_name = record_file_name(record, index).with_context(what)?;
            ensure!(file_names.insert(file_name.clone()), "two records would both be written to `{file_name}`");
        }
    }
    Ok(RecordFileSpec { path: raw.path, format: raw.format, records: raw.records })
}

/// Looks a name up as a commit label, then as a branch (its current tip).
fn resolve(name: &str, labels: &HashMap<String, usize>, branches: &BTreeMap<String, usize>) -> Result<usize> {
    labels
        .get(name)
        .or_else(|| branches.get(name))
        .copied()
        .ok_or_else(|| anyhow!("unknown label or branch `{name}` (it must name an earlier commit or branch)"))
}

fn check_label(label: &str) -> Result<()> {
    ensure!(!label.is_empty(), "`id` is empty");
    ensure!(
        label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')),
        "`id` = {label:?}: use letters, digits, '-', '_', '.' and '/'"
    );
    Ok(())
}

/// A path relative to some root: '/'-separated, no empty, `.` or `..` part.
fn check_relative_path(path: &str) -> Result<()> {
    ensure!(!path.is_empty(), "the path is empty");
    ensure!(!path.contains('\\') && !path.contains('\0'), "`{path}`: use '/' as separator");
    for part in path.split('/') {
        ensure!(
            !part.is_empty() && part != "." && part != "..",
            "`{path}` must be relative, with no empty, `.` or `..` part"
        );
    }
    Ok(())
}

/// A path inside the repository's tree.
fn check_repo_path(path: &str) -> Result<()> {
    check_relative_path(path)?;
    ensure!(
        !path.split('/').any(|part| part.eq_ignore_ascii_case(".git")),
        "`{path}`: a path cannot go through `.git`"
    );
    Ok(())
}

fn parse_person(text: &str) -> Result<Person> {
    let text = text.trim();
    let (name, rest) = text.split_once('<').ok_or_else(|| anyhow!("expected \"Name <email>\""))?;
    let email = rest.strip_suffix('>').ok_or_else(|| anyhow!("expected \"Name <email>\""))?;
    let (name, email) = (name.trim(), email.trim());
    ensure!(!name.is_empty() && !email.is_empty(), "expected \"Name <email>\" with both parts");
    ensure!(!email.contains(['<', '>']) && !name.contains('>'), "expected \"Name <email>\"");
    Ok(Person { name: name.to_owned(), email: email.to_owned() })
}

/// Drops leading newlines and trailing whitespace, then ends with one "\n".
fn normalize_message(text: &str) -> Result<String> {
    let body = text.trim_start_matches(['\n', '\r']).trim_end();
    ensure!(!body.is_empty(), "the message is empty");
    Ok(format!("{body}\n"))
}

/// Parses `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`.
fn parse_date(text: &str) -> Result<When> {
    const SHAPE: &str = "expected RFC 3339 like 2023-03-14T09:00:00Z or 2023-03-14T10:00:00+01:00";
    let number = |from: usize, to: usize| -> Result<i64> {
        let digits = text.get(from..to).ok_or_else(|| anyhow!(SHAPE))?;
        ensure!(digits.bytes().all(|b| b.is_ascii_digit()), SHAPE);
        Ok(digits.parse()?)
    };
    let at = |index: usize, allowed: &[u8]| -> Result<()> {
        ensure!(text.as_bytes().get(index).is_some_and(|b| allowed.contains(b)), SHAPE);
        Ok(())
    };
    let year = number(0, 4)?;
    at(4, b"-")?;
    let month = number(5, 7)?;
    at(7, b"-")?;
    let day = number(8, 10)?;
    at(10, b"Tt ")?;
    let hour = number(11, 13)?;
    at(13, b":")?;
    let minute = number(14, 16)?;
    at(16, b":")?;
    let second = number(17, 19)?;
    let zone = text.get(19..).ok_or_else(|| anyhow!(SHAPE))?;
    ensure!(!zone.starts_with('.'), "fractional seconds are not supported: git keeps whole seconds");
    let offset_minutes: i64 = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => bail!(SHAPE),
            };
            ensure!(zone.len() == 6, SHAPE);
            at(22, b":")?;
            let hours = number(20, 22)?;
            let minutes = number(23, 25)?;
            ensure!(hours < 24 && minutes < 60, "offset out of range");
            sign * (hours * 60 + minutes)
        }
    };
    ensure!((1..=12).contains(&month), "month out of range");
    ensure!((1..=days_in_month(year, month)).contains(&day), "day out of range");
    ensure!(hour < 24 && minute < 60 && second < 60, "time of day out of range");
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok(When { seconds: local - offset_minutes * 60, offset_minutes: i32::try_from(offset_minutes)? })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Expands `{sha:LABEL}` and `{short:LABEL}`; `lookup` gives a label's full id.
fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (kind, after) = if let Some(after) = tail.strip_prefix("{sha:") {
            ("sha", after)
        } else if let Some(after) = tail.strip_prefix("{short:") {
            ("short", after)
        } else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        let end = after.find('}').ok_or_else(|| anyhow!("unterminated placeholder `{{{kind}:` in {text:?}"))?;
        let label = &after[..end];
        let sha = lookup(label).ok_or_else(|| anyhow!("placeholder `{{{kind}:{label}}}`: unknown label `{label}`"))?;
        match kind {
            "sha" => out.push_str(&sha),
            _ => out.push_str(sha.get(..7).unwrap_or(&sha)),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn check_placeholders(table: &toml::Table, labels: &HashMap<String, usize>) -> Result<()> {
    expand_table(table, &|label| labels.get(label).map(|_| String::new())).map(|_| ())
}

fn expand_value(value: &toml::Value, lookup: &dyn Fn(&str) -> Option<String>) -> Result<toml::Value> {
    Ok(match value {
        toml::Value::String(text) => toml::Value::String(expand(text, lookup)?),
        toml::Value::Array(items) => {
            toml::Value::Array(items.iter().map(|item| expand_value(item, lookup)).collect::<Result<_>>()?)
        }
        toml::Value::Table(table) => toml::Value::Table(expand_table(table, lookup)?),
        other => other.clone(),
    })
}

fn expand_table(table: &toml::Table, lookup: &dyn Fn(&str) -> Option<String>) -> Result<toml::Table> {
    let mut out = toml::Table::new();
    for (key, value) in table {
        let value = expand_value(value, lookup).with_context(|| format!("key `{key}`"))?;
        out.insert(key.clone(), value);
    }
    Ok(out)
}

/// `<id>.json`, or `record-<n>.json` (from 1) for a record without an `id`.
fn record_file_name(record: &toml::Table, index: usize) -> Result<String> {
    match record.get("id") {
        None => Ok(format!("record-{}.json", index + 1)),
        Some(toml::Value::String(id)) => {
            ensure!(
                !id.is_empty() && !id.starts_with('.') && !id.contains(['/', '\\', '\0', '{', '}']),
                "`id` = {id:?} cannot be a file name"
            );
            Ok(format!("{id}.json"))
        }
        Some(_) => bail!("`id` must be a string to name the record's file"),
    }
}

// ---------------------------------------------------------------------------
// Writing.

fn init_repository(repo_dir: &Path) -> Result<Repository> {
    let mut options = RepositoryInitOptions::new();
    options.bare(false).no_reinit(true).mkdir(true).external_template(false).initial_head(MAIN);
    let repo = Repository::init_opts(repo_dir, &options)?;
    let git_dir = repo.path().to_path_buf();
    drop(repo);
    // Only the repository's own file: checkout must not depend on the
    // user's line-ending settings, and refs keep no reflog.
    let mut config = git2::Config::open(&git_dir.join("config"))?;
    config.set_bool("core.autocrlf", false)?;
    config.set_bool("core.logallrefupdates", false)?;
    drop(config);
    Ok(Repository::open(repo_dir)?)
}

fn write_commit(repo: &Repository, spec: &CommitSpec, oids: &[Oid], shas: &BTreeMap<String, String>) -> Result<Oid> {
    let parents: Vec<Commit<'_>> =
        spec.parents.iter().map(|&index| repo.find_commit(oids[index])).collect::<Result<_, _>>()?;
    let mut index = match parents.split_first() {
        None => Index::new()?,
        Some((first, [])) => {
            let mut index = Index::new()?;
            index.read_tree(&first.tree()?)?;
            index
        }
        Some((first, extras)) => merge_parents(repo, first, extras)?,
    };
    for (path, content) in &spec.files {
        let blob = repo.blob(content.as_bytes())?;
        index.add(&index_entry(path, blob, content.len())?).with_context(|| format!("cannot add `{path}`"))?;
    }
    for path in &spec.delete {
        let as_path = Path::new(path);
        if index.get_path(as_path, 0).is_some() {
            index.remove_path(as_path)?;
        } else {
            let prefix = format!("{path}/");
            let in_folder = index.iter().any(|entry| entry.path.starts_with(prefix.as_bytes()));
            ensure!(in_folder, "cannot delete `{path}`: no such file or folder");
            index.remove_dir(as_path, 0)?;
        }
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let author = Signature::new(&spec.author.name, &spec.author.email, &spec.author_time.time())?;
    let committer = Signature::new(&spec.author.name, &spec.author.email, &spec.committer_time.time())?;
    let message = expand(&spec.message, |label| shas.get(label).cloned())?;
    let parent_refs: Vec<&Commit<'_>> = parents.iter().collect();
    Ok(repo.commit(None, &author, &committer, &message, &tree, &parent_refs)?)
}

/// Merges `extras` into `first` in memory, one after the other.
fn merge_parents(repo: &Repository, first: &Commit<'_>, extras: &[Commit<'_>]) -> Result<Index> {
    let mut merged: Option<Index> = None;
    for extra in extras {
        let index = match merged.take() {
            None => repo.merge_commits(first, extra, None)?,
            Some(mut so_far) => {
                let ours = repo.find_tree(so_far.write_tree_to(repo)?)?;
                let base = match repo.merge_base(first.id(), extra.id()) {
                    Ok(base) => repo.find_commit(base)?.tree()?,
                    Err(e) if e.code() == git2::ErrorCode::NotFound => empty_tree(repo)?,
                    Err(e) => return Err(e.into()),
                };
                repo.merge_trees(&base, &ours, &extra.tree()?, None)?
            }
        };
        if index.has_conflicts() {
            let mut paths = BTreeSet::new();
            for conflict in index.conflicts()? {
                let conflict = conflict?;
                for entry in [conflict.ancestor, conflict.our, conflict.their].into_iter().flatten() {
                    paths.insert(String::from_utf8_lossy(&entry.path).into_owned());
                }
            }
            bail!(
                "merge conflict: merging {} into {} conflicts in {}",
                extra.id(),
                first.id(),
                paths.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        merged = Some(index);
    }
    merged.ok_or_else(|| anyhow!("a merge needs at least one extra parent"))
}

fn empty_tree<'r>(repo: &'r Repository) -> Result<Tree<'r>> {
    let id = repo.treebuilder(None)?.write()?;
    Ok(repo.find_tree(id)?)
}

fn index_entry(path: &str, id: Oid, size: usize) -> Result<IndexEntry> {
    Ok(IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: FILE_MODE,
        uid: 0,
        gid: 0,
        file_size: u32::try_from(size).context("file too large")?,
        id,
        flags: 0,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    })
}

/// Writes a loose ref file: no reflog, so no identity is looked up.
fn write_ref(git_dir: &Path, name: &str, id: Oid) -> Result<()> {
    ensure!(Reference::is_valid_name(name), "`{name}` is not a valid ref name");
    let path = name.split('/').fold(git_dir.to_path_buf(), |path, part| path.join(part));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("cannot create the folder of {name}"))?;
    }
    fs::write(&path, format!("{id}\n")).with_context(|| format!("cannot write {name}"))
}

fn checkout_head(repo: &Repository) -> Result<()> {
    repo.checkout_head(Some(CheckoutBuilder::new().force()))?;
    repo.index()?.write()?;
    Ok(())
}

fn write_record_file(path: &Path, file: &RecordFileSpec, shas: &BTreeMap<String, String>) -> Result<()> {
    let lookup = |label: &str| shas.get(label).cloned();
    let records = file
        .records
        .iter()
        .enumerate()
        .map(|(index, record)| expand_table(record, &lookup).with_context(|| format!("record #{}", index + 1)))
        .collect::<Result<Vec<_>>>()?;
    let create_parent = |path: &Path| -> Result<()> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        Ok(())
    };
    match file.format {
        RecordFormat::Jsonl => {
            let mut text = String::new();
            for record in &records {
                text.push_str(&serde_json::to_string(&JsonTable(record))?);
                text.push('\n');
            }
            create_parent(path)?;
            fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
        RecordFormat::Json => {
            let array: Vec<JsonTable<'_>> = records.iter().map(JsonTable).collect();
            let text = serde_json::to_string_pretty(&array)? + "\n";
            create_parent(path)?;
            fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
        RecordFormat::Dir => {
            fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
            for (index, record) in records.iter().enumerate() {
                let file_path = path.join(record_file_name(record, index)?);
                let text = serde_json::to_string_pretty(&JsonTable(record))? + "\n";
                fs::write(&file_path, text).with_context(|| format!("cannot write {}", file_path.display()))?;
            }
        }
    }
    Ok(())
}

/// Serializes a TOML value as JSON, keeping table keys in their order.
struct JsonValue<'a>(&'a toml::Value);
struct JsonTable<'a>(&'a toml::Table);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            toml::Value::String(text) => serializer.serialize_str(text),
            toml::Value::Integer(number) => serializer.serialize_i64(*number),
            toml::Value::Float(number) => serializer.serialize_f64(*number),
            toml::Value::Boolean(flag) => serializer.serialize_bool(*flag),
            toml::Value::Datetime(date) => serializer.collect_str(date),
            toml::Value::Array(items) => serializer.collect_seq(items.iter().map(JsonValue)),
            toml::Value::Table(table) => JsonTable(table).serialize(serializer),
        }
    }
}

impl Serialize for JsonTable<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, JsonValue(value))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    fn fixtures() -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).expect("fixtures/ is readable") {
            let path = entry.expect("fixtures/ entry").path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                let name = format!("fixtures/{}", path.file_name().expect("file name").to_string_lossy());
                let text = fs::read_to_string(&path).expect("fixture is readable");
                out.push((name, text));
            }
        }
        out.sort();
        out
    }

    fn fixture(file: &str) -> Scenario {
        let name = format!("fixtures/{file}");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&name);
        let text = fs::read_to_string(path).expect("fixture is readable");
        Scenario::parse(&name, &text).expect("fixture parses")
    }

    fn build(scenario: &Scenario) -> (TempDir, Materialized) {
        let dir = TempDir::new().expect("temporary folder");
        let built = scenario.materialize(dir.path()).expect("scenario materializes");
        (dir, built)
    }

    fn err_text(result: Result<impl std::fmt::Debug>) -> String {
        format!("{:#}", result.expect_err("an error"))
    }

    fn oid(built: &Materialized, label: &str) -> Oid {
        Oid::from_str(built.sha(label)).expect("a commit id")
    }

    fn patch_id(repo: &Repository, id: Oid) -> Oid {
        let commit = repo.find_commit(id).expect("commit");
        let parent = commit.parent(0).expect("one parent");
        let diff = repo
            .diff_tree_to_tree(Some(&parent.tree().expect("tree")), Some(&commit.tree().expect("tree")), None)
            .expect("diff");
        diff.patchid(None).expect("patch id")
    }

    const MINIMAL: &str = r#"
description = "minimal"
[[commit]]
id = "one"
message = "ONE-1: first"
date = "2023-01-02T03:04:05Z"
[commit.files]
"a.txt" = "a\n"
"#;

    #[test]
    fn every_fixture_parses_and_materializes() {
        let all = fixtures();
        assert!(all.len() >= 6, "expected at least six fixtures, found {}", all.len());
        for (name, text) in all {
            let scenario = Scenario::parse(&name, &text).unwrap_or_else(|e| panic!("{e:#}"));
            assert!(!scenario.description().is_empty(), "{name}");
            let dir = TempDir::new().expect("temporary folder");
            let built = scenario.materialize(dir.path()).unwrap_or_else(|e| panic!("{e:#}"));
            let repo = Repository::open(&built.repo).expect("repository opens");
            assert_eq!(repo.head().expect("HEAD").name().ok(), Some("refs/heads/main"), "{name}");
            let statuses = repo.statuses(None).expect("status");
            assert!(statuses.is_empty(), "{name}: work tree is not clean");
            assert!(!repo.index().expect("index").is_empty(), "{name}: empty index");
            assert!(built.commits.values().all(|sha| sha.len() == 40));
            assert!(!built.record_files.is_empty(), "{name}: no record file");
        }
    }

    #[test]
    fn commit_ids_are_identical_across_materializations() {
        for (name, text) in fixtures() {
            let scenario = Scenario::parse(&name, &text).expect("fixture parses");
            let (_first_dir, first) = build(&scenario);
            let (_second_dir, second) = build(&scenario);
            assert_eq!(first.commits, second.commits, "{name}");
            for (a, b) in first.record_files.iter().zip(&second.record_files) {
                assert_eq!(fs::read(a).expect("record file"), fs::read(b).expect("record file"), "{name}");
            }
        }
    }

    #[test]
    fn incident_repository_has_the_expected_structure() {
        let scenario = fixture("incident.toml");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let tag_commit = |name: &str| -> Oid {
            let reference = repo.find_reference(&format!("refs/tags/{name}")).expect("tag exists");
            let tag = reference.peel_to_tag().expect("annotated tag");
            assert!(tag.tagger().is_some(), "{name} is annotated");
            reference.peel_to_commit().expect("peels to a commit").id()
        };
        let march_14 = tag_commit("v2023.03.14");
        let march_28 = tag_commit("v2023.03.28");
        assert_eq!(march_14, oid(&built, "web-12"));
        assert_eq!(march_28, oid(&built, "bill-31"));
        let auth_77 = oid(&built, "auth-77");
        let contains =
            |tip: Oid, commit: Oid| tip == commit || repo.graph_descendant_of(tip, commit).expect("graph walk");
        assert!(!contains(march_14, auth_77), "auth-77 must not be in v2023.03.14");
        assert!(contains(march_28, auth_77), "auth-77 must be in v2023.03.28");

        let head = repo.head().expect("HEAD");
        assert_eq!(head.name().ok(), Some("refs/heads/main"));
        assert_eq!(head.target(), Some(oid(&built, "auth-78")));

        let merge = repo.find_commit(oid(&built, "merge-auth")).expect("merge");
        let parents: Vec<Oid> = merge.parent_ids().collect();
        assert_eq!(parents, vec![oid(&built, "web-12"), auth_77]);
        let branch = repo.find_reference("refs/heads/auth-token-cache").expect("branch");
        assert_eq!(branch.target(), Some(auth_77));

        let auth_77_commit = repo.find_commit(auth_77).expect("commit");
        assert_eq!(
            auth_77_commit.message().ok(),
            Some(
                "AUTH-77: cache validated tokens for the API gateway\n\nValidation now keeps \
                 tokens in a process-wide cache instead of asking\nthe identity store on every \
                 request.\n"
            )
        );
        assert_eq!(auth_77_commit.author().name().ok(), Some("Noor Haddad"));
        assert_eq!(auth_77_commit.author().email().ok(), Some("noor@example.com"));
        assert_eq!(auth_77_commit.time().seconds(), 1_678_376_400);

        let version = fs::read_to_string(built.repo.join("services/auth/VERSION")).expect("work tree file");
        assert_eq!(version, "2.4.1\n");
        let config = fs::read_to_string(built.repo.join("shipcheck.toml")).expect("config");
        assert!(config.contains("[components.auth]"));
        let init = repo.find_commit(oid(&built, "init")).expect("init");
        assert!(init.tree().expect("tree").get_name("shipcheck.toml").is_some());
    }

    #[test]
    fn incident_tags_are_annotated_by_the_target_author() {
        let scenario = fixture("incident.toml");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let tag = repo.find_reference("refs/tags/v2023.03.28").expect("tag").peel_to_tag().expect("annotated");
        assert_eq!(tag.message().ok().flatten(), Some("Release 2023-03-28\n"));
        let tagger = tag.tagger().expect("tagger");
        assert_eq!(tagger.name().ok(), Some("Ivo Petrov"));
        assert_eq!(tagger.when().seconds(), 1_679_936_400);
        assert_eq!(tag.target_id(), oid(&built, "bill-31"));
    }

    #[test]
    fn record_files_have_substituted_shas_and_parse() {
        for (name, text) in fixtures() {
            let scenario = Scenario::parse(&name, &text).expect("fixture parses");
            let (_dir, built) = build(&scenario);
            for path in &built.record_files {
                assert!(path.is_absolute(), "{name}: {}", path.display());
                let text = fs::read_to_string(path).expect("record file exists");
                assert!(!text.contains("{sha:") && !text.contains("{short:"), "{name}");
                let mut records = 0;
                for line in text.lines() {
                    let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(value.is_object(), "{name}: {line}");
                    if let Some(commit) = value.get("commit").and_then(|c| c.as_str()) {
                        assert!(built.commits.values().any(|sha| sha == commit), "{name}");
                    }
                    records += 1;
                }
                assert!(records > 0, "{name}: empty record file");
            }
        }
        let scenario = fixture("incident.toml");
        let (_dir, built) = build(&scenario);
        let first_line = fs::read_to_string(&built.record_files[0]).expect("records");
        let first_line = first_line.lines().next().expect("a line");
        assert_eq!(
            first_line,
            format!(
                r#"{{"id":"prod-40","environment":"production","commit":"{}","deployed_at":"2023-02-28T09:00:00Z","components":["web","auth","billing"]}}"#,
                built.sha("init")
            )
        );
    }

    #[test]
    fn backport_cherry_picks_have_the_patch_ids_of_their_originals() {
        let scenario = fixture("backport.toml");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        for (original, backport) in [("auth-90", "auth-90-backport"), ("bill-7", "bill-7-backport")] {
            assert_ne!(built.sha(original), built.sha(backport));
            assert_eq!(
                patch_id(&repo, oid(&built, original)),
                patch_id(&repo, oid(&built, backport)),
                "{backport} must have the patch of {original}"
            );
        }
        let picked = repo.find_commit(oid(&built, "auth-90-backport")).expect("commit");
        let message = picked.message().expect("utf-8 message");
        assert!(message.ends_with(&format!("(cherry picked from commit {})\n", built.sha("auth-90"))));
        assert!(picked.committer().when().seconds() > picked.author().when().seconds());
        let manual = repo.find_commit(oid(&built, "bill-7-backport")).expect("commit");
        assert!(!manual.message().expect("utf-8").contains("cherry picked"));
        let release_tip =
            repo.find_reference("refs/heads/release/2.4").expect("release branch").target().expect("direct ref");
        assert_eq!(release_tip, oid(&built, "bill-7-backport"));
        assert!(!repo.graph_descendant_of(release_tip, oid(&built, "auth-90")).expect("graph walk"));
    }

    #[test]
    fn revert_removes_the_folder_and_names_the_reverted_commit() {
        let scenario = fixture("revert.toml");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let revert = repo.find_commit(oid(&built, "revert-80")).expect("commit");
        assert!(revert.message().expect("utf-8").contains(&format!("This reverts commit {}.", built.sha("auth-80"))));
        let tree = revert.tree().expect("tree");
        assert!(tree.get_path(Path::new("services/auth/flows")).is_err());
        assert!(tree.get_path(Path::new("services/auth/token.py")).is_ok());
        let init = repo.find_commit(oid(&built, "init")).expect("commit");
        let auth_path = Path::new("services/auth");
        assert_eq!(
            tree.get_path(auth_path).expect("auth").id(),
            init.tree().expect("tree").get_path(auth_path).expect("auth").id(),
            "the revert restores auth exactly"
        );
        assert!(!built.repo.join("services/auth/flows").exists());
    }

    #[test]
    fn moved_tag_points_at_the_new_commit() {
        let scenario = fixture("moved-tag.toml");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let target = repo.find_reference("refs/tags/v1.1").expect("tag").peel_to_commit().expect("commit").id();
        assert_eq!(target, oid(&built, "auth-82"));
        let records = fs::read_to_string(&built.record_files[0]).expect("records");
        assert!(records.contains(built.sha("auth-81")));
    }

    #[test]
    fn merge_conflict_is_an_error_naming_the_commit() {
        let text = r#"
description = "conflict"
[[commit]]
id = "base"
message = "BASE-1: base"
date = "2023-01-01T00:00:00Z"
files = { "f.txt" = "base\n" }
[[commit]]
id = "left"
message = "LEFT-1: left"
date = "2023-01-02T00:00:00Z"
files = { "f.txt" = "left\n" }
[[commit]]
id = "right"
branch = "topic"
from = "base"
message = "RIGHT-1: right"
date = "2023-01-03T00:00:00Z"
files = { "f.txt" = "right\n" }
[[commit]]
id = "the-merge"
merge = ["topic"]
message = "Merge branch 'topic'"
date = "2023-01-04T00:00:00Z"
"#;
        let scenario = Scenario::parse("conflict.toml", text).expect("parses");
        let dir = TempDir::new().expect("temporary folder");
        let error = err_text(scenario.materialize(dir.path()));
        assert!(error.contains("conflict.toml"), "{error}");
        assert!(error.contains("the-merge"), "{error}");
        assert!(error.contains("conflict"), "{error}");
        assert!(error.contains("f.txt"), "{error}");
    }

    #[test]
    fn octopus_merge_of_disjoint_branches() {
        let text = r#"
description = "octopus"
[[commit]]
id = "base"
message = "BASE-1: base"
date = "2023-01-01T00:00:00Z"
files = { "base.txt" = "base\n" }
[[commit]]
id = "a"
branch = "a"
from = "base"
message = "A-1: a"
date = "2023-01-02T00:00:00Z"
files = { "a/one.txt" = "a\n" }
[[commit]]
id = "b"
branch = "b"
from = "base"
message = "B-1: b"
date = "2023-01-03T00:00:00Z"
files = { "b.txt" = "b\n" }
[[commit]]
id = "octopus"
merge = ["a", "b"]
message = "Merge branches 'a' and 'b'"
date = "2023-01-04T00:00:00Z"
files = { "base.txt" = "merged\n" }
"#;
        let scenario = Scenario::parse("octopus.toml", text).expect("parses");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let merge = repo.find_commit(oid(&built, "octopus")).expect("commit");
        assert_eq!(merge.parent_count(), 3);
        let tree = merge.tree().expect("tree");
        for path in ["a/one.txt", "b.txt", "base.txt"] {
            assert!(tree.get_path(Path::new(path)).is_ok(), "{path}");
        }
        assert_eq!(fs::read_to_string(built.repo.join("base.txt")).expect("file"), "merged\n");
    }

    #[test]
    fn unknown_label_is_an_error_naming_it() {
        let text = MINIMAL.to_owned()
            + r#"
[[commit]]
id = "two"
branch = "topic"
from = "nowhere"
message = "TWO-2: second"
date = "2023-01-03T00:00:00Z"
"#;
        let error = err_text(Scenario::parse("bad.toml", &text));
        assert!(error.contains("bad.toml"), "{error}");
        assert!(error.contains("`two`"), "{error}");
        assert!(error.contains("nowhere"), "{error}");

        let text = MINIMAL.to_owned() + "[[tag]]\nname = \"v1\"\ntarget = \"ghost\"\n";
        let error = err_text(Scenario::parse("bad.toml", &text));
        assert!(error.contains("v1") && error.contains("ghost"), "{error}");

        let text = MINIMAL.to_owned()
            + "[[record_file]]\npath = \"r.jsonl\"\nformat = \"jsonl\"\n\
               [[record_file.records]]\ncommit = \"{sha:ghost}\"\n";
        let error = err_text(Scenario::parse("bad.toml", &text));
        assert!(error.contains("ghost") && error.contains("r.jsonl"), "{error}");

        // A message can only name earlier commits.
        let text = MINIMAL.replace("ONE-1: first", "ONE-1: see {short:one}");
        let error = err_text(Scenario::parse("bad.toml", &text));
        assert!(error.contains("`one`"), "{error}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = MINIMAL.replace("date =", "colour = \"red\"\ndate =");
        let error = err_text(Scenario::parse("keys.toml", &text));
        assert!(error.contains("keys.toml") && error.contains("colour"), "{error}");
        let text = format!("{MINIMAL}\n[[tag]]\nname = \"v1\"\ntarget = \"one\"\nsigned = true\n");
        let error = err_text(Scenario::parse("keys.toml", &text));
        assert!(error.contains("signed"), "{error}");
        let text = format!("surprise = 1\n{MINIMAL}");
        assert!(err_text(Scenario::parse("keys.toml", &text)).contains("surprise"));
    }

    #[test]
    fn other_mistakes_are_errors() {
        let cases = [
            (MINIMAL.replace("2023-01-02T03:04:05Z", "2023-02-30T00:00:00Z"), "day"),
            (MINIMAL.replace("2023-01-02T03:04:05Z", "yesterday"), "RFC 3339"),
            (MINIMAL.replace("id = \"one\"", "id = \"one\"\nbranch = \"side\""), "main"),
            (MINIMAL.replace("\"a.txt\"", "\"../a.txt\""), "a.txt"),
            (MINIMAL.replace("\"a.txt\"", "\".git/config\""), ".git"),
            (
                MINIMAL.replace("id = \"one\"", "id = \"one\"\nauthor = \"nobody\""),
                "Name <email>",
            ),
            (
                MINIMAL.to_owned() + "[[commit]]\nid = \"one\"\nmessage = \"X-1: again\"\ndate = \"2023-01-03T00:00:00Z\"\n",
                "twice",
            ),
            (
                MINIMAL.to_owned() + "[[commit]]\nid = \"gone\"\nmessage = \"X-1: d\"\ndate = \"2023-01-03T00:00:00Z\"\ndelete = [\"a.txt\"]\nfiles = { \"a.txt\" = \"x\" }\n",
                "both",
            ),
            (
                MINIMAL.to_owned() + "[[tag]]\nname = \"v1\"\ntarget = \"one\"\ntarget_kind = \"tag\"\n",
                "target_kind",
            ),
            (
                MINIMAL.to_owned() + "[[record_file]]\npath = \"repo/r.jsonl\"\nformat = \"jsonl\"\n",
                "beside",
            ),
        ];
        for (text, expected) in cases {
            let error = err_text(Scenario::parse("bad.toml", &text));
            assert!(error.contains(expected), "expected {expected:?} in: {error}");
        }
        // A file that is not there cannot be deleted; the error names the commit.
        let text = MINIMAL.to_owned()
            + "[[commit]]\nid = \"gone\"\nmessage = \"X-1: d\"\ndate = \"2023-01-03T00:00:00Z\"\ndelete = [\"missing.txt\"]\n";
        let scenario = Scenario::parse("bad.toml", &text).expect("parses");
        let dir = TempDir::new().expect("temporary folder");
        let error = err_text(scenario.materialize(dir.path()));
        assert!(error.contains("`gone`") && error.contains("missing.txt"), "{error}");
    }

    #[test]
    fn messages_placeholders_and_dates() {
        let text = r#"
description = "details"
[[commit]]
id = "side"
branch = "side"
message = "SIDE-1: first, on a side branch"
date = "2023-03-14T10:30:00+02:00"
committer_date = "2023-03-15T08:00:00-05:30"
author = "Ada Lovelace <ada@example.com>"
files = { "deep/er/file.txt" = "one\n", "keep.txt" = "keep\n" }
[[commit]]
id = "main-1"
branch = "main"
from = "side"
message = """

MAIN-1: mentions {short:side}

Full: {sha:side}. Braces {stay} as they are.


"""
date = "2023-03-16T00:00:00Z"
delete = ["deep"]
"#;
        let scenario = Scenario::parse("details.toml", text).expect("parses");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        assert_eq!(repo.head().expect("HEAD").name().ok(), Some("refs/heads/main"));
        let side = repo.find_commit(oid(&built, "side")).expect("commit");
        assert_eq!(side.author().when().seconds(), 1_678_782_600);
        assert_eq!(side.author().when().offset_minutes(), 120);
        assert_eq!(side.committer().when().offset_minutes(), -330);
        assert_eq!(side.committer().name().ok(), Some("Ada Lovelace"));
        let main = repo.find_commit(oid(&built, "main-1")).expect("commit");
        assert_eq!(side.parent_count(), 0, "a new branch without `from` starts at a root");
        assert_eq!(main.parent_ids().collect::<Vec<_>>(), vec![side.id()]);
        assert_eq!(
            main.message().ok(),
            Some(
                format!(
                    "MAIN-1: mentions {}\n\nFull: {}. Braces {{stay}} as they are.\n",
                    &built.sha("side")[..7],
                    built.sha("side")
                )
                .as_str()
            )
        );
        assert_eq!(main.author().name().ok(), Some("Dev"));
        assert_eq!(main.author().email().ok(), Some("dev@example.com"));
        let tree = main.tree().expect("tree");
        assert_eq!(tree.len(), 1, "deleting a folder removes all of it");
        assert!(tree.get_name("keep.txt").is_some());
        assert!(!built.repo.join("deep").exists());
    }

    #[test]
    fn deleting_the_last_file_of_a_folder_removes_the_folder() {
        let text = MINIMAL.replace("\"a.txt\" = \"a\\n\"", "\"x/y/a.txt\" = \"a\\n\"\n\"b.txt\" = \"b\\n\"")
            + "[[commit]]\nid = \"two\"\nmessage = \"TWO-1: remove\"\ndate = \"2023-01-03T00:00:00Z\"\ndelete = [\"x/y/a.txt\"]\n";
        let scenario = Scenario::parse("folders.toml", &text).expect("parses");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let one = repo.find_commit(oid(&built, "one")).expect("commit");
        assert!(one.tree().expect("tree").get_path(Path::new("x/y/a.txt")).is_ok());
        let two = repo.find_commit(oid(&built, "two")).expect("commit");
        let tree = two.tree().expect("tree");
        assert_eq!(tree.len(), 1);
        assert!(tree.get_name("x").is_none());
    }

    #[test]
    fn tags_lightweight_tree_and_blob() {
        let text = MINIMAL.to_owned()
            + r#"
[[tag]]
name = "light"
target = "main"
[[tag]]
name = "on-tree"
target = "one"
target_kind = "tree"
message = "Points at a tree {short:one}"
[[tag]]
name = "on-blob"
target = "one"
target_kind = "blob:a.txt"
"#;
        let scenario = Scenario::parse("tags.toml", &text).expect("parses");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let one = repo.find_commit(oid(&built, "one")).expect("commit");
        let light = repo.find_reference("refs/tags/light").expect("tag");
        assert_eq!(light.target(), Some(one.id()), "lightweight: the ref names the commit");
        let on_tree = repo.find_reference("refs/tags/on-tree").expect("tag").peel_to_tag().expect("annotated");
        assert_eq!(on_tree.target_type(), Some(ObjectType::Tree));
        assert_eq!(on_tree.target_id(), one.tree_id());
        assert_eq!(
            on_tree.message().ok().flatten(),
            Some(format!("Points at a tree {}\n", &built.sha("one")[..7]).as_str())
        );
        assert_eq!(on_tree.tagger().expect("tagger").when().seconds(), one.time().seconds());
        let on_blob = repo.find_reference("refs/tags/on-blob").expect("tag");
        let blob = repo.find_blob(on_blob.target().expect("direct")).expect("a blob");
        assert_eq!(blob.content(), b"a\n");

        let bad = MINIMAL.to_owned() + "[[tag]]\nname = \"bad\"\ntarget = \"one\"\ntarget_kind = \"blob:nope.txt\"\n";
        let scenario = Scenario::parse("tags.toml", &bad).expect("parses");
        let dir = TempDir::new().expect("temporary folder");
        let error = err_text(scenario.materialize(dir.path()));
        assert!(error.contains("`bad`") && error.contains("nope.txt"), "{error}");
    }

    #[test]
    fn record_formats_keep_key_order() {
        let text = MINIMAL.to_owned()
            + r#"
[[record_file]]
path = "out/list.json"
format = "json"
[[record_file.records]]
zeta = "{short:one}"
alpha = { nested = ["{sha:one}", 3, true], first = 1.5 }
when = 2023-01-02T03:04:05Z

[[record_file]]
path = "out/each"
format = "dir"
[[record_file.records]]
id = "prod-1"
commit = "{sha:one}"
[[record_file.records]]
commit = "{sha:one}"
"#;
        let scenario = Scenario::parse("records.toml", &text).expect("parses");
        let (_dir, built) = build(&scenario);
        let sha = built.sha("one");
        let list = fs::read_to_string(&built.record_files[0]).expect("json file");
        let zeta = list.find("\"zeta\"").expect("zeta");
        let alpha = list.find("\"alpha\"").expect("alpha");
        let nested = list.find("\"nested\"").expect("nested");
        let first = list.find("\"first\"").expect("first");
        assert!(zeta < alpha && nested < first, "key order lost: {list}");
        let value: serde_json::Value = serde_json::from_str(&list).expect("a JSON array");
        assert_eq!(value[0]["zeta"], &sha[..7]);
        assert_eq!(value[0]["alpha"]["nested"][0], sha);
        assert_eq!(value[0]["when"], "2023-01-02T03:04:05Z");
        assert!(list.ends_with("]\n"));

        let dir = &built.record_files[1];
        assert!(dir.is_dir());
        let named: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("prod-1.json")).expect("file")).expect("JSON");
        assert_eq!(named["commit"], sha);
        assert!(dir.join("record-2.json").is_file());
    }

    #[test]
    fn head_is_main_even_when_main_comes_later() {
        let text = r#"
description = "late main"
[[commit]]
id = "topic"
branch = "topic"
message = "TOP-1: topic first"
date = "2023-01-01T00:00:00Z"
files = { "t.txt" = "t\n" }
[[commit]]
id = "m"
branch = "main"
from = "topic"
message = "MAIN-1: then main"
date = "2023-01-02T00:00:00Z"
files = { "m.txt" = "m\n" }
"#;
        let scenario = Scenario::parse("late.toml", text).expect("parses");
        let (_dir, built) = build(&scenario);
        let repo = Repository::open(&built.repo).expect("repository opens");
        let head = repo.head().expect("HEAD");
        assert_eq!(head.name().ok(), Some("refs/heads/main"));
        assert_eq!(head.target(), Some(oid(&built, "m")));
        assert!(built.repo.join("m.txt").is_file() && built.repo.join("t.txt").is_file());
    }

    #[test]
    fn dates_convert_to_epoch_seconds() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z").expect("date").seconds, 0);
        assert_eq!(
            parse_date("2023-03-14T08:30:00Z").expect("date"),
            When { seconds: 1_678_782_600, offset_minutes: 0 }
        );
        assert_eq!(
            parse_date("2024-02-29T01:00:00+01:00").expect("date"),
            When { seconds: 1_709_164_800, offset_minutes: 60 }
        );
        assert!(parse_date("2023-02-29T00:00:00Z").is_err());
        assert!(parse_date("2023-03-14T08:30:00.5Z").is_err());
        assert!(parse_date("2023-03-14T08:30:00+0100").is_err());
        assert!(parse_date("2023-03-14T08:30:00").is_err());
    }

    #[test]
    #[should_panic(expected = "no commit labelled `ghost`")]
    fn sha_panics_on_an_unknown_label() {
        let scenario = Scenario::parse("minimal.toml", MINIMAL).expect("parses");
        let (_dir, built) = build(&scenario);
        let _ = built.sha("ghost");
    }
}
