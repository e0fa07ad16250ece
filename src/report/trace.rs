//! `trace`: where one change really went out, record by record.

use std::io::{self, Write};

use serde::Serialize;

use super::Style;
use crate::text::{escape, plural};
use crate::time::Timestamp;
use crate::truth::CommitRef;

/// A commit that carries the traced change.
#[derive(Debug, Clone, Serialize)]
pub struct TraceCommit {
    /// The commit.
    #[serde(flatten)]
    pub commit: CommitRef,
    /// How it carries the change.
    pub relation: Relation,
}

/// How a commit carries the traced change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// Its message names the change ID.
    Carrier,
    /// It is the commit SHA traced.
    Original,
    /// A cherry-pick of the traced commit (by trailer or patch-id).
    Equivalent,
}

impl Relation {
    /// The JSON name, also printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Carrier => "carrier",
            Relation::Original => "original",
            Relation::Equivalent => "equivalent",
        }
    }
}

/// One record of the history and the traced change.
#[derive(Debug, Clone, Serialize)]
pub struct TraceRecord {
    /// Record id.
    pub record: String,
    /// When (RFC 3339), if recorded.
    pub deployed_at: Option<Timestamp>,
    /// The deploy's commit, if it resolves.
    pub commit: Option<String>,
    /// Whether the record claims the change.
    pub claimed: bool,
    /// Whether its commit contains the change (`None`: its refs do not resolve).
    pub contained: Option<bool>,
}

/// What `trace` prints.
#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    /// Always [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The repository read.
    pub repository: String,
    /// The change traced, as given.
    pub change: String,
    /// The environment of the history.
    pub environment: String,
    /// Commits carrying it, equivalents included, newest first.
    pub commits: Vec<TraceCommit>,
    /// Every record of the history, in deploy order.
    pub records: Vec<TraceRecord>,
    /// Records that claim it.
    pub claimed_in: Vec<String>,
    /// The first record whose commit contains it.
    pub first_shipped_in: Option<String>,
}

/// Renders `trace` as JSON.
pub fn render_trace_json(report: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", super::to_safe_json(report))
}

fn human(t: &Option<Timestamp>) -> String {
    Timestamp::human_or(*t, "no date")
}

/// The one-line answer: "AUTH-77 first shipped in prod-42 (…); claimed in prod-41 (…), which did not contain it."
pub fn headline(report: &TraceReport) -> String {
    let change = escape(&report.change);
    let rec = |id: &str| report.records.iter().find(|r| r.record == id);
    let first = match &report.first_shipped_in {
        Some(id) => {
            format!("{change} first shipped in {} ({})", escape(id), human(&rec(id).and_then(|r| r.deployed_at)))
        }
        None if report.commits.is_empty() => format!("{change} is carried by no commit in the repository"),
        None => format!(
            "{change} has not shipped to {}: no record's commit contains it ({} {})",
            escape(&report.environment),
            plural(report.commits.len(), "commit carries", "commits carry"),
            "it"
        ),
    };
    let claims: Vec<&TraceRecord> = report.claimed_in.iter().filter_map(|id| rec(id)).collect();
    let second = match claims.as_slice() {
        [] => "no record claims it".to_string(),
        [one] => {
            let tail = match one.contained {
                Some(true) => "",
                Some(false) => ", which did not contain it",
                None => ", whose commit does not resolve",
            };
            format!("claimed in {} ({}){tail}", escape(&one.record), human(&one.deployed_at))
        }
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|r| {
                    let tail = match r.contained {
                        Some(true) => "",
                        Some(false) => ", did not contain it",
                        None => ", unresolved",
                    };
                    format!("{} ({}{tail})", escape(&r.record), human(&r.deployed_at))
                })
                .collect();
            format!("claimed in {}", crate::text::join_and(&parts))
        }
    };
    format!("{first}; {second}.")
}

/// Renders `trace` for a person: the answer in one line, then the evidence.
pub fn render_trace_text(report: &TraceReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", style.paint("1", &headline(report)))?;
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", &format!("Commits carrying {}", escape(&report.change))))?;
    if report.commits.is_empty() {
        writeln!(out, "  (none)")?;
    }
    let rel_w = report.commits.iter().map(|c| c.relation.as_str().len()).max().unwrap_or(0);
    for c in &report.commits {
        writeln!(
            out,
            "  {}  {}  {:<rel_w$}  {}",
            c.commit.short(),
            c.commit.time.date(),
            c.relation.as_str(),
            escape(&c.commit.subject)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.paint("1", &format!("Records of {}", escape(&report.environment))))?;
    let rows: Vec<[String; 5]> = report
        .records
        .iter()
        .map(|r| {
            let mark = match (r.claimed, r.contained, report.first_shipped_in.as_deref() == Some(r.record.as_str())) {
                (_, _, true) if !r.claimed => "← first shipped here, not claimed",
                (_, _, true) => "← first shipped here",
                (true, Some(false), _) => "← claimed, not contained",
                (true, None, _) => "← claimed, commit does not resolve",
                _ => "",
            };
            [
                escape(&r.record).into_owned(),
                human(&r.deployed_at),
                r.commit.as_deref().map_or("-------".to_string(), |c| c[..c.len().min(7)].to_string()),
                format!(
                    "{:<11}  {:<13}",
                    if r.claimed { "claimed" } else { "not claimed" },
                    match r.contained {
                        Some(true) => "contained",
                        Some(false) => "not contained",
                        None => "unresolved",
                    }
                ),
                mark.to_string(),
            ]
        })
        .collect();
    let w: Vec<usize> = (0..4).map(|i| rows.iter().map(|c| c[i].chars().count()).max().unwrap_or(0)).collect();
    for (r, c) in report.records.iter().zip(&rows) {
        let mark = if r.claimed && r.contained == Some(false) { style.paint("1;31", &c[4]) } else { c[4].clone() };
        let line = format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {mark}",
            c[0],
            c[1],
            c[2],
            c[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(subject: &str) -> CommitRef {
        CommitRef { sha: "a".repeat(40), subject: subject.into(), time: Timestamp(0), changes: Vec::new() }
    }

    #[test]
    fn untrusted_text_prints_inert() {
        let report = TraceReport {
            schema_version: 1,
            repository: "/r".into(),
            change: "AUTH-1\u{1b}[2J".into(),
            environment: "prod\u{202e}".into(),
            commits: vec![TraceCommit { commit: commit("evil \u{1b}]0;title\u{7}"), relation: Relation::Carrier }],
            records: vec![TraceRecord {
                record: "r\u{9b}1".into(),
                deployed_at: Timestamp::parse("2023-03-28T09:00:00Z").ok(),
                commit: Some("a".repeat(40)),
                claimed: true,
                contained: Some(true),
            }],
            claimed_in: vec!["r\u{9b}1".into()],
            first_shipped_in: Some("r\u{9b}1".into()),
        };
        let mut out = Vec::new();
        render_trace_text(&report, Style { color: false }, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.chars().any(|c| crate::text::is_unsafe_char(c) && c != '\n'), "{text}");
        assert!(text.starts_with("AUTH-1\\u{1b}[2J first shipped in r\\u{9b}1 (2023-03-28 09:00 UTC); claimed in r\\u{9b}1 (2023-03-28 09:00 UTC)."), "{text}");
        let mut json = Vec::new();
        render_trace_json(&report, &mut json).unwrap();
        let json = String::from_utf8(json).unwrap();
        assert!(!json.chars().any(|c| crate::text::is_unsafe_char(c) && c != '\n'), "{json}");
    }
}
