//! Reports: a finished audit rendered for people (text, HTML) or programs
//! (JSON). Renderers take the finished report and any writer; nothing here
//! decides anything.

mod github;
mod html;
mod json;
mod markdown;
mod matrix;
mod show;
mod text;
mod trace;

use serde::Serialize;

pub use github::{escape_data, escape_property, render_github, PER_LEVEL};
pub use html::{esc as html_escape, render_html};
pub use json::{render_json, to_safe_json, to_safe_json_line};
pub use markdown::{md, render_findings, render_markdown};
pub use matrix::{Cell, Column, Matrix};
pub use show::{render_show_json, render_show_text, ShowChanges, ShowCommits, ShowComponents, ShowReport, ShownAs};
pub use text::{render_text, Style};
pub use trace::{render_trace_json, render_trace_text, Relation, TraceCommit, TraceRecord, TraceReport};

use crate::audit::{Finding, Summary};
use crate::records::{History, Origin, RecordKind};
use crate::time::Timestamp;
use crate::truth::{Target, Truth};

/// The version of the JSON documents shipcheck prints. Raised when a field
/// is renamed or removed; adding a field keeps it.
pub const SCHEMA_VERSION: u32 = 1;

/// One record as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordLine {
    /// Record id.
    pub id: String,
    /// Environment.
    pub environment: String,
    /// deploy | rollback | hotfix.
    pub kind: RecordKind,
    /// When, if recorded (RFC 3339 in JSON).
    pub deployed_at: Option<Timestamp>,
    /// Release name, if any.
    pub release: Option<String>,
    /// Resolved commit, if any.
    pub commit: Option<String>,
    /// The record compared with.
    pub previous: Option<String>,
    /// Where it was read.
    pub location: Origin,
}

/// A finished audit.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The repository audited.
    pub repository: String,
    /// Every record audited, in history order.
    pub records: Vec<RecordLine>,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Things a reader must know about how the check ran (e.g. a gate with
    /// no history to compare with).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Per record, per component: what changed, what was claimed and which
    /// findings are about it (for the HTML report; not part of the JSON
    /// document).
    #[serde(skip)]
    pub matrix: Option<Matrix>,
}

impl Report {
    /// Record lines for a history and its truth.
    pub fn lines(history: &History, truth: &Truth) -> Vec<RecordLine> {
        history
            .records
            .iter()
            .zip(&truth.deploys)
            .map(|(r, d)| RecordLine {
                id: r.id.clone(),
                environment: r.environment.clone(),
                kind: r.kind,
                deployed_at: r.deployed_at,
                release: r.release.clone(),
                commit: match &d.target {
                    Target::Commit { commit } => Some(commit.sha.clone()),
                    Target::Missing { .. } => None,
                },
                previous: d.previous.name(history),
                location: r.origin.clone(),
            })
            .collect()
    }
}
