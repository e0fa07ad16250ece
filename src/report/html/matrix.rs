//! The record × component grid: one column per record in deploy order,
//! grouped by environment, one row per component, each cell saying whether
//! the component changed and whether the record claimed it, and linking to
//! its findings. The largest part of the page, with its own legend.

use std::fmt::Write as _;

use super::labels::{date, sev_class, sev_symbol, target, when};
use super::{esc, Page};
use crate::audit::Severity;
use crate::records::RecordKind;
use crate::report::{Cell, Column, Matrix, Report};
use crate::text::plural;

/// Above this many records the matrix switches to narrow columns with
/// vertical headers.
const DENSE_COLUMNS: usize = 24;

/// What a cell says, as a class, a symbol and words.
fn cell_state(col: &Column, cell: &Cell) -> (&'static str, &'static str, &'static str) {
    match (col.compared, col.claims_components, cell.changed, cell.claimed) {
        (false, _, _, true) => ("st-base", "◌", "claimed, not compared (baseline)"),
        (false, _, _, false) => ("st-none", "", "not compared (baseline)"),
        (true, false, true, _) => ("st-nolist", "◆", "changed (the record lists no components)"),
        (true, _, true, true) => ("st-ok", "●", "changed and claimed"),
        (true, _, true, false) => ("st-unclaimed", "■", "changed, not claimed"),
        (true, _, false, true) => ("st-unchanged", "○", "claimed, not changed"),
        (true, _, false, false) => ("st-none", "", "untouched"),
    }
}

fn legend(h: &mut String) {
    h.push_str("<div class=\"legend\" aria-label=\"legend\">");
    for (class, sym, words) in [
        ("st-ok", "●", "changed and claimed"),
        ("st-unclaimed", "■", "changed, not claimed"),
        ("st-unchanged", "○", "claimed, not changed"),
        ("st-none", "", "untouched"),
        ("st-nolist", "◆", "changed, record lists no components"),
        ("st-base", "◌", "claimed at the baseline (not compared)"),
    ] {
        let _ = write!(h, "<span class=\"key\"><span class=\"swatch {class}\">{sym}</span>{words}</span>");
    }
    h.push_str("<span class=\"sep\"></span>");
    for (s, words) in [
        (Severity::Error, "error: solid border"),
        (Severity::Warning, "warning: dashed border"),
        (Severity::Info, "note: dotted border"),
    ] {
        let _ = write!(
            h,
            "<span class=\"key\"><span class=\"swatch {}\">{}</span>{words}</span>",
            sev_class(Some(s)),
            sev_symbol(s)
        );
    }
    h.push_str("</div>\n");
}

pub fn render(h: &mut String, page: &Page<'_>, m: &Matrix) {
    let report = page.report;
    let dense = m.columns.len() > DENSE_COLUMNS;
    // Rows with nothing in any record are collapsed into one line.
    let (rows, blank): (Vec<usize>, Vec<usize>) = (0..m.components.len())
        .partition(|&r| m.columns.iter().any(|c| c.cells.get(r).is_some_and(|cell| !cell.is_blank())));
    h.push_str("<section id=\"matrix\">\n<h2>Components by record <span class=\"sub\">deploy order, left to right; click a marked cell for its findings</span></h2>\n");
    legend(h);
    if m.columns.iter().any(|c| c.severity.is_none()) && m.columns.len() > 1 {
        // A sibling of the table's wrapper, so that CSS alone filters.
        h.push_str("<input type=\"checkbox\" id=\"only-findings\"><label class=\"filter\" for=\"only-findings\"> only records with findings</label>\n");
    }
    let _ = writeln!(h, "<div class=\"mx-wrap\"><table class=\"mx{}\">", if dense { " dense" } else { "" });
    // Fixed column widths let a large table lay out without measuring every cell.
    let _ =
        writeln!(h, "<colgroup><col class=\"name\"><col class=\"rec\" span=\"{}\"></colgroup>", m.columns.len().max(1));
    h.push_str("<thead><tr class=\"envs\"><th class=\"corner\" rowspan=\"2\" scope=\"col\">component</th>");
    environments(h, report, m);
    h.push_str("</tr>\n<tr class=\"ids\">");
    for (c, col) in m.columns.iter().enumerate() {
        record_header(h, report, m, c, col, dense);
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for &row in &rows {
        component_row(h, report, m, row);
    }
    h.push_str("</tbody></table></div>\n");
    if !blank.is_empty() {
        let names: Vec<String> = blank.iter().map(|&r| esc(&m.components[r])).collect();
        let _ = writeln!(
            h,
            "<details class=\"collapsed\"><summary>{} untouched in every record (rows hidden)</summary><p>{}</p></details>",
            plural(blank.len(), "component", "components"),
            names.join(", ")
        );
    }
    let record_level: usize = m.columns.iter().map(|c| c.findings.len()).sum();
    if record_level > 0 {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} about a record as a whole (dates, refs, rollbacks, changes not tied to a component) mark the record's header.</p>",
            plural(record_level, "finding", "findings")
        );
    }
    h.push_str("</section>\n");
}

/// Environment groups over contiguous columns.
fn environments(h: &mut String, report: &Report, m: &Matrix) {
    let mut c = 0;
    while c < m.columns.len() {
        let env = &report.records[m.columns[c].record].environment;
        let mut end = c + 1;
        while end < m.columns.len() && &report.records[m.columns[end].record].environment == env {
            end += 1;
        }
        let _ = write!(h, "<th class=\"env\" colspan=\"{}\" scope=\"colgroup\">{}</th>", end - c, esc(env));
        c = end;
    }
}

/// Whether column `c` is the first of its environment.
fn env_start(report: &Report, m: &Matrix, c: usize) -> bool {
    c == 0 || report.records[m.columns[c].record].environment != report.records[m.columns[c - 1].record].environment
}

/// The classes every cell of column `c` has, header or not.
fn column_classes(report: &Report, m: &Matrix, c: usize, col: &Column) -> Vec<&'static str> {
    let mut classes = Vec::new();
    if env_start(report, m, c) {
        classes.push("env-start");
    }
    if col.severity.is_none() {
        classes.push("k");
    }
    classes
}

/// The header of column `c`: the record's id, linked to its findings when
/// it has any, and its date unless the columns are narrow.
fn record_header(h: &mut String, report: &Report, m: &Matrix, c: usize, col: &Column, dense: bool) {
    let r = &report.records[col.record];
    let i = col.record;
    let mut classes = vec!["rec", sev_class(col.severity)];
    classes.extend(column_classes(report, m, c, col));
    let kind = match r.kind {
        RecordKind::Deploy => "",
        RecordKind::Rollback => " (rollback)",
        RecordKind::Hotfix => " (hotfix)",
    };
    let title = format!("{}{kind} · {} · {}", esc(&r.id), when(r), target(r, str::to_string));
    let label = if col.severity.is_some() {
        format!("<a href=\"#r-{i}\">{}</a>", esc(&r.id))
    } else {
        format!("<span>{}</span>", esc(&r.id))
    };
    let sym = col.severity.map_or("", sev_symbol);
    let day = if dense { String::new() } else { format!("<span class=\"d\">{}</span>", date(r)) };
    let _ = write!(
        h,
        "<th id=\"h-{i}\" class=\"{}\" scope=\"col\" title=\"{title}\"><span class=\"v\"><span class=\"sym\">{sym}</span>{label}{day}</span></th>",
        classes.join(" ")
    );
}

/// One component's row: a cell per record, marked and linked to its first
/// finding unless there is nothing to say.
fn component_row(h: &mut String, report: &Report, m: &Matrix, row: usize) {
    let name = &m.components[row];
    let _ = write!(h, "<tr><th scope=\"row\" title=\"{0}\">{0}</th>", esc(name));
    for (c, col) in m.columns.iter().enumerate() {
        let cell = col.cells.get(row).cloned().unwrap_or_default();
        let mut classes = column_classes(report, m, c, col);
        if cell.is_blank() {
            if classes.is_empty() {
                h.push_str("<td></td>");
            } else {
                let _ = write!(h, "<td class=\"{}\"></td>", classes.join(" "));
            }
            continue;
        }
        let (state, sym, words) = cell_state(col, &cell);
        classes.push(state);
        classes.push(sev_class(cell.severity));
        let r = &report.records[col.record];
        let mut title = format!("{} at {}: {words}", esc(name), esc(&r.id));
        if !cell.findings.is_empty() {
            let kinds: Vec<&str> = cell.findings.iter().map(|&f| report.findings[f].kind.as_str()).collect();
            let _ = write!(title, " — {}", kinds.join(", "));
        }
        let inner = match cell.findings.first() {
            Some(f) => format!("<a href=\"#f-{f}\">{sym}</a>"),
            None => sym.to_string(),
        };
        let _ = write!(
            h,
            "<td id=\"c-{c}-{row}\" class=\"{}\" data-record=\"{}\" data-component=\"{}\" title=\"{title}\">{inner}</td>",
            classes.join(" "),
            esc(&r.id),
            esc(name)
        );
    }
    h.push_str("</tr>\n");
}
