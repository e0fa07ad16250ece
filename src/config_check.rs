//! `shipcheck check-config`'s reasoning: what in a configuration disagrees
//! with the repository at HEAD. Pure: it reads the configuration, a
//! [`Layout`] and a way to read a file at HEAD.

use std::collections::BTreeMap;

use crate::config::{ComponentPath, Config, VersionFile};
use crate::git::Layout;
use crate::text::{escape, plural};
use crate::truth::parse_version;

/// How many commit messages the patterns are tried on.
pub const MESSAGES: usize = 1000;

/// The outcome: problems (one sentence each, escaped) or a summary.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// One sentence per problem.
    pub problems: Vec<String>,
    /// What was checked, in one line.
    pub summary: String,
}

/// Checks `config` against HEAD: paths that match no file, components that
/// claim the same file, change-ID patterns that match none of the latest
/// commit messages, version files that are missing or hold no version.
/// `read` gives a file's text at HEAD.
pub fn check(config: &Config, layout: &Layout, read: &dyn Fn(&str) -> Option<String>) -> Checked {
    let mut problems = Vec::new();
    unmatched_paths(config, layout, &mut problems);
    overlaps(config, layout, &mut problems);
    let matching = unmatched_patterns(config, layout, &mut problems);
    let versions = version_files(config, read, &mut problems);
    let n = layout.messages.len();
    let paths: usize = config.components.iter().map(|c| c.paths.len()).sum();
    let components = if config.default_components {
        "no [components] (one per top-level folder)".to_string()
    } else {
        format!(
            "{} ({}, {})",
            plural(config.components.len(), "component", "components"),
            plural(paths, "path", "paths"),
            plural(versions, "version file", "version files")
        )
    };
    let patterns = config.changes.patterns().count();
    let summary = format!(
        "{components}; {}{} finding IDs in {matching} of the last {}",
        plural(patterns, "change-ID pattern", "change-ID patterns"),
        if config.changes.is_default() { " (the defaults)" } else { "" },
        plural(n, "commit message", "commit messages"),
    );
    Checked { problems, summary }
}

fn component_name(n: &str) -> String {
    format!("component \"{}\"", escape(n))
}

/// Paths that match no file at HEAD.
fn unmatched_paths(config: &Config, layout: &Layout, problems: &mut Vec<String>) {
    for c in &config.components {
        for p in &c.paths {
            if !layout.files.iter().any(|f| p.matches(f)) {
                let hint = match p {
                    ComponentPath::Prefix(_) => "no such file or folder",
                    ComponentPath::Glob { .. } => "the glob matches no file",
                };
                problems.push(format!(
                    "{}: path \"{}\" matches no file at HEAD ({hint})",
                    component_name(&c.name),
                    escape(&p.display())
                ));
            }
        }
    }
}

/// Files claimed by two components.
fn overlaps(config: &Config, layout: &Layout, problems: &mut Vec<String>) {
    let mut overlaps: BTreeMap<(usize, usize), (usize, &str)> = BTreeMap::new();
    for f in &layout.files {
        let owners: Vec<usize> = config
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| c.paths.iter().any(|p| p.matches(f)))
            .map(|(i, _)| i)
            .collect();
        for (k, a) in owners.iter().enumerate() {
            for b in &owners[k + 1..] {
                overlaps.entry((*a, *b)).or_insert((0, f.as_str())).0 += 1;
            }
        }
    }
    for ((a, b), (count, example)) in overlaps {
        problems.push(format!(
            "components \"{}\" and \"{}\" overlap: {} at HEAD {} to both (e.g. {}); a file must belong to one component",
            escape(&config.components[a].name),
            escape(&config.components[b].name),
            plural(count, "file", "files"),
            if count == 1 { "belongs" } else { "belong" },
            escape(example)
        ));
    }
}

/// Patterns that never match (only written ones: the defaults cover styles
/// a team may not use); returns how many messages carry an ID.
fn unmatched_patterns(config: &Config, layout: &Layout, problems: &mut Vec<String>) -> usize {
    let n = layout.messages.len();
    if !config.changes.is_default() {
        for re in config.changes.patterns() {
            if !layout.messages.iter().any(|m| re.is_match(m)) {
                problems.push(format!(
                    "change-ID pattern '{}' matches none of the last {}",
                    escape(re.as_str()),
                    plural(n, "commit message", "commit messages")
                ));
            }
        }
    }
    layout.messages.iter().filter(|m| !config.changes.extract(m).is_empty()).count()
}

/// Version files that are missing or hold no version; returns how many do.
fn version_files(config: &Config, read: &dyn Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> usize {
    let mut versions = 0;
    for c in &config.components {
        let VersionFile::Path(file) = &c.version_file else { continue };
        match read(file) {
            None => problems.push(format!(
                "{}: version_file \"{}\" does not exist at HEAD",
                component_name(&c.name),
                escape(file)
            )),
            Some(text) => match parse_version(file, &text).filter(|v| v.bytes().any(|b| b.is_ascii_digit())) {
                Some(_) => versions += 1,
                None => problems.push(format!(
                    "{}: version_file \"{}\" holds no version ({})",
                    component_name(&c.name),
                    escape(file),
                    version_hint(file)
                )),
            },
        }
    }
    versions
}

fn version_hint(file: &str) -> &'static str {
    match file.rsplit('/').next().unwrap_or(file) {
        "package.json" => "expected a \"version\" string",
        "Cargo.toml" => "expected [package] version or [workspace.package] version",
        "pyproject.toml" => "expected [project] version or [tool.poetry] version",
        _ => "expected the version on its first non-empty line",
    }
}
