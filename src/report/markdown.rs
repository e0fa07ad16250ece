//! Markdown output: a summary table and one section per finding, for
//! `$GITHUB_STEP_SUMMARY` or a pull-request comment.

use std::io::{self, Write};

use super::Report;
use crate::audit::{Finding, Severity};
use crate::text::escape;

/// Makes untrusted text inert in Markdown: no HTML, no links, no
/// emphasis, no mentions, no table breaks, on one line.
pub fn md(s: &str) -> String {
    let s = escape(s);
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        match c {
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '@' => out.push_str("&#64;"),
            '|' => out.push_str("&#124;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | ':' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🔴 error",
        Severity::Warning => "🟡 warning",
        Severity::Info => "🔵 info",
    }
}

/// Renders findings as Markdown. `title` heads the document.
pub fn render_markdown(report: &Report, title: &str, out: &mut dyn Write) -> io::Result<()> {
    render_findings(report, &report.findings, title, out)
}

/// Renders a chosen subset of a report's findings as Markdown.
pub fn render_findings(report: &Report, findings: &[Finding], title: &str, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## {}\n", md(title))?;
    let verdict = if s.errors > 0 {
        "❌ The records disagree with git."
    } else if s.warnings > 0 {
        "⚠️ Warnings only."
    } else {
        "✅ Every record agrees with git."
    };
    writeln!(out, "{verdict}\n")?;
    writeln!(out, "| records | errors | warnings | notes |")?;
    writeln!(out, "| ---: | ---: | ---: | ---: |")?;
    writeln!(out, "| {} | {} | {} | {} |\n", s.records, s.errors, s.warnings, s.infos)?;
    for n in &report.notes {
        writeln!(out, "> {}\n", md(n))?;
    }
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "| severity | kind | record | change / component |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    for f in findings {
        let what = f.change.as_deref().or(f.component.as_deref()).unwrap_or("");
        writeln!(out, "| {} | {} | {} | {} |", icon(f.severity), f.kind.as_str(), md(&f.record), md(what))?;
    }
    writeln!(out)?;
    for f in findings {
        writeln!(out, "### {} {} · {}\n", icon(f.severity), f.kind.as_str(), md(&f.record))?;
        writeln!(out, "{}\n", md(&f.message))?;
        let e = &f.evidence;
        let mut facts: Vec<(String, String)> = Vec::new();
        if let Some(c) = &e.commit {
            facts.push(("commit".into(), md(c)));
        }
        if let Some(p) = &e.previous {
            facts.push(("compared with".into(), md(p)));
        }
        if let Some(x) = &e.first_shipped_in {
            facts.push(("first shipped in".into(), md(x)));
        }
        if !e.claimed_in.is_empty() {
            facts.push(("claimed in".into(), md(&e.claimed_in.join(", "))));
        }
        if let Some(x) = &e.reverted_by {
            facts.push(("reverted by".into(), md(x)));
        }
        if !e.commits.is_empty() {
            facts.push(("commits".into(), md(&e.commits.join(", "))));
        }
        if !e.paths.is_empty() {
            facts.push(("paths".into(), md(&e.paths.join(", "))));
        }
        if !e.changes.is_empty() {
            facts.push(("changes".into(), md(&e.changes.join(", "))));
        }
        if let (Some(c), Some(file)) = (&e.claimed_version, &e.version_file) {
            let actual = e.actual_version.as_deref().unwrap_or("(none)");
            facts.push(("version".into(), format!("claimed {}, {} says {}", md(c), md(file), md(actual))));
        }
        if f.location.line > 0 {
            facts.push(("record at".into(), md(&f.location.to_string())));
        }
        for (k, v) in facts {
            writeln!(out, "- **{k}**: {v}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}
