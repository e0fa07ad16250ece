//! Small pieces of text that several parts of the page write the same way:
//! short commit ids, severity classes and symbols, record dates and targets.
//! One definition each, so the parts cannot drift apart.

use super::esc;
use crate::audit::Severity;
use crate::report::RecordLine;
use crate::time::Timestamp;

/// Written where there is nothing to report, in the summary and in the
/// findings.
pub const NO_FINDINGS: &str = "<p class=\"clean\">✔ No findings: every record agrees with git.</p>";

pub use crate::text::short_sha as short;

pub fn sev_class(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Error) => "sev-error",
        Some(Severity::Warning) => "sev-warning",
        Some(Severity::Info) => "sev-info",
        None => "sev-none",
    }
}

/// A symbol for each severity, so that it reads without colour.
pub fn sev_symbol(s: Severity) -> &'static str {
    match s {
        Severity::Error => "✖",
        Severity::Warning => "▲",
        Severity::Info => "ℹ",
    }
}

/// The record's date and time, for a person.
pub fn when(line: &RecordLine) -> String {
    Timestamp::human_or(line.deployed_at, "no date")
}

/// The record's date alone, where space is short.
pub fn date(line: &RecordLine) -> String {
    line.deployed_at.map_or_else(|| "no date".to_string(), |t| t.date())
}

/// What the record deployed: its release and short commit, either, or
/// "unresolved". `sha` wraps the short commit id (in `<code>`, or not at all
/// inside an attribute).
pub fn target(r: &RecordLine, sha: impl Fn(&str) -> String) -> String {
    match (&r.release, &r.commit) {
        (Some(rel), Some(c)) => format!("{} ({})", esc(rel), sha(short(c))),
        (None, Some(c)) => sha(short(c)),
        (Some(rel), None) => format!("{} (unresolved)", esc(rel)),
        (None, None) => "unresolved".to_string(),
    }
}
