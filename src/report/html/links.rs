//! What links to what in the page: each record's findings, its matrix
//! column, and the cell each finding is marked in. Worked out once, before
//! any part is written, so that every link has its target. Element ids are
//! made from these indexes, never from names.

use std::collections::BTreeMap;

use super::esc;
use crate::report::Report;

pub struct Page<'a> {
    pub report: &'a Report,
    /// (environment, id) → index into `report.records`.
    index: BTreeMap<(&'a str, &'a str), usize>,
    /// Per record: its findings (indexes into `report.findings`).
    pub by_record: Vec<Vec<usize>>,
    /// Per record: its column in the matrix.
    pub column_of: Vec<Option<usize>>,
    /// Per finding: the matrix cell it is linked from (column, row).
    pub cell_of: Vec<Option<(usize, usize)>>,
}

impl<'a> Page<'a> {
    pub fn new(report: &'a Report) -> Page<'a> {
        let mut index = BTreeMap::new();
        for (i, r) in report.records.iter().enumerate() {
            index.entry((r.environment.as_str(), r.id.as_str())).or_insert(i);
        }
        let mut by_record = vec![Vec::new(); report.records.len()];
        for (i, f) in report.findings.iter().enumerate() {
            if let Some(&r) = index.get(&(f.environment.as_str(), f.record.as_str())) {
                by_record[r].push(i);
            }
        }
        let mut column_of = vec![None; report.records.len()];
        let mut cell_of = vec![None; report.findings.len()];
        if let Some(m) = &report.matrix {
            for (c, col) in m.columns.iter().enumerate() {
                if let Some(slot) = column_of.get_mut(col.record) {
                    *slot = Some(c);
                }
                for (r, cell) in col.cells.iter().enumerate() {
                    for &f in &cell.findings {
                        if let Some(slot) = cell_of.get_mut(f) {
                            slot.get_or_insert((c, r));
                        }
                    }
                }
            }
        }
        Page { report, index, by_record, column_of, cell_of }
    }

    pub fn record(&self, env: &str, id: &str) -> Option<usize> {
        self.index.get(&(env, id)).copied()
    }

    /// A link to a record: its findings if it has any, else its matrix column.
    pub fn record_link(&self, env: &str, id: &str) -> String {
        match self.record(env, id) {
            Some(i) if !self.by_record[i].is_empty() => format!("<a href=\"#r-{i}\">{}</a>", esc(id)),
            Some(i) if self.column_of[i].is_some() => format!("<a href=\"#h-{i}\">{}</a>", esc(id)),
            _ => esc(id),
        }
    }
}
