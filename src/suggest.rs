//! `shipcheck init`'s reasoning: a starting configuration suggested from a
//! repository's [`Layout`] — components from workspace members, Go modules
//! and service folders, the version files beside them, the release tag
//! naming, and the change-ID styles the latest commit messages use.
//!
//! Pure: it reads plain data and returns the file's text with one reason
//! per decision, so it is tested on literal layouts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;

use crate::config::{ChangePatterns, DEFAULT_CHANGE_ID, DEFAULT_MERGE_PR, DEFAULT_SQUASH_PR};
use crate::git::Layout;
use crate::text::{escape, join_and, plural};
use crate::truth::{parse_version, VERSION_FILES};

/// Folders under which each sub-folder is taken for a deployable service.
pub const SERVICE_ROOTS: &[&str] = &["services", "apps", "packages"];

/// Top-level folders that hold no deployable component (skipped when every
/// top-level folder is taken for one).
const NOT_COMPONENTS: &[&str] = &[
    "docs",
    "doc",
    "scripts",
    "script",
    "test",
    "tests",
    "examples",
    "example",
    "benches",
    "fixtures",
    "ci",
    "deploy",
    "deploys",
    "vendor",
    "third_party",
    "node_modules",
];

/// At most this many ticket-key prefixes are listed in a pattern; with more,
/// the generic default (which skips look-alikes like `UTF-8`) serves better.
const MAX_PREFIXES: usize = 8;

/// One suggested component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedComponent {
    /// The name records will use: the folder's name.
    pub name: String,
    /// Its paths as written in the file (`crates/cli/`).
    pub paths: Vec<String>,
    /// The version file, when one beside it (or the workspace's) holds a version.
    pub version_file: Option<String>,
    /// The package name, when it differs from the component name.
    pub package: Option<String>,
}

/// The release tag naming found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagStyle {
    /// How a release name is made from a version: `v{version}`, `{name}@{version}`, `YYYY.MM.DD`…
    pub template: String,
    /// Tags named this way.
    pub count: usize,
    /// All tags.
    pub total: usize,
    /// One of them.
    pub example: String,
    /// `tags:` sources to read them, with the component each is about (if one).
    pub sources: Vec<(String, Option<String>)>,
}

/// What `init` chose, the file's text, and why.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Components, in name order.
    pub components: Vec<SuggestedComponent>,
    /// The release tag naming, if any tag exists.
    pub tags: Option<TagStyle>,
    /// `[changes] patterns` to write; `None` keeps the defaults.
    pub patterns: Option<Vec<String>>,
    /// One line per decision, for people (already escaped).
    pub decisions: Vec<String>,
    /// The configuration file's text.
    pub text: String,
}

/// Suggests a configuration for a repository layout.
pub fn suggest(layout: &Layout) -> Suggestion {
    let mut decisions = Vec::new();
    let (components, components_why) = components(layout, &mut decisions);
    let tags = tag_style(&layout.tags);
    match &tags {
        Some(t) => decisions.push(format!(
            "release tags: {} of {} are named {} (e.g. {}): suggested a commented [[records]] source {}",
            t.count,
            plural(t.total, "tag", "tags"),
            t.template,
            escape(&t.example),
            join_and(&t.sources.iter().map(|(s, _)| format!("\"{}\"", escape(s))).collect::<Vec<_>>())
        )),
        None if layout.tags.is_empty() => decisions.push("release tags: the repository has no tags".into()),
        None => decisions.push(format!(
            "release tags: none of the {} follows a naming shipcheck recognises",
            plural(layout.tags.len(), "tag", "tags")
        )),
    }
    let (patterns, changes_why) = change_patterns(&layout.messages, &mut decisions);
    let text = render(layout, &components, &components_why, tags.as_ref(), patterns.as_deref(), &changes_why);
    Suggestion { components, tags, patterns, decisions, text }
}

// ---------------------------------------------------------------------------
// Components.

fn folder_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern).literal_separator(true).build().ok().map(|g| g.compile_matcher())
}

/// Folders holding a manifest `name`, matched against workspace member
/// patterns (`crates/*`, `!packages/legacy`), minus `exclude`.
fn expand_members(layout: &Layout, manifest: &str, members: &[String], exclude: &[String]) -> Vec<String> {
    let folders: Vec<&str> = layout
        .manifests
        .keys()
        .filter(|p| p.rsplit('/').next() == Some(manifest))
        .map(|p| folder_of(p))
        .filter(|f| !f.is_empty())
        .collect();
    let clean = |m: &str| m.trim().trim_start_matches("./").trim_end_matches('/').to_string();
    let mut excluded: Vec<GlobMatcher> = exclude.iter().filter_map(|e| glob(&clean(e))).collect();
    excluded.extend(members.iter().filter_map(|m| m.trim().strip_prefix('!')).filter_map(|e| glob(&clean(e))));
    let mut out = Vec::new();
    for m in members.iter().filter(|m| !m.trim().starts_with('!')) {
        let m = clean(m);
        let Some(matcher) = glob(&m) else { continue };
        for f in &folders {
            if matcher.is_match(f) && !excluded.iter().any(|e| e.is_match(f)) && !out.iter().any(|o| o == f) {
                out.push(f.to_string());
            }
        }
    }
    out.sort();
    out
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array()).map_or(Vec::new(), |a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
}

fn cargo_members(layout: &Layout) -> Option<(Vec<String>, String)> {
    let root: toml::Table = toml::from_str(layout.manifests.get("Cargo.toml")?).ok()?;
    let ws = root.get("workspace")?.as_table()?;
    let members = strings(ws.get("members"));
    if members.is_empty() {
        return None;
    }
    let found = expand_members(layout, "Cargo.toml", &members, &strings(ws.get("exclude")));
    Some((found, format!("the Cargo workspace members in Cargo.toml ({})", escape(&members.join(", ")))))
}

fn npm_members(layout: &Layout) -> Option<(Vec<String>, String)> {
    let root: serde_json::Value = serde_json::from_str(layout.manifests.get("package.json")?).ok()?;
    let ws = root.get("workspaces")?;
    let list = ws.as_array().or_else(|| ws.get("packages").and_then(|p| p.as_array()))?;
    let members: Vec<String> = list.iter().filter_map(|s| s.as_str().map(String::from)).collect();
    if members.is_empty() {
        return None;
    }
    let found = expand_members(layout, "package.json", &members, &[]);
    Some((found, format!("the workspaces of package.json ({})", escape(&members.join(", ")))))
}

fn go_modules(layout: &Layout) -> Option<(Vec<String>, String)> {
    let found: Vec<String> = layout
        .manifests
        .keys()
        .filter(|p| p.rsplit('/').next() == Some("go.mod"))
        .map(|p| folder_of(p).to_string())
        .filter(|f| !f.is_empty())
        .collect();
    (!found.is_empty()).then(|| (found, "the Go modules (folders with a go.mod)".to_string()))
}

fn service_folders(layout: &Layout) -> Option<(Vec<String>, String)> {
    let mut found = BTreeSet::new();
    let mut roots = BTreeSet::new();
    for f in &layout.files {
        let mut parts = f.splitn(3, '/');
        if let (Some(root), Some(sub), Some(_)) = (parts.next(), parts.next(), parts.next()) {
            if SERVICE_ROOTS.contains(&root) && !sub.starts_with('.') {
                found.insert(format!("{root}/{sub}"));
                roots.insert(format!("{root}/*"));
            }
        }
    }
    let roots: Vec<String> = roots.into_iter().collect();
    (!found.is_empty()).then(|| (found.into_iter().collect(), format!("the service folders {}", join_and(&roots))))
}

fn top_level_folders(layout: &Layout) -> Vec<String> {
    let mut found = BTreeSet::new();
    for f in &layout.files {
        if let Some((top, _)) = f.split_once('/') {
            if !top.starts_with('.') && !NOT_COMPONENTS.contains(&top) {
                found.insert(top.to_string());
            }
        }
    }
    found.into_iter().collect()
}

/// The version file for a component folder, and what it holds.
fn version_file(layout: &Layout, folder: &str) -> Option<(String, String)> {
    for name in VERSION_FILES {
        let path = format!("{folder}/{name}");
        let Some(text) = layout.manifests.get(&path) else { continue };
        if let Some(v) = parse_version(&path, text) {
            return Some((path, v));
        }
        // `version.workspace = true`: the workspace's Cargo.toml holds it.
        if *name == "Cargo.toml" && inherits_workspace_version(text) {
            if let Some(v) = layout.manifests.get("Cargo.toml").and_then(|t| parse_version("Cargo.toml", t)) {
                return Some(("Cargo.toml".to_string(), v));
            }
        }
    }
    None
}

fn inherits_workspace_version(cargo_toml: &str) -> bool {
    let Ok(t) = toml::from_str::<toml::Table>(cargo_toml) else { return false };
    let v = t.get("package").and_then(|p| p.get("version"));
    v.and_then(|v| v.get("workspace")).and_then(|w| w.as_bool()) == Some(true)
}

fn package_name(layout: &Layout, folder: &str) -> Option<String> {
    if let Some(t) = layout.manifests.get(&format!("{folder}/Cargo.toml")) {
        let t: toml::Table = toml::from_str(t).ok()?;
        return t.get("package")?.get("name")?.as_str().map(String::from);
    }
    if let Some(t) = layout.manifests.get(&format!("{folder}/package.json")) {
        let v: serde_json::Value = serde_json::from_str(t).ok()?;
        return v.get("name")?.as_str().map(String::from);
    }
    None
}

/// A repository that is one package (a root Cargo.toml, package.json or
/// pyproject.toml with a name and a version, no workspace): one component,
/// its top-level folders and its manifest.
fn root_package(layout: &Layout, decisions: &mut Vec<String>) -> Option<SuggestedComponent> {
    let (file, name) = ["Cargo.toml", "package.json", "pyproject.toml"].iter().find_map(|file| {
        let text = layout.manifests.get(*file)?;
        parse_version(file, text)?;
        let name = match *file {
            "package.json" => serde_json::from_str::<serde_json::Value>(text).ok()?.get("name")?.as_str()?.to_string(),
            "Cargo.toml" => {
                toml::from_str::<toml::Table>(text).ok()?.get("package")?.get("name")?.as_str()?.to_string()
            }
            _ => toml::from_str::<toml::Table>(text).ok()?.get("project")?.get("name")?.as_str()?.to_string(),
        };
        Some((file.to_string(), name))
    })?;
    let name = name.rsplit('/').next().unwrap_or(&name).to_string();
    let mut paths: Vec<String> = top_level_folders(layout).into_iter().map(|f| format!("{f}/")).collect();
    paths.push(file.clone());
    decisions.push(format!(
        "components: one, {}, the package at the root ({}): {} (no workspace, Go module or {} folder was found)",
        escape(&name),
        escape(&file),
        escape(&paths.join(", ")),
        SERVICE_ROOTS.join("/")
    ));
    Some(SuggestedComponent { name, paths, version_file: Some(file), package: None })
}

/// Components and the sentence that says where they came from.
fn components(layout: &Layout, decisions: &mut Vec<String>) -> (Vec<SuggestedComponent>, String) {
    let mut folders: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    type Detector = fn(&Layout) -> Option<(Vec<String>, String)>;
    // The last flag marks the service-folder detector: a workspace that lists
    // packages/* (minus some) has already said which of them count.
    let detectors: [(Detector, bool); 4] =
        [(cargo_members, false), (npm_members, false), (go_modules, false), (service_folders, true)];
    for (detector, defers_to_workspaces) in detectors {
        if let Some((found, why)) = detector(layout) {
            let covered: BTreeSet<&str> = folders.iter().map(|f| folder_of(f)).collect();
            let new: Vec<String> = found
                .into_iter()
                .filter(|f| !(folders.contains(f) || defers_to_workspaces && covered.contains(folder_of(f))))
                .collect();
            if new.is_empty() {
                continue;
            }
            decisions.push(format!(
                "components: {} from {why}",
                join_and(&new.iter().map(|f| format!("{}/", escape(f))).collect::<Vec<_>>())
            ));
            reasons.push(why);
            folders.extend(new);
        }
    }
    if folders.is_empty() {
        if let Some(single) = root_package(layout, decisions) {
            reasons.push(format!("the package at the root ({})", single.version_file.as_deref().unwrap_or("")));
            return (vec![single], reasons.join("; "));
        }
        folders = top_level_folders(layout);
        let why = format!(
            "the top-level folders (no workspace, Go module or {} folder was found; {} are never components)",
            SERVICE_ROOTS.join("/"),
            NOT_COMPONENTS[..4].join(", ") + ", …"
        );
        if folders.is_empty() {
            decisions.push("components: none found (every file is at the root); none written".into());
        } else {
            decisions.push(format!(
                "components: {} from {why}",
                join_and(&folders.iter().map(|f| format!("{}/", escape(f))).collect::<Vec<_>>())
            ));
        }
        reasons.push(why);
    }
    let kept = outermost(folders, decisions);
    let mut out = named_components(layout, &kept, decisions);
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, reasons.join("; "))
}

/// The folders less those inside another one (they would overlap), sorted.
fn outermost(mut folders: Vec<String>, decisions: &mut Vec<String>) -> Vec<String> {
    folders.sort();
    let mut kept: Vec<String> = Vec::new();
    for f in folders {
        match kept.iter().find(|k| f.starts_with(&format!("{k}/"))) {
            Some(outer) => decisions.push(format!(
                "components: skipped {}/, which is inside {}/ (a file must belong to one component)",
                escape(&f),
                escape(outer)
            )),
            None => kept.push(f),
        }
    }
    kept
}

/// One component per folder, named by the folder's name (or its whole path
/// when two folders share one), with the version file beside it.
fn named_components(layout: &Layout, kept: &[String], decisions: &mut Vec<String>) -> Vec<SuggestedComponent> {
    let last = |f: &str| f.rsplit('/').next().unwrap_or(f).to_string();
    kept.iter()
        .map(|f| {
            let short = last(f);
            let name = if kept.iter().filter(|k| last(k) == short).count() > 1 { f.replace('/', "-") } else { short };
            let version = version_file(layout, f);
            let package = package_name(layout, f).filter(|p| *p != name);
            decisions.push(match &version {
                Some((file, v)) => format!(
                    "component {}: {}/, version {} read from {}",
                    escape(&name),
                    escape(f),
                    escape(v),
                    escape(file)
                ),
                None => format!(
                    "component {}: {}/, no version file (none of {} beside it holds a version)",
                    escape(&name),
                    escape(f),
                    VERSION_FILES.join(", ")
                ),
            });
            SuggestedComponent { name, paths: vec![format!("{f}/")], version_file: version.map(|(f, _)| f), package }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Release tags.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum TagKind {
    V,
    Plain,
    Date(String),
    Named(&'static str),
}

fn tag_regexes() -> &'static [(Regex, u8); 6] {
    static RE: OnceLock<[(Regex, u8); 6]> = OnceLock::new();
    RE.get_or_init(|| {
        let semver = r"\d+\.\d+(?:\.\d+)?(?:[-+].*)?";
        let r = |s: String| Regex::new(&s).expect("built-in tag pattern compiles");
        [
            (
                r(r"^(?P<p>v?)(?:19|20)\d\d[.\-]?(?:0[1-9]|1[0-2])[.\-]?(?:0[1-9]|[12]\d|3[01])(?:[.\-_+].*)?$".into()),
                0,
            ),
            (r(format!("^v{semver}$")), 1),
            (r(format!("^{semver}$")), 2),
            (r(format!("^(?P<name>.+?)-v{semver}$")), 3),
            (r(format!("^(?P<name>.+)@v?{semver}$")), 4),
            (r(format!("^(?P<name>.+)/v{semver}$")), 5),
        ]
    })
}

fn classify(tag: &str) -> Option<(TagKind, Option<String>)> {
    for (re, kind) in tag_regexes() {
        let Some(c) = re.captures(tag) else { continue };
        let name = c.name("name").map(|m| m.as_str().to_string());
        return Some(match kind {
            0 => (TagKind::Date(c.name("p").map_or("", |m| m.as_str()).to_string()), None),
            1 => (TagKind::V, None),
            2 => (TagKind::Plain, None),
            3 => (TagKind::Named("-v"), name),
            4 => (TagKind::Named("@"), name),
            _ => (TagKind::Named("/v"), name),
        });
    }
    None
}

/// The most common release tag naming among `tags`.
pub fn tag_style(tags: &[String]) -> Option<TagStyle> {
    let mut by_kind: BTreeMap<TagKind, Vec<(&str, Option<String>)>> = BTreeMap::new();
    for t in tags {
        if let Some((kind, name)) = classify(t) {
            by_kind.entry(kind).or_default().push((t, name));
        }
    }
    // Most tags wins; on a tie, the order of TagKind.
    let (kind, found) = by_kind.into_iter().fold(None, |best: Option<(TagKind, Vec<_>)>, (k, v)| match best {
        Some((bk, bv)) if bv.len() >= v.len() => Some((bk, bv)),
        _ => Some((k, v)),
    })?;
    let example = found.last().map(|(t, _)| t.to_string()).unwrap_or_default();
    let (template, sources) = match &kind {
        TagKind::V => ("v{version}".to_string(), vec![("tags:v*".to_string(), None)]),
        TagKind::Plain => ("{version}".to_string(), vec![("tags:[0-9]*".to_string(), None)]),
        TagKind::Date(p) => {
            let century: String = example[p.len()..].chars().take(2).collect();
            (format!("{p}YYYY.MM.DD (dates)"), vec![(format!("tags:{p}{century}*"), None)])
        }
        TagKind::Named(sep) => {
            let mut names: Vec<String> = found.iter().filter_map(|(_, n)| n.clone()).collect();
            names.sort();
            names.dedup();
            let sep_v = if *sep == "@" { "@".to_string() } else { sep.to_string() };
            let sources = names.iter().map(|n| (format!("tags:{n}{sep_v}*"), Some(n.clone()))).collect();
            (format!("{{name}}{sep_v}{{version}}"), sources)
        }
    };
    Some(TagStyle { template, count: found.len(), total: tags.len(), example, sources })
}

// ---------------------------------------------------------------------------
// Change IDs.

fn key_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(?P<prefix>[A-Z][A-Z0-9]+)-\d+$").expect("valid"))
}

/// The ticket-key prefixes, pull-request styles and trailers used in
/// `messages`: the patterns to write (`None`: keep the defaults) and a
/// comment that says why.
fn change_patterns(messages: &[String], decisions: &mut Vec<String>) -> (Option<Vec<String>>, String) {
    let n = messages.len();
    // A style counts when at least 1% of the messages use it (at least one).
    let threshold = n.div_ceil(100).max(1);
    let defaults = ChangePatterns::defaults();
    let mut prefixes: BTreeMap<String, usize> = BTreeMap::new();
    let styles_re = [DEFAULT_MERGE_PR, DEFAULT_SQUASH_PR, DEFAULT_CHANGE_ID].map(|p| Regex::new(p).expect("built-in"));
    let mut counts = [0usize; 3];
    for m in messages {
        let mut seen = BTreeSet::new();
        for id in defaults.extract(m) {
            if let Some(c) = key_re().captures(&id) {
                seen.insert(c["prefix"].to_string());
            }
        }
        for p in seen {
            *prefixes.entry(p).or_default() += 1;
        }
        for (i, re) in styles_re.iter().enumerate() {
            counts[i] += usize::from(re.is_match(m));
        }
    }
    let among = format!("the last {}", plural(n, "commit message", "commit messages"));
    let kept: Vec<(String, usize)> = prefixes.into_iter().filter(|(_, c)| *c >= threshold).collect();
    let mut patterns = Vec::new();
    let mut why = Vec::new();
    let mut generic = false;
    if !kept.is_empty() {
        let listed = kept.iter().map(|(p, c)| format!("{p} ({c})")).collect::<Vec<_>>();
        if kept.len() > MAX_PREFIXES {
            generic = true;
            decisions.push(format!(
                "change IDs: {} ticket-key prefixes in {among}, more than {MAX_PREFIXES}: the generic default pattern fits better",
                kept.len()
            ));
            why.push(format!("ticket keys with {} prefixes", kept.len()));
        } else {
            let names: Vec<&str> = kept.iter().map(|(p, _)| p.as_str()).collect();
            let pattern = match names.as_slice() {
                [one] => format!(r"\b(?P<id>{one}-\d+)\b"),
                many => format!(r"\b(?P<id>(?:{})-\d+)\b", many.join("|")),
            };
            decisions.push(format!("change IDs: ticket keys {} in {among}: {pattern}", join_and(&listed)));
            why.push(format!("ticket keys {}", join_and(&listed)));
            patterns.push(pattern);
        }
    }
    let styles = [
        (DEFAULT_MERGE_PR, "pull-request numbers in merge subjects (\"Merge pull request #12\")"),
        (DEFAULT_SQUASH_PR, "pull-request numbers in squash subjects (\"title (#12)\")"),
        (DEFAULT_CHANGE_ID, "Change-Id: trailers"),
    ];
    for (i, (pattern, what)) in styles.iter().enumerate() {
        if counts[i] >= threshold {
            decisions.push(format!("change IDs: {what} in {} of {among}: {pattern}", counts[i]));
            why.push(format!("{what} ({})", counts[i]));
            patterns.push(pattern.to_string());
        }
    }
    let comment = if why.is_empty() {
        decisions.push(format!("change IDs: none found in {among}: kept the default patterns"));
        format!("No change IDs were found in {among}: the default patterns are kept.")
    } else {
        format!("Found in {among}: {}.", join_and(&why))
    };
    if generic || patterns.is_empty() {
        if generic {
            decisions.push(
                "change IDs: kept the default patterns (they also find pull-request numbers and Change-Id trailers)"
                    .into(),
            );
        }
        return (None, comment);
    }
    (Some(patterns), comment)
}

// ---------------------------------------------------------------------------
// The file.

fn bare_key(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A TOML string: literal ('…') when it can be, so regexes stay readable.
fn toml_str(s: &str) -> String {
    if !s.contains(['\'', '\n', '\r']) && !s.chars().any(crate::text::is_unsafe_char) {
        format!("'{s}'")
    } else {
        toml::Value::String(s.to_string()).to_string()
    }
}

fn basic_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn comment_lines(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 78 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(&escape(word));
    }
    out.push_str(&line);
    out.push('\n');
}

fn render(
    layout: &Layout,
    components: &[SuggestedComponent],
    components_why: &str,
    tags: Option<&TagStyle>,
    patterns: Option<&[String]>,
    changes_why: &str,
) -> String {
    let mut out = String::new();
    let short = crate::text::short_sha(&layout.head);
    comment_lines(
        &mut out,
        &format!(
            "shipcheck configuration, written by `shipcheck init` from the repository at HEAD ({short}). \
             Edit it freely, then run `shipcheck check-config` to check it against the repository."
        ),
    );
    out.push('\n');
    render_components(&mut out, components, components_why);
    render_changes(&mut out, patterns, changes_why);
    out.push('\n');
    render_tags(&mut out, tags, components);
    out.push('\n');
    render_deploy_logs(&mut out);
    out
}

/// The `[components.*]` tables, with how they were found.
fn render_components(out: &mut String, components: &[SuggestedComponent], components_why: &str) {
    if components.is_empty() {
        comment_lines(
            out,
            "Components: none found. Without a [components] table every top-level folder is one. \
             Add tables like: [components.api] paths = [\"api/\"] version_file = \"api/VERSION\"",
        );
    } else {
        comment_lines(
            out,
            &format!(
                "Components: named sets of paths (folders, files or globs) that records list. \
                 Found from {components_why}."
            ),
        );
    }
    for c in components {
        out.push('\n');
        let key = if bare_key(&c.name) { c.name.clone() } else { basic_str(&c.name) };
        if let Some(p) = &c.package {
            out.push_str(&format!("# package {}\n", escape(p)));
        }
        let paths: Vec<String> = c.paths.iter().map(|p| basic_str(p)).collect();
        out.push_str(&format!("[components.{key}]\npaths = [{}]\n", paths.join(", ")));
        match &c.version_file {
            Some(v) => out.push_str(&format!("version_file = {}\n", basic_str(v))),
            None => out.push_str("# version_file = \"…\"   # VERSION, Cargo.toml, package.json or pyproject.toml\n"),
        }
    }
}

/// The `[changes]` table: the patterns the messages use, or the defaults.
fn render_changes(out: &mut String, patterns: Option<&[String]>, changes_why: &str) {
    out.push_str("\n[changes]\n");
    comment_lines(
        out,
        &format!(
            "Change IDs: regexes whose group named `id` (or whole match) names a change in commit messages; \
             commit SHAs always count. {changes_why}"
        ),
    );
    match patterns {
        Some(p) => {
            let list: Vec<String> = p.iter().map(|p| toml_str(p)).collect();
            out.push_str(&format!("patterns = [{}]\n", list.join(", ")));
        }
        None => out.push_str(&format!(
            "# patterns = [{}]   # the defaults; they skip look-alikes such as UTF-8 and SHA-1\n",
            toml_str(crate::config::DEFAULT_TICKET)
        )),
    }
    out.push_str("require = false   # true: report deployed commits that carry no change ID\n");
}

/// Commented `[[records]]` examples for the release tags found.
fn render_tags(out: &mut String, tags: Option<&TagStyle>, components: &[SuggestedComponent]) {
    match tags {
        Some(t) => {
            comment_lines(
                out,
                &format!(
                    "Release tags: {} of {} are named {} (e.g. {}). A release history read from them:",
                    t.count,
                    plural(t.total, "tag", "tags"),
                    t.template,
                    t.example
                ),
            );
            for (source, component) in t.sources.iter().take(5) {
                out.push_str(&format!("# [[records]]\n# source = {}\n", basic_str(source)));
                out.push_str("# environment = \"releases\"\n");
                // A tag names a component by its folder's or its package's name.
                let about = component
                    .as_ref()
                    .and_then(|n| components.iter().find(|x| &x.name == n || x.package.as_ref() == Some(n)));
                if let Some(c) = about {
                    out.push_str(&format!("# components = [{}]\n", basic_str(&c.name)));
                }
            }
        }
        None => comment_lines(out, "Release tags: none that follow a naming shipcheck recognises."),
    }
}

/// A commented `[[records]]` example for a deploy log.
fn render_deploy_logs(out: &mut String) {
    comment_lines(
        out,
        "Deploy logs: one JSON record per deploy, one per line (see the README). \
         `shipcheck audit` reads the [[records]] sources when no --records is given.",
    );
    out.push_str(
        "# [[records]]\n# source = \"deploys/production.jsonl\"   # relative to this file\n\
         # environment = \"production\"\n# complete = true\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(files: &[(&str, &str)], tags: &[&str], messages: &[&str]) -> Layout {
        let mut l = Layout {
            head: "0123456789abcdef0123456789abcdef01234567".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            messages: messages.iter().map(|m| m.to_string()).collect(),
            ..Layout::default()
        };
        for (p, text) in files {
            l.files.push(p.to_string());
            if crate::git::MANIFESTS.contains(&p.rsplit('/').next().unwrap()) {
                l.manifests.insert(p.to_string(), text.to_string());
            }
        }
        l.files.sort();
        l
    }

    fn brief(s: &Suggestion) -> Vec<(String, String, Option<String>)> {
        s.components.iter().map(|c| (c.name.clone(), c.paths.join(" "), c.version_file.clone())).collect()
    }

    #[test]
    fn npm_workspaces_as_an_array_with_a_negation() {
        let l = layout(
            &[
                ("package.json", r#"{"workspaces": ["packages/*", "!packages/legacy"]}"#),
                ("packages/ui/package.json", r#"{"name": "@acme/ui", "version": "0.4.0"}"#),
                ("packages/legacy/package.json", r#"{"name": "legacy"}"#),
                ("packages/ui/src/index.js", ""),
            ],
            &[],
            &[],
        );
        let s = suggest(&l);
        assert_eq!(brief(&s), [("ui".into(), "packages/ui/".into(), Some("packages/ui/package.json".into()))]);
        assert_eq!(s.components[0].package.as_deref(), Some("@acme/ui"));
        crate::config::Config::parse("t", &s.text).unwrap();
    }

    #[test]
    fn nested_folders_and_shared_names() {
        let l = layout(
            &[
                ("apps/web/index.js", ""),
                ("packages/web/index.js", ""),
                ("apps/web/tool/go.mod", "module x\n"),
                ("apps/web/tool/main.go", ""),
            ],
            &[],
            &[],
        );
        let s = suggest(&l);
        let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["apps-web", "packages-web"]);
        assert!(s.decisions.iter().any(|d| d.contains("skipped apps/web/tool/")), "{:#?}", s.decisions);
        crate::config::Config::parse("t", &s.text).unwrap();
    }

    #[test]
    fn top_level_folders_without_any_workspace() {
        let l = layout(&[("api/VERSION", "1.0\n"), ("docs/a.md", ""), (".github/x.yml", ""), ("README", "")], &[], &[]);
        let s = suggest(&l);
        assert_eq!(brief(&s), [("api".into(), "api/".into(), Some("api/VERSION".into()))]);
        let empty = suggest(&layout(&[("README", "")], &[], &[]));
        assert!(empty.components.is_empty());
        let c = crate::config::Config::parse("t", &empty.text).unwrap();
        assert!(c.default_components);
    }

    #[test]
    fn a_single_package_at_the_root() {
        let l = layout(
            &[
                ("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n"),
                ("src/main.rs", ""),
                ("tests/t.rs", ""),
            ],
            &[],
            &[],
        );
        let s = suggest(&l);
        assert_eq!(brief(&s), [("tool".into(), "src/ Cargo.toml".into(), Some("Cargo.toml".into()))]);
        crate::config::Config::parse("t", &s.text).unwrap();
    }

    #[test]
    fn tag_styles() {
        let s = |t: &[&str]| tag_style(&t.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["v1.0.0", "v1.1.0", "old"]).unwrap().template, "v{version}");
        assert_eq!(s(&["1.0.0", "1.2"]).unwrap().sources[0].0, "tags:[0-9]*");
        let d = s(&["v2023.03.14", "v2023.03.28", "v1.0.0"]).unwrap();
        assert_eq!((d.template.as_str(), d.sources[0].0.as_str()), ("vYYYY.MM.DD (dates)", "tags:v20*"));
        assert_eq!(s(&["2023.03.14"]).unwrap().sources[0].0, "tags:20*");
        let n = s(&["auth-v1.0.0", "web-v2.0.0", "auth-service-v0.1.0"]).unwrap();
        assert_eq!(n.template, "{name}-v{version}");
        let names: Vec<&str> = n.sources.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["tags:auth-v*", "tags:auth-service-v*", "tags:web-v*"]);
        let at = s(&["@acme/web@1.2.0", "ui@0.4.0"]).unwrap();
        assert_eq!(at.sources[0], ("tags:@acme/web@*".to_string(), Some("@acme/web".to_string())));
        assert_eq!(s(&["api/v1.2.0"]).unwrap().template, "{name}/v{version}");
        assert!(s(&["nightly"]).is_none());
    }

    #[test]
    fn change_styles_from_messages() {
        let mut d = Vec::new();
        let msgs: Vec<String> = [
            "AUTH-1: a",
            "BILL-2: b\n\nUses UTF-8 and SHA-1.",
            "Merge pull request #4 from x/y",
            "AUTH-3 c",
            "fix\n\nChange-Id: I0123456789abcdef",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (p, why) = change_patterns(&msgs, &mut d);
        assert_eq!(p.unwrap(), [r"\b(?P<id>(?:AUTH|BILL)-\d+)\b", DEFAULT_MERGE_PR, DEFAULT_CHANGE_ID]);
        assert!(why.contains("AUTH (2) and BILL (1)"), "{why}");
        let (p, _) = change_patterns(&["tidy".to_string()], &mut d);
        assert!(p.is_none());
        let many: Vec<String> = (0..10).map(|i| format!("P{}X-{} thing", (b'A' + i) as char, i + 1)).collect();
        let (p, _) = change_patterns(&many, &mut d);
        assert!(p.is_none());
    }
}
