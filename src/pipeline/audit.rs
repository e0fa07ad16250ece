//! The audit report: every record of the histories against its truth, with
//! the `--since`/`--until` window applied to what is reported (earlier
//! records still give context).

use std::collections::HashMap;

use anyhow::{bail, Result};

use super::Session;
use crate::audit::{self, Summary};
use crate::records::History;
use crate::report::{Matrix, Report, SCHEMA_VERSION};
use crate::truth;

/// Which records' findings are reported, by record id (both ends included).
#[derive(Debug, Clone, Copy, Default)]
pub struct Window<'a> {
    /// From this record on.
    pub since: Option<&'a str>,
    /// Up to this record.
    pub until: Option<&'a str>,
}

impl Window<'_> {
    /// Refuses a window end that names no record of the histories.
    pub fn check(&self, histories: &[History]) -> Result<()> {
        for (flag, id) in [("--since", self.since), ("--until", self.until)] {
            if let Some(id) = id {
                if !histories.iter().any(|h| h.position(id).is_some()) {
                    bail!("{flag} {id}: no record has this id");
                }
            }
        }
        Ok(())
    }

    /// The positions `from..=to` of the window in one history.
    fn bounds(&self, h: &History) -> (usize, usize) {
        let from =
            self.since.and_then(|id| h.position(id)).unwrap_or(if self.since.is_some() { usize::MAX } else { 0 });
        let to = self.until.and_then(|id| h.position(id)).unwrap_or(usize::MAX);
        (from, to)
    }
}

/// Audits histories and builds the report. The record-by-component matrix
/// is only built when asked (for the HTML page).
pub fn report(session: &Session, histories: &[History], window: Window<'_>, with_matrix: bool) -> Result<Report> {
    let opts = audit::Options::from_config(&session.config);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        repository: session.repository_name(),
        records: Vec::new(),
        findings: Vec::new(),
        summary: Summary::default(),
        notes: Vec::new(),
        matrix: None,
    };
    let mut matrix = Matrix::default();
    for h in histories {
        session.check_components(h)?;
        // The findings are the answer (and for the HTML page, the components
        // the claimed changes' commits touch).
        let touched = |t: &truth::Truth| -> Vec<Option<Vec<String>>> {
            t.deploys.iter().flat_map(|d| d.claims.iter().map(|c| c.touched.clone())).collect()
        };
        let same = |a: &truth::Truth, b: &truth::Truth| {
            audit::audit(h, a, &opts) == audit::audit(h, b, &opts) && (!with_matrix || touched(a) == touched(b))
        };
        let truth = session.read_for(h, &truth::Options::default(), &same)?;
        let (findings, skipped) = audit::audit(h, &truth, &opts);
        let (from, to) = window.bounds(h);
        let in_window = |k: usize| k >= from && k <= to;
        let mut shown_at: Vec<Option<usize>> = vec![None; h.records.len()];
        for (k, line) in Report::lines(h, &truth).into_iter().enumerate() {
            if in_window(k) {
                shown_at[k] = Some(report.records.len());
                report.records.push(line);
            }
        }
        let position: HashMap<&str, usize> = h.records.iter().enumerate().map(|(k, r)| (r.id.as_str(), k)).collect();
        report
            .findings
            .extend(findings.into_iter().filter(|f| position.get(f.record.as_str()).is_some_and(|&k| in_window(k))));
        if with_matrix {
            let shown = |k: usize| shown_at.get(k).copied().flatten();
            matrix.add_history(h, &truth, &shown, &report.findings);
        }
        report.summary.environments.push(h.environment.clone());
        let s = &mut report.summary.skipped;
        s.records_without_changes += skipped.records_without_changes;
        s.records_without_components += skipped.records_without_components;
        s.unclaimed_in_partial_sources += skipped.unclaimed_in_partial_sources;
        s.versions_unchecked += skipped.versions_unchecked;
    }
    report.matrix = with_matrix.then_some(matrix);
    report.summary.records = report.records.len();
    let findings = report.findings.clone();
    report.summary.count(&findings);
    Ok(report)
}
