//! Text output: findings grouped by record, one sentence each.

use std::collections::HashMap;
use std::io::{self, Write};

use super::Report;
use crate::audit::{Finding, Severity};
use crate::text::{escape, plural};
use crate::time::Timestamp;

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours on.
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, and never when NO_COLOR is set.
    pub fn detect(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { color: is_terminal && !no_color }
    }

    /// Wraps text in an SGR sequence when colouring.
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The severity word, padded and coloured.
    pub fn severity(&self, s: Severity) -> String {
        let word = format!("{:<7}", s.as_str());
        match s {
            Severity::Error => self.paint("1;31", &word),
            Severity::Warning => self.paint("33", &word),
            Severity::Info => self.paint("36", &word),
        }
    }
}

/// The widest a record line's column is padded to.
const MAX_WIDTH: usize = 48;

fn when(t: &Option<Timestamp>) -> String {
    Timestamp::human_or(*t, "(no date)")
}

/// Id, date, release/commit and comparison of a record line, escaped.
fn record_cells(r: &super::RecordLine) -> [String; 4] {
    let target = match (&r.release, &r.commit) {
        (Some(rel), Some(c)) => format!("{} ({})", escape(rel), &c[..7.min(c.len())]),
        (None, Some(c)) => c[..7.min(c.len())].to_string(),
        (Some(rel), None) => format!("{} (unresolved)", escape(rel)),
        (None, None) => "(unresolved)".to_string(),
    };
    let vs = match &r.previous {
        Some(p) => format!("vs {}", escape(p)),
        None => "baseline".to_string(),
    };
    [escape(&r.id).into_owned(), when(&r.deployed_at), target, vs]
}

/// Each record's findings (by environment and id), in report order, found
/// by one pass over them rather than one per record.
fn findings_by_record(findings: &[Finding]) -> HashMap<(&str, &str), Vec<&Finding>> {
    let mut by_record: HashMap<(&str, &str), Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_record.entry((f.environment.as_str(), f.record.as_str())).or_default().push(f);
    }
    by_record
}

/// Renders the report for a person.
pub fn render_text(report: &Report, title: &str, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let envs = &report.summary.environments;
    writeln!(
        out,
        "{} {} in {} ({})",
        style.paint("1", &format!("{}:", escape(title))),
        plural(report.summary.records, "record", "records"),
        if envs.len() == 1 { escape(&envs[0]).into_owned() } else { plural(envs.len(), "environment", "environments") },
        escape(&report.repository)
    )?;
    let cells: Vec<[String; 4]> = report.records.iter().map(record_cells).collect();
    // Columns line up to MAX_WIDTH; a longer cell overflows its own line
    // only, so one huge id cannot pad every other line to its size.
    let width = |i: usize| cells.iter().map(|c| c[i].chars().count().min(MAX_WIDTH)).max().unwrap_or(0);
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    let by_record = findings_by_record(&report.findings);
    let mut env: Option<&str> = None;
    for (r, cell) in report.records.iter().zip(&cells) {
        if env != Some(r.environment.as_str()) && envs.len() > 1 {
            writeln!(out, "\n{}", style.paint("1", &escape(&r.environment)))?;
        }
        if env.is_none() && envs.len() <= 1 {
            writeln!(out)?;
        }
        env = Some(r.environment.as_str());
        let mine: Vec<&Finding> = by_record.get(&(r.environment.as_str(), r.id.as_str())).cloned().unwrap_or_default();
        let verdict = match mine.iter().map(|f| f.severity).max() {
            None => style.paint("32", "ok"),
            Some(s) => {
                let text = plural(mine.len(), "finding", "findings");
                match s {
                    Severity::Error => style.paint("1;31", &text),
                    Severity::Warning => style.paint("33", &text),
                    Severity::Info => style.paint("36", &text),
                }
            }
        };
        writeln!(out, "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}", cell[0], cell[1], cell[2], cell[3], verdict)?;
        let mut mine = mine;
        mine.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let kind_w = mine.iter().map(|f| f.kind.as_str().len()).max().unwrap_or(0);
        for f in mine {
            writeln!(
                out,
                "      {} {:<kind_w$}  {}",
                style.severity(f.severity),
                f.kind.as_str(),
                escape(&f.message),
                kind_w = kind_w
            )?;
        }
    }
    let s = &report.summary;
    let mut counts = Vec::new();
    if s.errors > 0 {
        counts.push(style.paint("1;31", &plural(s.errors, "error", "errors")));
    }
    if s.warnings > 0 {
        counts.push(style.paint("33", &plural(s.warnings, "warning", "warnings")));
    }
    if s.infos > 0 {
        counts.push(plural(s.infos, "note", "notes"));
    }
    let total = s.errors + s.warnings + s.infos;
    writeln!(out)?;
    if total == 0 {
        writeln!(out, "{} every record agrees with git.", style.paint("32", "No findings:"))?;
    } else {
        writeln!(out, "{}: {}.", plural(total, "finding", "findings"), counts.join(", "))?;
    }
    for n in &report.notes {
        writeln!(out, "  note: {}", escape(n))?;
    }
    let notes = s.skipped.sentences();
    for n in notes {
        writeln!(out, "  note: {n}")?;
    }
    Ok(())
}
