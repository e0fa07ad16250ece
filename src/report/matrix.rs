//! The record × component matrix that the HTML report draws: per record,
//! per component, whether the component changed, whether the record
//! claimed it, and which findings are about that cell. It is built from
//! plain data (a history, its truth and the findings), never from git.

use std::collections::BTreeMap;

use crate::audit::{Finding, Kind, Severity};
use crate::records::{History, Record};
use crate::truth::{Previous, Target, Truth};

/// Per record, per component: what the HTML report's matrix shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matrix {
    /// Rows: every component, in configuration order (union over histories).
    pub components: Vec<String>,
    /// One column per record of the report, in the order of `Report::records`.
    pub columns: Vec<Column>,
}

/// One record of the matrix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    /// Index into `Report::records`.
    pub record: usize,
    /// Whether the deploy was compared with a previous one (false for the
    /// baseline and for records whose commit does not resolve): without a
    /// comparison nothing can be said to have changed.
    pub compared: bool,
    /// Whether the record lists components at all (a record without a
    /// `components` field makes no component claims).
    pub claims_components: bool,
    /// One cell per entry of `Matrix::components`.
    pub cells: Vec<Cell>,
    /// Findings about the record that belong to no component (indexes into
    /// `Report::findings`).
    pub findings: Vec<usize>,
    /// The worst severity among all the record's findings.
    pub severity: Option<Severity>,
}

/// One component in one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// Its files differ from the previous deploy's.
    pub changed: bool,
    /// The record lists it.
    pub claimed: bool,
    /// The worst severity of the findings about this cell.
    pub severity: Option<Severity>,
    /// Findings about this cell (indexes into `Report::findings`).
    pub findings: Vec<usize>,
}

impl Cell {
    /// Whether there is anything to show.
    pub fn is_blank(&self) -> bool {
        !self.changed && !self.claimed && self.findings.is_empty()
    }
}

impl Matrix {
    /// Adds the columns of one history. `records` maps a history position
    /// to its index in `Report::records` (`None`: outside the report's
    /// window); `findings` is every finding of the report so far, of which
    /// those of this history are linked to their cells.
    pub fn add_history(
        &mut self,
        history: &History,
        truth: &Truth,
        records: &dyn Fn(usize) -> Option<usize>,
        findings: &[Finding],
    ) {
        for c in &truth.components {
            if !self.components.contains(c) {
                self.components.push(c.clone());
            }
        }
        let touched = touched_by_change(truth);
        let width = self.components.len();
        for col in &mut self.columns {
            col.cells.resize(width, Cell::default());
        }
        for (k, record) in history.records.iter().enumerate() {
            let Some(index) = records(k) else { continue };
            let Some(deploy) = truth.deploys.get(k) else { continue };
            let compared =
                matches!(deploy.target, Target::Commit { .. }) && !matches!(deploy.previous, Previous::Baseline);
            let mut col = Column {
                record: index,
                compared,
                claims_components: record.components.is_some(),
                cells: vec![Cell::default(); width],
                ..Column::default()
            };
            let row = |name: &str| self.components.iter().position(|c| c == name);
            for state in &deploy.components {
                if let Some(r) = row(&state.name) {
                    col.cells[r].changed = compared && state.changed();
                }
            }
            for c in record.components.iter().flatten() {
                if let Some(r) = row(&c.name) {
                    col.cells[r].claimed = true;
                }
            }
            place_findings(&mut col, &self.components, &touched, findings, history, record);
            self.columns.push(col);
        }
    }
}

/// Components that the commits of each claimed change touch, as the truth
/// read them for records that name components.
fn touched_by_change(truth: &Truth) -> BTreeMap<&str, Vec<&str>> {
    let mut touched: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in &truth.deploys {
        for claim in &d.claims {
            for t in claim.touched.iter().flatten() {
                let e = touched.entry(claim.change.as_str()).or_default();
                if !e.contains(&t.as_str()) {
                    e.push(t.as_str());
                }
            }
        }
    }
    touched
}

/// Links the record's findings to the cells they are about (or to the
/// column, when they are about no component), raising their severities.
fn place_findings(
    col: &mut Column,
    components: &[String],
    touched: &BTreeMap<&str, Vec<&str>>,
    findings: &[Finding],
    history: &History,
    record: &Record,
) {
    let row = |name: &str| components.iter().position(|c| c == name);
    for (i, f) in findings.iter().enumerate() {
        if f.record != record.id || f.environment != history.environment {
            continue;
        }
        col.severity = col.severity.max(Some(f.severity));
        let rows: Vec<usize> = match (&f.component, &f.change) {
            (Some(c), _) => row(c).into_iter().collect(),
            (None, Some(change)) if f.kind != Kind::ClaimedOutsideComponent => {
                // A change finding belongs to the components its
                // commits touch, where this record changed them
                // (shipped) or claimed them (claimed).
                let on = |r: &usize| match f.kind {
                    Kind::ShippedNotClaimed => col.cells[*r].changed,
                    _ => col.cells[*r].claimed || !col.claims_components,
                };
                touched.get(change.as_str()).into_iter().flatten().filter_map(|t| row(t)).filter(on).collect()
            }
            _ => Vec::new(),
        };
        if rows.is_empty() {
            col.findings.push(i);
        }
        for r in rows {
            let cell = &mut col.cells[r];
            cell.findings.push(i);
            cell.severity = cell.severity.max(Some(f.severity));
        }
    }
}
