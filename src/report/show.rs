//! `show`: what one deploy truly changed, beside what its record claimed.

use std::io::{self, Write};

use serde::Serialize;
use similar::{utils::diff_slices, Algorithm, ChangeTag};

use super::{RecordLine, Style};
use crate::audit::{Finding, Kind};
use crate::records::ClaimedComponent;
use crate::text::short_sha as short;
use crate::text::{escape, join_and, plural};
use crate::time::Timestamp;
use crate::truth::{ClaimTruth, CommitRef, ComponentState, Shipped};

/// What `show`'s argument named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShownAs {
    /// A record (by id, by `--at`, or a revision a record deployed).
    Record,
    /// A revision that no record deployed.
    Commit,
}

/// Commits the deploy added and removed against the previous one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ShowCommits {
    /// Reachable from this deploy and not from the previous one, newest first.
    pub added: Vec<CommitRef>,
    /// Reachable from the previous deploy and not from this one (rollback).
    pub removed: Vec<CommitRef>,
}

/// Changes shipped and claimed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ShowChanges {
    /// Changes this deploy introduced.
    pub shipped: Vec<Shipped>,
    /// The record's change claims with where each stands (`None`: the record
    /// has no `changes` field and makes no change claims).
    pub claimed: Option<Vec<ClaimTruth>>,
    /// Changes live before and not any more.
    pub unshipped: Vec<String>,
}

/// Components changed and claimed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ShowComponents {
    /// Components whose files differ from the previous deploy, with files and versions.
    pub changed: Vec<ComponentState>,
    /// Components whose files did not change, with their versions.
    pub unchanged: Vec<ComponentState>,
    /// What the record lists (`None`: no `components` field).
    pub claimed: Option<Vec<ClaimedComponent>>,
}

/// What `show` prints: one deploy's truth and its record's claims.
#[derive(Debug, Clone, Serialize)]
pub struct ShowReport {
    /// Always [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The repository read.
    pub repository: String,
    /// `record` when the argument (or `--at`) named a record; `commit` when
    /// it named a revision that no record deployed.
    pub resolved_as: ShownAs,
    /// The record shown (for a commit no record deployed, a record made for it).
    pub record: RecordLine,
    /// The record compared with, or `None` for a baseline.
    pub previous: Option<RecordLine>,
    /// The deploy's commit (`None` when the record's refs do not resolve).
    pub commit: Option<CommitRef>,
    /// Commits added and removed.
    pub commits: ShowCommits,
    /// Changes shipped and claimed.
    pub changes: ShowChanges,
    /// Components changed and claimed.
    pub components: ShowComponents,
    /// `--component`: the only component shown.
    pub component_filter: Option<String>,
    /// The audit's findings about this record.
    pub findings: Vec<Finding>,
}

/// Renders `show` as JSON.
pub fn render_show_json(report: &ShowReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", super::to_safe_json(report))
}

fn human(t: &Option<Timestamp>) -> String {
    Timestamp::human_or(*t, "(no date)")
}

/// "v2023.03.28 (1a2b3c4)", escaped.
fn target(r: &RecordLine) -> String {
    match (&r.release, &r.commit) {
        (Some(rel), Some(c)) => format!("{} ({})", escape(rel), short(c)),
        (None, Some(c)) => short(c).to_string(),
        (Some(rel), None) => format!("{} (unresolved)", escape(rel)),
        (None, None) => "(unresolved)".to_string(),
    }
}

fn version_text(c: &ComponentState) -> String {
    let v = |x: &Option<crate::truth::VersionAt>| x.as_ref().and_then(|v| v.value.clone());
    match (v(&c.previous_version), v(&c.version)) {
        (Some(a), Some(b)) if a != b => format!("{} → {}", escape(&a), escape(&b)),
        (_, Some(b)) => escape(&b).into_owned(),
        (Some(a), None) => format!("{} → (none)", escape(&a)),
        (None, None) => String::new(),
    }
}

/// The claimed and shipped sides of one section, as sorted lines.
fn component_lines(report: &ShowReport) -> (Vec<String>, Vec<String>) {
    let claimed = report.components.claimed.clone().unwrap_or_default();
    let mut old: Vec<String> = claimed
        .iter()
        .map(|c| match &c.version {
            Some(v) => format!("{} {}", c.name, v),
            None => c.name.clone(),
        })
        .collect();
    // A shipped component shows its version only where the record claims
    // one, so a name-only claim matches a name and a wrong version stands out.
    let mut new: Vec<String> = report
        .components
        .changed
        .iter()
        .map(|s| {
            let claimed_version = claimed.iter().find(|c| c.name == s.name).and_then(|c| c.version.as_ref());
            match (claimed_version, s.version.as_ref().and_then(|v| v.value.as_ref())) {
                (Some(_), Some(v)) => format!("{} {}", s.name, v),
                (Some(_), None) => format!("{} (no version)", s.name),
                _ => s.name.clone(),
            }
        })
        .collect();
    old.sort();
    new.sort();
    (old, new)
}

fn change_lines(report: &ShowReport) -> (Vec<String>, Vec<String>) {
    let mut old: Vec<String> = report.changes.claimed.iter().flatten().map(|c| c.change.clone()).collect();
    let mut new: Vec<String> = report.changes.shipped.iter().map(|s| s.change.clone()).collect();
    old.sort();
    new.sort();
    old.dedup();
    new.dedup();
    (old, new)
}

/// Where the record's claims disagree with what shipped, as the audit
/// found it (show never decides anew): (shipped but not claimed, claimed but
/// not shipped), components first, each side sorted.
fn verdict(report: &ShowReport) -> (Vec<String>, Vec<String>) {
    let claimed_version = |name: &str| {
        report.components.claimed.iter().flatten().find(|c| c.name == name).and_then(|c| c.version.clone())
    };
    let (mut comps_plus, mut changes_plus, mut comps_minus, mut changes_minus) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in &report.findings {
        match (f.kind, &f.component, &f.change) {
            (Kind::ComponentNotClaimed, Some(c), _) => comps_plus.push(c.clone()),
            (Kind::ShippedNotClaimed, _, Some(x)) => changes_plus.push(x.clone()),
            (Kind::ComponentNotChanged, Some(c), _) => comps_minus.push(match claimed_version(c) {
                Some(v) => format!("{c} {v}"),
                None => c.clone(),
            }),
            (Kind::ClaimedNotShipped, _, Some(x)) => changes_minus.push(x.clone()),
            _ => {}
        }
    }
    for v in [&mut comps_plus, &mut changes_plus, &mut comps_minus, &mut changes_minus] {
        v.sort();
        v.dedup();
    }
    comps_plus.extend(changes_plus);
    comps_minus.extend(changes_minus);
    (comps_plus, comps_minus)
}

/// Whether a finding is about the record's claims of changes or components.
fn about_claims(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::ClaimedNotShipped
            | Kind::ShippedNotClaimed
            | Kind::ComponentNotClaimed
            | Kind::ComponentNotChanged
            | Kind::ShippedEarlier
            | Kind::VersionMismatch
    )
}

fn write_diff(out: &mut dyn Write, style: Style, title: &str, old: &[String], new: &[String]) -> io::Result<()> {
    writeln!(out, "  {title}")?;
    if old.is_empty() && new.is_empty() {
        writeln!(out, "      (none)")?;
    }
    for (tag, items) in diff_slices(Algorithm::Myers, old, new) {
        for item in items {
            let item = escape(item);
            match tag {
                ChangeTag::Equal => writeln!(out, "      {item}")?,
                ChangeTag::Delete => writeln!(out, "    {}", style.paint("31", &format!("- {item}")))?,
                ChangeTag::Insert => writeln!(out, "    {}", style.paint("32", &format!("+ {item}")))?,
            }
        }
    }
    Ok(())
}

fn escaped_list(items: &[String]) -> String {
    join_and(&items.iter().map(|s| escape(s).into_owned()).collect::<Vec<_>>())
}

/// The answer: what the deploy changed, and where the record disagrees.
fn headline(report: &ShowReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let r = &report.record;
    let what = match report.resolved_as {
        ShownAs::Commit => format!("commit {}", short(r.commit.as_deref().unwrap_or("?"))),
        ShownAs::Record => format!("{} ({}, {})", escape(&r.id), escape(&r.environment), human(&r.deployed_at)),
    };
    if report.commit.is_none() {
        writeln!(out, "{} cannot be shown: its commit or release does not resolve.", style.paint("1", &what))?;
        return Ok(());
    }
    let Some(prev) = &report.previous else {
        writeln!(
            out,
            "{} is the first record of its history (a baseline): there is nothing to compare it with.",
            style.paint("1", &what)
        )?;
        return Ok(());
    };
    let comps: Vec<String> = report.components.changed.iter().map(|c| c.name.clone()).collect();
    let changes: Vec<String> = report.changes.shipped.iter().map(|s| s.change.clone()).collect();
    let comp_text = if comps.is_empty() { "no component".to_string() } else { escaped_list(&comps) };
    let change_text = match changes.len() {
        0 => "no change ID".to_string(),
        _ => format!("{}: {}", plural(changes.len(), "change", "changes"), escaped_list(&changes)),
    };
    let scope = match &report.component_filter {
        Some(c) => format!(" (showing {} only)", escape(c)),
        None => String::new(),
    };
    writeln!(
        out,
        "{} truly changed {comp_text} ({change_text}) against {}{scope}.",
        style.paint("1", &what),
        escape(&prev.id)
    )?;
    if report.resolved_as == ShownAs::Commit {
        writeln!(
            out,
            "No record deployed this commit; it is compared with the latest record whose commit is its ancestor."
        )?;
        return Ok(());
    }
    let (missing, extra) = verdict(report);
    if missing.is_empty() && extra.is_empty() {
        if report.findings.iter().any(|f| about_claims(f.kind)) {
            writeln!(out, "{}", style.paint("1;31", "The record's claims disagree with git: see the findings below."))?;
        } else {
            writeln!(out, "{}", style.paint("32", "The record's claims agree with what shipped."))?;
        }
    }
    if !missing.is_empty() {
        writeln!(out, "{} {}.", style.paint("1;31", "Shipped but not claimed:"), escaped_list(&missing))?;
    }
    if !extra.is_empty() {
        writeln!(out, "{} {}.", style.paint("1;31", "Claimed but not shipped:"), escaped_list(&extra))?;
    }
    Ok(())
}

/// The diff, components, changes and commits of a deploy with a commit.
fn evidence(report: &ShowReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let compared = report.previous.is_some();
    if compared && report.resolved_as == ShownAs::Record {
        claims_diff(report, style, out)?;
    }
    components_table(report, style, compared, out)?;
    if compared {
        changes_shipped(report, style, out)?;
        commits_list(report, style, out)?;
    }
    Ok(())
}

/// Claimed (-) versus shipped (+), for components and for changes.
fn claims_diff(report: &ShowReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", "Claimed (-) versus shipped (+)"))?;
    let (co, cn) = component_lines(report);
    match &report.components.claimed {
        Some(_) => write_diff(out, style, "components", &co, &cn)?,
        None => {
            writeln!(out, "  components  (the record has no `components` field: no claim to compare)")?;
            write_diff(out, style, "", &[], &cn)?;
        }
    }
    let (ho, hn) = change_lines(report);
    match &report.changes.claimed {
        Some(_) => write_diff(out, style, "changes", &ho, &hn)?,
        None => {
            writeln!(out, "  changes  (the record has no `changes` field: no claim to compare)")?;
            write_diff(out, style, "", &[], &hn)?;
        }
    }
    Ok(())
}

/// Components: state, versions, files.
fn components_table(report: &ShowReport, style: Style, compared: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", "Components"))?;
    let mut comps: Vec<(&ComponentState, bool)> = report.components.changed.iter().map(|c| (c, true)).collect();
    comps.extend(report.components.unchanged.iter().map(|c| (c, false)));
    comps.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    if comps.is_empty() {
        writeln!(out, "  (none)")?;
    }
    let name_w = comps.iter().map(|(c, _)| escape(&c.name).chars().count()).max().unwrap_or(0);
    let state_w = if compared { "unchanged".len() } else { 0 };
    let ver_w = comps.iter().map(|(c, _)| version_text(c).chars().count()).max().unwrap_or(0);
    for (c, changed) in comps {
        let state = match (compared, changed) {
            (false, _) => "",
            (true, true) => "changed",
            (true, false) => "unchanged",
        };
        let painted_state = match (compared, changed) {
            (false, _) => String::new(),
            (true, true) => style.paint("1", &format!("{state:<state_w$}")) + "  ",
            (true, false) => format!("{state:<state_w$}  "),
        };
        let files: Vec<String> = c.files.clone().unwrap_or_else(|| c.changed_paths.clone());
        let first = files.first().map(|f| escape(f).into_owned()).unwrap_or_default();
        let line = format!("  {:<name_w$}  {painted_state}{:<ver_w$}  {first}", escape(&c.name), version_text(c));
        writeln!(out, "{}", line.trim_end())?;
        let indent = 2 + name_w + 2 + if compared { state_w + 2 } else { 0 } + ver_w + 2;
        for f in files.iter().skip(1) {
            writeln!(out, "{:indent$}{}", "", escape(f))?;
        }
    }
    Ok(())
}

/// The changes the deploy shipped, each with its commits, and what it un-shipped.
fn changes_shipped(report: &ShowReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", "Changes shipped"))?;
    if report.changes.shipped.is_empty() {
        writeln!(out, "  (none)")?;
    }
    let id_w = report.changes.shipped.iter().map(|s| escape(&s.change).chars().count()).max().unwrap_or(0);
    let subject = |sha: &str| {
        report.commits.added.iter().find(|c| c.sha == sha).map(|c| escape(&c.subject).into_owned()).unwrap_or_default()
    };
    for s in &report.changes.shipped {
        for (i, sha) in s.commits.iter().enumerate() {
            let id = if i == 0 { escape(&s.change).into_owned() } else { String::new() };
            writeln!(out, "  {id:<id_w$}  {}  {}", short(sha), subject(sha))?;
        }
    }
    if !report.changes.unshipped.is_empty() {
        writeln!(out, "  no longer live: {}", escaped_list(&report.changes.unshipped))?;
    }
    Ok(())
}

/// The commits added and removed.
fn commits_list(report: &ShowReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let (added, removed) = (&report.commits.added, &report.commits.removed);
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", &format!("Commits: {} added, {} removed", added.len(), removed.len())))?;
    for (sign, list) in [("+", added), ("-", removed)] {
        for c in list.iter() {
            writeln!(out, "  {sign} {}  {}  {}", c.short(), c.time.date(), escape(&c.subject))?;
        }
    }
    Ok(())
}

/// Renders `show` for a person: the answer first, then the evidence.
pub fn render_show_text(report: &ShowReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    headline(report, style, out)?;
    writeln!(out)?;
    let mut rows: Vec<[String; 4]> = Vec::new();
    let r = &report.record;
    if report.resolved_as == ShownAs::Record {
        let location = escape(&r.location.to_string()).into_owned();
        rows.push([
            "record".into(),
            escape(&r.id).into_owned(),
            human(&r.deployed_at),
            format!("{}  {location}", target(r)),
        ]);
    }
    match &report.previous {
        Some(p) => rows.push([
            "previous".to_string(),
            escape(&p.id).into_owned(),
            human(&p.deployed_at),
            format!("{}  {}", target(p), escape(&p.location.to_string())),
        ]),
        None => rows.push(["previous".into(), "(none: baseline)".into(), String::new(), String::new()]),
    }
    let w: Vec<usize> = (0..3).map(|i| rows.iter().map(|c| c[i].chars().count()).max().unwrap_or(0)).collect();
    for c in &rows {
        let line = format!("  {:<w0$}  {:<w1$}  {:<w2$}  {}", c[0], c[1], c[2], c[3], w0 = w[0], w1 = w[1], w2 = w[2]);
        writeln!(out, "{}", line.trim_end())?;
    }
    if let Some(c) = &report.commit {
        writeln!(out, "  {:<w0$}  {}  {}", "commit", c.short(), escape(&c.subject), w0 = w[0])?;
    }
    if report.commit.is_some() {
        evidence(report, style, out)?;
    }

    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(out, "{} {}", style.paint("1", "Findings:"), style.paint("32", "none"))?;
    } else {
        writeln!(out, "{}", style.paint("1", &format!("Findings ({})", report.findings.len())))?;
        let mut findings: Vec<&Finding> = report.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let kind_w = findings.iter().map(|f| f.kind.as_str().len()).max().unwrap_or(0);
        for f in findings {
            writeln!(out, "  {} {:<kind_w$}  {}", style.severity(f.severity), f.kind.as_str(), escape(&f.message))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Origin, RecordKind};

    fn line(id: &str) -> RecordLine {
        RecordLine {
            id: id.into(),
            environment: "prod".into(),
            kind: RecordKind::Deploy,
            deployed_at: Timestamp::parse("2023-03-28T09:00:00Z").ok(),
            release: Some("v1\u{1b}[31m".into()),
            commit: Some("b".repeat(40)),
            previous: None,
            location: Origin { file: "log\u{7}.jsonl".into(), line: 2 },
        }
    }

    fn finding(kind: Kind, change: Option<&str>, component: Option<&str>) -> Finding {
        Finding {
            kind,
            severity: crate::audit::Severity::Error,
            record: "new\u{202e}".into(),
            environment: "prod".into(),
            change: change.map(Into::into),
            component: component.map(Into::into),
            message: "m".into(),
            evidence: Default::default(),
            location: Origin::default(),
        }
    }

    #[test]
    fn untrusted_text_prints_inert_and_the_diff_has_signs() {
        let evil = CommitRef {
            sha: "b".repeat(40),
            subject: "X-1 \u{1b}[2J wipe".into(),
            time: Timestamp(0),
            changes: vec!["X-1".into()],
        };
        let report = ShowReport {
            schema_version: 1,
            repository: "/r".into(),
            resolved_as: ShownAs::Record,
            record: line("new\u{202e}"),
            previous: Some(line("old")),
            commit: Some(evil.clone()),
            commits: ShowCommits { added: vec![evil.clone()], removed: Vec::new() },
            changes: ShowChanges {
                shipped: vec![Shipped { change: "X-1".into(), commits: vec![evil.sha.clone()] }],
                claimed: Some(Vec::new()),
                unshipped: Vec::new(),
            },
            components: ShowComponents {
                changed: vec![ComponentState {
                    name: "api".into(),
                    changed_paths: vec!["api/".into()],
                    files: Some(vec!["api/\u{1b}[1mx".into(), "api/y".into()]),
                    version: None,
                    previous_version: None,
                }],
                unchanged: Vec::new(),
                claimed: Some(vec![ClaimedComponent { name: "web".into(), version: None }]),
            },
            component_filter: None,
            // The headline repeats these; it decides nothing itself.
            findings: vec![
                finding(Kind::ShippedNotClaimed, Some("X-1"), None),
                finding(Kind::ComponentNotClaimed, None, Some("api")),
                finding(Kind::ComponentNotChanged, None, Some("web")),
            ],
        };
        let mut out = Vec::new();
        render_show_text(&report, Style { color: false }, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.chars().any(|c| crate::text::is_unsafe_char(c) && c != '\n'), "{text}");
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for want in ["+ api", "- web", "+ X-1"] {
            assert!(lines.contains(&want), "{want}\n{text}");
        }
        assert!(text.contains("Shipped but not claimed: api and X-1."), "{text}");
        assert!(text.contains("Claimed but not shipped: web."), "{text}");
    }
}
