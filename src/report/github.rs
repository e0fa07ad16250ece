//! GitHub workflow-command annotations (`::error file=…,line=…::message`).
//!
//! Untrusted text can never form a workflow command: messages are escaped
//! for terminals first (so no raw control character survives), then `%`,
//! CR and LF are percent-encoded as the workflow-command syntax requires,
//! and property values also encode `:` and `,`.

use std::io::{self, Write};

use super::markdown::render_findings;
use super::Report;
use crate::audit::{Finding, Severity};
use crate::text::{escape, safe_line};

/// GitHub shows at most this many annotations per level per step.
pub const PER_LEVEL: usize = 10;

/// Escapes a workflow-command message.
pub fn escape_data(s: &str) -> String {
    escape(s).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn annotation(f: &Finding) -> String {
    let mut props = Vec::new();
    if !f.location.file.is_empty() {
        props.push(format!("file={}", escape_property(&f.location.file)));
        if f.location.line > 0 {
            props.push(format!("line={}", f.location.line));
        }
    }
    props.push(format!("title={}", escape_property(&format!("{} ({})", f.kind.as_str(), f.record))));
    format!("::{} {}::{}", level(f.severity), props.join(","), escape_data(&f.message))
}

/// Renders annotations, at most [`PER_LEVEL`] per level; the rest are
/// printed as plain log lines and, when `summary` is given (the contents of
/// `$GITHUB_STEP_SUMMARY`'s path), appended there as Markdown.
pub fn render_github(report: &Report, out: &mut dyn Write, summary: Option<&mut dyn Write>) -> io::Result<()> {
    let mut shown = [0usize; 3];
    let mut overflow: Vec<Finding> = Vec::new();
    for f in &report.findings {
        let slot = &mut shown[f.severity as usize];
        if *slot < PER_LEVEL {
            *slot += 1;
            writeln!(out, "{}", annotation(f))?;
        } else {
            overflow.push(f.clone());
        }
    }
    for n in &report.notes {
        writeln!(out, "::notice title=shipcheck::{}", escape_data(n))?;
    }
    if !overflow.is_empty() {
        writeln!(
            out,
            "{} more findings than GitHub shows as annotations (10 per level); they are listed below and in the step summary.",
            overflow.len()
        )?;
        for f in &overflow {
            // Plain lines: escaped, prefixed and defused (`##[` is a command
            // anywhere in a line), so none can be taken for a workflow command.
            let line = format!("  {} {} {}: {}", f.severity.as_str(), f.kind.as_str(), f.record, f.message);
            writeln!(out, "{}", safe_line(&line))?;
        }
        if let Some(summary) = summary {
            render_findings(report, &overflow, "shipcheck: findings beyond the annotation limit", summary)?;
        }
    }
    let s = &report.summary;
    writeln!(out, "shipcheck: {} records, {} errors, {} warnings, {} notes", s.records, s.errors, s.warnings, s.infos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_untrusted_can_form_a_command() {
        assert_eq!(escape_data("a%0Ab\n::error::x\r"), "a%250Ab\\n::error::x\\r");
        assert_eq!(escape_property("f,i:le%"), "f%2Ci%3Ale%25");
        assert_eq!(escape_data("\x1b[31mred"), "\\u{1b}[31mred");
    }
}
