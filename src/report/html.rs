//! HTML output: one self-contained page (inline CSS and script, no network,
//! no external fonts) that reads with scripting off.
//!
//! The page has, in order: a summary (records, findings by kind and
//! severity, the worst records); the record × component matrix, when the
//! report carries one; a timeline of every change that was claimed in one
//! record and shipped in another, drawn as an arrow between the two; and
//! every finding with its evidence. Cells link to their findings and
//! findings back to their cells.
//!
//! Every piece of untrusted text (record fields, change IDs, paths, commit
//! subjects inside messages, the repository path) goes through [`esc`]:
//! control and bidirectional characters are shown escaped, as in the text
//! report, and `& < > " '` become entities, so nothing from the repository
//! or the records can become markup. Element ids are made from indexes,
//! never from names.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::matrix::{Cell, Column, Matrix};
use super::{RecordLine, Report};
use crate::audit::{Finding, Kind, Severity};
use crate::text::plural;
use crate::time::Timestamp;

/// Above this many records the matrix switches to narrow columns with
/// vertical headers.
const DENSE_COLUMNS: usize = 24;
/// At most this many arrows are drawn per environment; the findings list
/// still has them all.
const MAX_ARROWS: usize = 300;

/// Text safe to put in HTML content and in quoted attribute values.
pub fn esc(s: &str) -> String {
    let s = crate::text::escape(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

fn sev_class(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Error) => "sev-error",
        Some(Severity::Warning) => "sev-warning",
        Some(Severity::Info) => "sev-info",
        None => "sev-none",
    }
}

/// A symbol for each severity, so that it reads without colour.
fn sev_symbol(s: Severity) -> &'static str {
    match s {
        Severity::Error => "✖",
        Severity::Warning => "▲",
        Severity::Info => "ℹ",
    }
}

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

struct Page<'a> {
    report: &'a Report,
    /// (environment, id) → index into `report.records`.
    index: BTreeMap<(&'a str, &'a str), usize>,
    /// Per record: its findings (indexes into `report.findings`).
    by_record: Vec<Vec<usize>>,
    /// Per record: its column in the matrix.
    column_of: Vec<Option<usize>>,
    /// Per finding: the matrix cell it is linked from (column, row).
    cell_of: Vec<Option<(usize, usize)>>,
}

impl<'a> Page<'a> {
    fn new(report: &'a Report) -> Page<'a> {
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

    fn record(&self, env: &str, id: &str) -> Option<usize> {
        self.index.get(&(env, id)).copied()
    }

    /// A link to a record: its findings if it has any, else its matrix column.
    fn record_link(&self, env: &str, id: &str) -> String {
        match self.record(env, id) {
            Some(i) if !self.by_record[i].is_empty() => format!("<a href=\"#r-{i}\">{}</a>", esc(id)),
            Some(i) if self.column_of[i].is_some() => format!("<a href=\"#h-{i}\">{}</a>", esc(id)),
            _ => esc(id),
        }
    }
}

fn timestamp(line: &RecordLine) -> Option<Timestamp> {
    line.deployed_at.as_deref().and_then(|t| Timestamp::parse(t).ok())
}

fn when(line: &RecordLine) -> String {
    timestamp(line).map_or_else(|| "no date".to_string(), |t| t.human())
}

/// Renders the report as one self-contained HTML page.
pub fn render_html(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let page = Page::new(report);
    let mut h = String::with_capacity(64 * 1024 + report.findings.len() * 1024);
    head(&mut h, report);
    summary(&mut h, &page);
    if let Some(m) = &report.matrix {
        matrix(&mut h, &page, m);
    }
    timeline(&mut h, &page);
    findings(&mut h, &page);
    h.push_str("<script>");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body>\n</html>\n");
    out.write_all(h.as_bytes())
}

fn head(h: &mut String, report: &Report) {
    let envs = &report.summary.environments;
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"shipcheck {}\">\n\
         <title>shipcheck audit: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        env!("CARGO_PKG_VERSION"),
        esc(&envs.join(", "))
    );
}

fn summary(h: &mut String, page: &Page<'_>) {
    let report = page.report;
    let s = &report.summary;
    let envs = &s.environments;
    let _ = writeln!(
        h,
        "<header><h1>shipcheck audit <span class=\"sub\">{} in {} · <code>{}</code></span></h1></header>",
        plural(s.records, "record", "records"),
        if envs.len() == 1 { esc(&envs[0]) } else { plural(envs.len(), "environment", "environments") },
        esc(&report.repository)
    );
    signature(h, page);
    h.push_str("<section id=\"summary\" class=\"summary\">\n");

    // Counts by severity.
    h.push_str("<div class=\"box counts\"><h2>Findings</h2>");
    let total = s.errors + s.warnings + s.infos;
    if total == 0 {
        h.push_str("<p class=\"clean\">✔ No findings: every record agrees with git.</p>");
    } else {
        for (n, sev, one, many) in [
            (s.errors, Severity::Error, "error", "errors"),
            (s.warnings, Severity::Warning, "warning", "warnings"),
            (s.infos, Severity::Info, "note", "notes"),
        ] {
            if n == 0 {
                continue;
            }
            let _ = write!(
                h,
                "<span class=\"count {}\"><span class=\"sym\">{}</span> {}</span> ",
                sev_class(Some(sev)),
                sev_symbol(sev),
                plural(n, one, many)
            );
        }
    }
    h.push_str("</div>\n");

    // By kind and severity.
    let mut kinds: BTreeMap<Kind, [usize; 3]> = BTreeMap::new();
    for f in &report.findings {
        let slot = match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        };
        kinds.entry(f.kind).or_default()[slot] += 1;
    }
    if !kinds.is_empty() {
        h.push_str("<div class=\"box kinds\"><h2>By kind</h2><table class=\"bykind\"><thead><tr><th scope=\"col\">kind</th><th scope=\"col\" title=\"errors\">✖</th><th scope=\"col\" title=\"warnings\">▲</th><th scope=\"col\" title=\"notes\">ℹ</th></tr></thead><tbody>");
        for (kind, counts) in &kinds {
            let _ = write!(h, "<tr><td><code>{}</code></td>", kind.as_str());
            for n in counts {
                if *n == 0 {
                    h.push_str("<td class=\"n zero\">·</td>");
                } else {
                    let _ = write!(h, "<td class=\"n\">{n}</td>");
                }
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table></div>\n");
    }

    // The worst records.
    let mut ranked: Vec<(usize, [usize; 3])> = page
        .by_record
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, fs)| {
            let mut c = [0; 3];
            for &f in fs {
                match report.findings[f].severity {
                    Severity::Error => c[0] += 1,
                    Severity::Warning => c[1] += 1,
                    Severity::Info => c[2] += 1,
                }
            }
            (i, c)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if !ranked.is_empty() {
        h.push_str("<div class=\"box worst\"><h2>Worst records</h2><ol>");
        for (i, c) in ranked.iter().take(5) {
            let r = &report.records[*i];
            let worst = if c[0] > 0 {
                Severity::Error
            } else if c[1] > 0 {
                Severity::Warning
            } else {
                Severity::Info
            };
            let mut parts = Vec::new();
            for (n, one, many) in [(c[0], "error", "errors"), (c[1], "warning", "warnings"), (c[2], "note", "notes")] {
                if n > 0 {
                    parts.push(plural(n, one, many));
                }
            }
            let _ = write!(
                h,
                "<li class=\"{}\"><span class=\"sym\">{}</span> <a href=\"#r-{i}\">{}</a> <span class=\"muted\">{}{}</span> {}</li>",
                sev_class(Some(worst)),
                sev_symbol(worst),
                esc(&r.id),
                when(r),
                if envs.len() > 1 { format!(" · {}", esc(&r.environment)) } else { String::new() },
                parts.join(", ")
            );
        }
        if ranked.len() > 5 {
            let _ =
                write!(h, "<li class=\"more\">and {} more below</li>", plural(ranked.len() - 5, "record", "records"));
        }
        h.push_str("</ol></div>\n");
    }
    h.push_str("</section>\n");
}

/// The incident's signature first: changes recorded as deployed in one
/// record and shipped, unrecorded, by a later one.
fn signature(h: &mut String, page: &Page<'_>) {
    let report = page.report;
    let found: Vec<usize> = (0..report.findings.len())
        .filter(|&i| {
            let f = &report.findings[i];
            f.kind == Kind::ShippedNotClaimed && !f.evidence.claimed_in.is_empty()
        })
        .collect();
    if found.is_empty() {
        return;
    }
    h.push_str("<ul class=\"signature\" aria-label=\"recorded in one deploy, shipped in another\">");
    for &i in found.iter().take(3) {
        let f = &report.findings[i];
        let at = page.record(&f.environment, &f.record).map(|r| when(&report.records[r])).unwrap_or_default();
        let _ = write!(
            h,
            "<li class=\"sev-error\"><span class=\"sym\">✖</span> <a href=\"#f-{i}\">{}</a> <span class=\"muted\">{at}</span>: {}</li>",
            esc(&f.record),
            esc(&f.message)
        );
    }
    if found.len() > 3 {
        let _ = write!(h, "<li class=\"more\">and {} more in the timeline below</li>", found.len() - 3);
    }
    h.push_str("</ul>\n");
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

fn matrix(h: &mut String, page: &Page<'_>, m: &Matrix) {
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
    // Environment groups over contiguous columns.
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
    h.push_str("</tr>\n<tr class=\"ids\">");
    let env_start = |c: usize| {
        c == 0 || report.records[m.columns[c].record].environment != report.records[m.columns[c - 1].record].environment
    };
    for (c, col) in m.columns.iter().enumerate() {
        let r = &report.records[col.record];
        let i = col.record;
        let mut classes = vec!["rec", sev_class(col.severity)];
        if env_start(c) {
            classes.push("env-start");
        }
        if col.severity.is_none() {
            classes.push("k");
        }
        let kind = match r.kind {
            crate::records::RecordKind::Deploy => "",
            crate::records::RecordKind::Rollback => " (rollback)",
            crate::records::RecordKind::Hotfix => " (hotfix)",
        };
        let target = match (&r.release, &r.commit) {
            (Some(rel), Some(c)) => format!("{} ({})", esc(rel), short(c)),
            (None, Some(c)) => short(c).to_string(),
            (Some(rel), None) => format!("{} (unresolved)", esc(rel)),
            (None, None) => "unresolved".to_string(),
        };
        let title = format!("{}{kind} · {} · {target}", esc(&r.id), when(r));
        let label = if col.severity.is_some() {
            format!("<a href=\"#r-{i}\">{}</a>", esc(&r.id))
        } else {
            format!("<span>{}</span>", esc(&r.id))
        };
        let sym = col.severity.map_or("", sev_symbol);
        let date = if dense {
            String::new()
        } else {
            format!("<span class=\"d\">{}</span>", timestamp(r).map_or_else(|| "no date".to_string(), |t| t.date()))
        };
        let _ = write!(
            h,
            "<th id=\"h-{i}\" class=\"{}\" scope=\"col\" title=\"{title}\"><span class=\"v\"><span class=\"sym\">{sym}</span>{label}{date}</span></th>",
            classes.join(" ")
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for &row in &rows {
        let name = &m.components[row];
        let _ = write!(h, "<tr><th scope=\"row\" title=\"{0}\">{0}</th>", esc(name));
        for (c, col) in m.columns.iter().enumerate() {
            let cell = col.cells.get(row).cloned().unwrap_or_default();
            let mut classes: Vec<&str> = Vec::new();
            if env_start(c) {
                classes.push("env-start");
            }
            if col.severity.is_none() {
                classes.push("k");
            }
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

/// A change claimed in one record and shipped in another (or never).
struct Arrow<'a> {
    change: &'a str,
    from: usize,
    to: Option<usize>,
    /// Named, but outside this report.
    to_name: Option<&'a str>,
    reverted_by: Option<&'a str>,
    severity: Severity,
    finding: usize,
}

fn arrows<'a>(page: &Page<'a>) -> BTreeMap<&'a str, Vec<Arrow<'a>>> {
    let report = page.report;
    let mut by_env: BTreeMap<&str, Vec<Arrow<'_>>> = BTreeMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        let Some(change) = f.change.as_deref() else { continue };
        let env = f.environment.as_str();
        let pairs: Vec<(&str, Option<&str>)> = match f.kind {
            Kind::ClaimedNotShipped | Kind::ShippedEarlier => {
                vec![(f.record.as_str(), f.evidence.first_shipped_in.as_deref())]
            }
            Kind::ShippedNotClaimed => {
                f.evidence.claimed_in.iter().map(|c| (c.as_str(), Some(f.record.as_str()))).collect()
            }
            _ => continue,
        };
        for (from, to) in pairs {
            let Some(from_i) = page.record(env, from) else { continue };
            let to_i = to.and_then(|t| page.record(env, t));
            let list = by_env.entry(env).or_default();
            let same = |a: &Arrow<'_>| {
                a.change == change && a.from == from_i && a.to == to_i && a.to_name == to.filter(|_| to_i.is_none())
            };
            if list.iter().any(same) {
                continue;
            }
            list.push(Arrow {
                change,
                from: from_i,
                to: to_i,
                to_name: to.filter(|_| to_i.is_none()),
                reverted_by: f.evidence.reverted_by.as_deref(),
                severity: f.severity,
                finding: i,
            });
        }
    }
    by_env
}

fn timeline(h: &mut String, page: &Page<'_>) {
    let report = page.report;
    let all = arrows(page);
    h.push_str("<section id=\"timeline\">\n<h2>Claimed here, shipped there <span class=\"sub\">each arrow runs from the record that claimed a change to the record whose deploy first contained it</span></h2>\n");
    if all.is_empty() {
        h.push_str("<p class=\"muted\">Every claimed change shipped in the deploy that claimed it.</p>\n</section>\n");
        return;
    }
    const W: f64 = 1100.0;
    const LEFT: f64 = 230.0;
    const RIGHT: f64 = 230.0;
    const LANE: f64 = 40.0;
    const TOP: f64 = 34.0;
    const MIN_ARROW: f64 = 36.0;
    for (env, list) in &all {
        let records: Vec<usize> =
            (0..report.records.len()).filter(|&i| report.records[i].environment == *env).collect();
        // Time when every record of the environment has a date, else deploy order.
        let times: Vec<Option<i64>> = records.iter().map(|&i| timestamp(&report.records[i]).map(|t| t.0)).collect();
        let by_time = times.iter().all(Option::is_some);
        let pos = |i: usize| -> f64 {
            let k = records.iter().position(|&r| r == i).unwrap_or(0);
            if by_time {
                times[k].unwrap_or(0) as f64
            } else {
                k as f64
            }
        };
        let (lo, hi) = records.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &i| (lo.min(pos(i)), hi.max(pos(i))));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let x = |i: usize| LEFT + (pos(i) - lo) / span * (W - LEFT - RIGHT);
        let shown = list.len().min(MAX_ARROWS);
        let height = TOP + LANE * shown as f64 + 8.0;
        if all.len() > 1 {
            let _ = writeln!(h, "<h3>{}</h3>", esc(env));
        }
        let _ = writeln!(
            h,
            "<div class=\"tl-wrap\"><svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
            esc(&format!("{} claimed in one record and shipped in another, in {env}", plural(list.len(), "change", "changes")))
        );
        h.push_str("<defs>");
        for s in [Severity::Error, Severity::Warning, Severity::Info] {
            let _ = write!(
                h,
                "<marker id=\"ah-{0}\" class=\"{1}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"12\" markerHeight=\"12\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker>",
                s.as_str(),
                sev_class(Some(s))
            );
        }
        h.push_str("</defs>\n");
        // Axis: one tick per record, dates at both ends.
        let _ = write!(h, "<g class=\"axis\"><line x1=\"{LEFT}\" y1=\"18\" x2=\"{}\" y2=\"18\"/>", W - RIGHT);
        // A tick per record; with many records, only where arrows end.
        let ticks: Vec<usize> = if records.len() <= 100 {
            records.clone()
        } else {
            let mut t: Vec<usize> = list.iter().flat_map(|a| [Some(a.from), a.to]).flatten().collect();
            t.sort_unstable();
            t.dedup();
            t
        };
        for i in ticks {
            let _ = write!(h, "<line x1=\"{0:.1}\" y1=\"14\" x2=\"{0:.1}\" y2=\"22\"/>", x(i));
        }
        if let (Some(&first), Some(&last)) = (records.first(), records.last()) {
            let label = |i: usize| {
                let r = &report.records[i];
                timestamp(r).map_or_else(|| esc(&r.id), |t| format!("{} {}", esc(&r.id), t.date()))
            };
            let _ = write!(h, "<text x=\"{:.1}\" y=\"12\" text-anchor=\"end\">{}</text>", x(first) - 6.0, label(first));
            if last != first {
                let _ = write!(h, "<text x=\"{:.1}\" y=\"12\">{}</text>", x(last) + 6.0, label(last));
            }
        }
        h.push_str("</g>\n");
        for (lane, a) in list.iter().take(shown).enumerate() {
            let y = TOP + LANE * lane as f64 + 24.0;
            let from = &report.records[a.from];
            let x1 = x(a.from);
            let (x2, to_label, end_label, open) = match (a.to, a.to_name) {
                (Some(t), _) => {
                    let r = &report.records[t];
                    (
                        x(t),
                        format!("shipped in {}, {}", esc(&r.id), when(r)),
                        format!("shipped in {}, {}", esc(&r.id), from_date(r)),
                        false,
                    )
                }
                (None, Some(name)) => {
                    let text = format!("shipped in {} (outside this report)", esc(name));
                    (W - RIGHT + 40.0, text.clone(), text, true)
                }
                (None, None) => {
                    let why = match a.reverted_by {
                        Some(r) => format!("reverted by {}", short(r)),
                        None => "never shipped".to_string(),
                    };
                    (W - RIGHT + 40.0, why.clone(), format!("✕ {why}"), true)
                }
            };
            // Too short to see: drawn at a minimum length around its middle
            // (the labels give the exact records and dates).
            let (x1, x2) = if (x2 - x1).abs() < MIN_ARROW {
                let mid = (x1 + x2) / 2.0;
                let half = MIN_ARROW / 2.0 * if x2 >= x1 { 1.0 } else { -1.0 };
                (mid - half, mid + half)
            } else {
                (x1, x2)
            };
            let gap = match (a.to.map(|t| &report.records[t]), timestamp(from)) {
                (Some(t), Some(f)) => match timestamp(t) {
                    Some(tt) => {
                        let secs = tt.0 - f.0;
                        let (n, one, many) = if secs.abs() >= 86_400 {
                            ((secs.abs() as f64 / 86_400.0).round() as usize, "day", "days")
                        } else {
                            ((secs.abs() as f64 / 3_600.0).round() as usize, "hour", "hours")
                        };
                        if n == 0 {
                            String::new()
                        } else {
                            format!(", {} {}", plural(n, one, many), if secs > 0 { "later" } else { "earlier" })
                        }
                    }
                    None => String::new(),
                },
                _ => String::new(),
            };
            let to_attr = match (a.to, a.to_name) {
                (Some(t), _) => esc(&report.records[t].id),
                (None, Some(n)) => esc(n),
                (None, None) => String::new(),
            };
            let sev = a.severity.as_str();
            let _ = write!(
                h,
                "<g class=\"arrow {}{}\" data-change=\"{}\" data-from=\"{}\" data-to=\"{to_attr}\"><a href=\"#f-{}\"><title>{} claimed in {}, {}; {to_label}{gap}</title>",
                sev_class(Some(a.severity)),
                if open { " open" } else { "" },
                esc(a.change),
                esc(&from.id),
                a.finding,
                esc(a.change),
                esc(&from.id),
                when(from)
            );
            // Lane label above the arrow, then the arrow, then the ends.
            let mid = (x1 + x2) / 2.0;
            let _ = write!(
                h,
                "<text class=\"change\" x=\"{mid:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}{gap}</text>",
                y - 8.0,
                esc(a.change)
            );
            let dir = if x2 >= x1 { 1.0 } else { -1.0 };
            let _ = write!(
                h,
                "<line class=\"shaft\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" marker-end=\"url(#ah-{sev})\"/>",
                x1 + 5.0 * dir,
                x2 - 5.0 * dir
            );
            let _ = write!(h, "<circle class=\"claim\" cx=\"{x1:.1}\" cy=\"{y:.1}\" r=\"4.5\"/>");
            if !open {
                let _ = write!(
                    h,
                    "<rect class=\"ship\" x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\"/>",
                    x2 - 4.5,
                    y - 4.5
                );
            }
            let claim_label = format!("claimed in {}, {}", esc(&from.id), from_date(from));
            let ship_label = end_label;
            let (left_x, left_text, right_x, right_text) = if x2 >= x1 {
                (x1 - 9.0, claim_label, x2 + 9.0, ship_label)
            } else {
                (x2 - 9.0, ship_label, x1 + 9.0, claim_label)
            };
            let _ = writeln!(
                h,
                "<text class=\"end\" x=\"{left_x:.1}\" y=\"{:.1}\" text-anchor=\"end\">{left_text}</text><text class=\"end\" x=\"{right_x:.1}\" y=\"{:.1}\">{right_text}</text></a></g>",
                y + 4.0,
                y + 4.0
            );
        }
        h.push_str("</svg></div>\n");
        if list.len() > shown {
            let _ = writeln!(
                h,
                "<p class=\"muted\">{} more in the findings below.</p>",
                plural(list.len() - shown, "arrow", "arrows")
            );
        }
    }
    h.push_str("</section>\n");
}

fn from_date(r: &RecordLine) -> String {
    timestamp(r).map_or_else(|| "no date".to_string(), |t| t.date())
}

fn evidence(h: &mut String, page: &Page<'_>, f: &Finding) {
    let e = &f.evidence;
    let env = f.environment.as_str();
    let sha = |s: &str| format!("<code title=\"{0}\">{1}</code>", esc(s), esc(short(s)));
    let list =
        |items: &[String], each: &dyn Fn(&str) -> String| items.iter().map(|s| each(s)).collect::<Vec<_>>().join(", ");
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(c) = &e.commit {
        rows.push(("commit", sha(c)));
    }
    if let Some(p) = &e.previous {
        rows.push(("compared with", page.record_link(env, p)));
    }
    if !e.commits.is_empty() {
        rows.push(("commits", list(&e.commits, &sha)));
    }
    if !e.changes.is_empty() {
        rows.push(("changes", list(&e.changes, &|s| format!("<code>{}</code>", esc(s)))));
    }
    if !e.paths.is_empty() {
        rows.push(("paths", list(&e.paths, &|s| format!("<code>{}</code>", esc(s)))));
    }
    if let Some(r) = &e.first_shipped_in {
        rows.push(("first shipped in", page.record_link(env, r)));
    }
    if !e.claimed_in.is_empty() {
        rows.push(("claimed in", list(&e.claimed_in, &|s| page.record_link(env, s))));
    }
    if let Some(r) = &e.reverted_by {
        rows.push(("reverted by", sha(r)));
    }
    if let Some(v) = &e.claimed_version {
        rows.push(("claimed version", format!("<code>{}</code>", esc(v))));
    }
    if let Some(v) = &e.actual_version {
        rows.push(("actual version", format!("<code>{}</code>", esc(v))));
    }
    if let Some(v) = &e.version_file {
        rows.push(("version file", format!("<code>{}</code>", esc(v))));
    }
    if let Some(t) = &e.tag_commit {
        rows.push(("tag points at", sha(t)));
    }
    if !e.components.is_empty() {
        rows.push(("components", list(&e.components, &|s| esc(s))));
    }
    if let Some(t) = &e.record_time {
        rows.push(("recorded time", esc(t)));
    }
    if let Some(t) = &e.commit_time {
        rows.push(("commit time", esc(t)));
    }
    rows.push(("record read from", format!("<code>{}</code>", esc(&f.location.to_string()))));
    h.push_str("<dl>");
    for (k, v) in rows {
        let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h.push_str("</dl>");
}

fn findings(h: &mut String, page: &Page<'_>) {
    let report = page.report;
    h.push_str("<section id=\"findings\">\n<h2>Findings <span class=\"sub\">by record, in deploy order</span></h2>\n");
    if report.findings.is_empty() {
        h.push_str("<p class=\"clean\">✔ No findings: every record agrees with git.</p>\n");
    }
    for (i, fs) in page.by_record.iter().enumerate() {
        if fs.is_empty() {
            continue;
        }
        let r = &report.records[i];
        let target = match (&r.release, &r.commit) {
            (Some(rel), Some(c)) => format!("{} (<code>{}</code>)", esc(rel), short(c)),
            (None, Some(c)) => format!("<code>{}</code>", short(c)),
            (Some(rel), None) => format!("{} (unresolved)", esc(rel)),
            (None, None) => "unresolved".to_string(),
        };
        let vs = match &r.previous {
            Some(p) => format!("compared with {}", page.record_link(&r.environment, p)),
            None => "baseline".to_string(),
        };
        let col = match page.column_of[i] {
            Some(_) => format!(" · <a href=\"#h-{i}\">matrix</a>"),
            None => String::new(),
        };
        let _ = writeln!(
            h,
            "<section class=\"record\" id=\"r-{i}\"><h3>{} <span class=\"sub\">{} · {} · {target} · {vs}{col}</span></h3>",
            esc(&r.id),
            esc(&r.environment),
            when(r)
        );
        for &fi in fs {
            let f = &report.findings[fi];
            let about = match (&f.change, &f.component) {
                (Some(c), _) => format!(" <span class=\"about\">change <code>{}</code></span>", esc(c)),
                (None, Some(c)) => format!(" <span class=\"about\">component <code>{}</code></span>", esc(c)),
                (None, None) => String::new(),
            };
            let back = match page.cell_of[fi] {
                Some((c, row)) => format!(" <a class=\"back\" href=\"#c-{c}-{row}\">↑ cell</a>"),
                None => match page.column_of[i] {
                    Some(_) => format!(" <a class=\"back\" href=\"#h-{i}\">↑ record</a>"),
                    None => String::new(),
                },
            };
            let _ = write!(
                h,
                "<article class=\"finding {}\" id=\"f-{fi}\" data-kind=\"{}\"><p class=\"head\"><span class=\"badge\"><span class=\"sym\">{}</span> {}</span> <code class=\"kind\">{}</code>{about}{back}</p><p class=\"msg\">{}</p>",
                sev_class(Some(f.severity)),
                f.kind.as_str(),
                sev_symbol(f.severity),
                f.severity.as_str(),
                f.kind.as_str(),
                esc(&f.message)
            );
            evidence(h, page, f);
            h.push_str("</article>\n");
        }
        h.push_str("</section>\n");
    }
    // Constant sentences; field names between backticks become <code>.
    let notes: Vec<String> = report
        .summary
        .skipped
        .sentences()
        .iter()
        .map(|n| {
            esc(n)
                .split('`')
                .enumerate()
                .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_string() })
                .collect()
        })
        .collect();
    if !notes.is_empty() {
        h.push_str("<ul class=\"notes\">");
        for n in notes {
            let _ = write!(h, "<li>note: {n}</li>");
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// Colours follow the Okabe–Ito palette (safe for colour-blind readers);
/// every state also has a symbol and every severity a border style, so the
/// page reads in greyscale.
const STYLE: &str = r#"
:root{--err:#c0392b;--err-bg:#fbd9cc;--warn:#8a6100;--warn-bg:#fbecb8;--info:#0b5c99;--info-bg:#d6e6f5;--ok:#00795a;--ok-bg:#d3efe5;--line:#c9ccd1;--muted:#5b6168;--bg:#fff;--fg:#1d2125}
*{box-sizing:border-box}
body{margin:0;padding:10px 18px 40px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
code{font:12.5px/1.3 ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace}
h1{font-size:19px;margin:0 0 6px}h2{font-size:15px;margin:14px 0 6px}h3{font-size:14px;margin:12px 0 4px}
.sub{font-weight:normal;color:var(--muted);font-size:13px}
.muted{color:var(--muted)}
a{color:#0b4f8a}
.signature{list-style:none;margin:0 0 8px;padding:6px 10px;border:2px solid var(--err);border-radius:6px;background:#fff4f0}
.signature li{margin:1px 0}.signature .sym{color:var(--err)}.signature a{font-weight:700;color:var(--err)}
.summary{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start}
.box{border:1px solid var(--line);border-radius:6px;padding:6px 10px;min-width:200px}
.box h2{margin:0 0 4px;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.count{display:block;font-size:15px;font-weight:600;padding:1px 0}
.count.sev-error{color:var(--err)}.count.sev-warning{color:var(--warn)}.count.sev-info{color:var(--info)}
.bykind{border-collapse:collapse}.bykind td,.bykind th{padding:1px 6px;text-align:left}.bykind .n{text-align:right}.bykind .zero{color:#aaa}
.worst ol{margin:0;padding-left:20px}.worst li.sev-error .sym{color:var(--err)}.worst li.sev-warning .sym{color:var(--warn)}.worst li.sev-info .sym{color:var(--info)}
.clean{color:var(--ok);font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:4px 0 6px;font-size:12.5px;color:var(--muted)}
.legend .key{display:inline-flex;align-items:center;gap:5px}.legend .sep{width:10px}
.swatch{display:inline-flex;align-items:center;justify-content:center;width:22px;height:18px;border:1px solid var(--line);font-size:12px;color:var(--fg)}
.filter{font-size:12.5px;color:var(--muted)}#only-findings{margin:0 2px 6px 0;vertical-align:middle}
.mx-wrap{overflow:auto;contain:content;max-height:72vh;max-width:100%;border:1px solid var(--line);border-radius:4px;width:max-content}
table.mx{border-collapse:separate;border-spacing:0;font-size:13px}
.mx th,.mx td{border-right:1px solid #eceef0;border-bottom:1px solid #eceef0;background:var(--bg)}
.mx thead th{position:sticky;z-index:2}
.mx tr.envs th{top:0;height:24px;background:#f2f4f6;font-weight:600;text-align:left;padding:2px 6px}
.mx tr.ids th{top:24px;background:#f8f9fa;font-weight:normal;padding:3px 6px;vertical-align:bottom;white-space:nowrap}
.mx th.corner{left:0;z-index:4;background:#f2f4f6;text-align:left;vertical-align:bottom;padding:3px 8px;font-weight:600}
.mx tbody th{position:sticky;left:0;z-index:1;text-align:left;font-weight:600;padding:2px 8px;max-width:16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;background:#f8f9fa}
.mx th.rec .d{display:block;color:var(--muted);font-size:11.5px}
.mx th.rec .sym{margin-right:3px}
.mx th.rec.sev-error{color:var(--err)}.mx th.rec.sev-error a{color:var(--err);font-weight:700}
.mx th.rec.sev-warning .sym{color:var(--warn)}.mx th.rec.sev-info .sym{color:var(--info)}
.mx td{min-width:76px;height:28px;text-align:center;padding:0;font-size:15px}
.mx.dense{table-layout:fixed;width:max-content}.mx.dense col.name{width:11em}.mx.dense col.rec{width:21px}
.mx.dense td{min-width:0;height:22px;font-size:12px}
.mx.dense tr.ids th{padding:6px 0;top:24px;font-size:11.5px;text-align:center}
.mx.dense tr.ids th .v{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg)}
.mx .env-start{border-left:2px solid #8d949c}
.mx td a{display:block;color:inherit;text-decoration:none;line-height:24px}
.mx.dense td a{line-height:18px}
.mx td.st-ok{background:var(--ok-bg);color:var(--ok)}
.mx td.st-unchanged{color:#555}
.mx td.st-nolist,.mx td.st-base{color:#555;background:repeating-linear-gradient(135deg,#fff 0 4px,#f0f1f3 4px 8px)}
.mx td.sev-error,.swatch.sev-error{background:var(--err-bg);color:#7d1a0e;box-shadow:inset 0 0 0 2px var(--err)}
.mx td.sev-warning,.swatch.sev-warning{background:var(--warn-bg);color:#5c4100;outline:2px dashed var(--warn);outline-offset:-3px}
.mx td.sev-info,.swatch.sev-info{background:var(--info-bg);color:#083c66;outline:2px dotted var(--info);outline-offset:-3px}
.swatch.st-ok{background:var(--ok-bg);color:var(--ok)}.swatch.st-nolist,.swatch.st-base{background:repeating-linear-gradient(135deg,#fff 0 4px,#f0f1f3 4px 8px)}
.mx td:target,.mx td.hl,.mx th.hl{box-shadow:inset 0 0 0 3px #1d2125}
#only-findings:checked~.mx-wrap .k{display:none}
.collapsed{margin:4px 0;font-size:12.5px;color:var(--muted)}.collapsed p{margin:2px 0 0 14px}
.tl-wrap{overflow:auto;max-height:60vh;max-width:100%}
svg.timeline{display:block;font:12px system-ui,"DejaVu Sans",sans-serif}
svg.timeline .axis line{stroke:#8d949c;stroke-width:1}
svg.timeline .axis text{fill:var(--muted)}
svg.timeline .shaft{stroke-width:2.5}
svg.timeline .sev-error .shaft,svg.timeline marker.sev-error path{stroke:var(--err);fill:var(--err)}
svg.timeline .sev-warning .shaft{stroke:var(--warn);stroke-dasharray:7 4}svg.timeline marker.sev-warning path{fill:var(--warn)}
svg.timeline .sev-info .shaft{stroke:var(--info);stroke-dasharray:2 3}svg.timeline marker.sev-info path{fill:var(--info)}
svg.timeline .open .shaft{stroke-dasharray:3 4}
svg.timeline .claim{fill:#fff;stroke:var(--fg);stroke-width:2}
svg.timeline .ship{fill:var(--fg)}
svg.timeline .change{font-weight:700;fill:var(--fg)}
svg.timeline .end{fill:var(--fg)}
svg.timeline a:hover .shaft{stroke-width:4}
.record{border-top:1px solid var(--line);margin-top:10px;content-visibility:auto;contain-intrinsic-size:auto 240px}
.finding{border-left:5px solid var(--line);padding:4px 10px;margin:6px 0;background:#fafbfc}
.finding.sev-error{border-left:5px solid var(--err)}
.finding.sev-warning{border-left:5px dashed var(--warn)}
.finding.sev-info{border-left:5px dotted var(--info)}
.finding:target{background:#fff6d6;box-shadow:0 0 0 2px #1d2125}
.finding .head{margin:0}.finding .msg{margin:3px 0}
.badge{font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.03em}
.sev-error .badge{color:var(--err)}.sev-warning .badge{color:var(--warn)}.sev-info .badge{color:var(--info)}
.kind{font-weight:600}.about{color:var(--muted)}.back{font-size:12px;margin-left:8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;margin:2px 0 2px;font-size:13px}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.notes{color:var(--muted);font-size:13px}
@media print{.mx-wrap,.tl-wrap{max-height:none;overflow:visible}.filter{display:none}}
"#;

/// Optional comfort: highlights the row and column under the pointer. The
/// page says everything without it.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var table = document.querySelector("table.mx");
  if (table) {
    var lit = [];
    table.addEventListener("mouseover", function (e) {
      var td = e.target.closest ? e.target.closest("td") : null;
      for (var i = 0; i < lit.length; i++) lit[i].classList.remove("hl");
      lit = [];
      if (!td) return;
      var head = table.querySelector("tr.ids").cells[td.cellIndex - 1];
      var row = td.parentNode.cells[0];
      if (head) lit.push(head);
      if (row) lit.push(row);
      for (var j = 0; j < lit.length; j++) lit[j].classList.add("hl");
    });
  }
  document.documentElement.setAttribute("data-script", "ran");
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(esc("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(esc("\"'><img src=x>"), "&quot;&#39;&gt;&lt;img src=x&gt;");
        assert_eq!(esc("a&b"), "a&amp;b");
        assert_eq!(esc("x\u{202e}y\n"), "x\\u{202e}y\\n");
    }
}
