//! The top of the page: the title line, the incident's signature (changes
//! recorded in one deploy and shipped by another), and the summary boxes:
//! counts by severity, counts by kind, and the worst records. It is what a
//! reader sees before scrolling, so it gets its own file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::labels::{sev_class, sev_symbol, when, NO_FINDINGS};
use super::{esc, Page};
use crate::audit::{Kind, Severity, Summary};
use crate::report::Report;
use crate::text::plural;

/// The severities in the order the summary counts them, with their words.
const SEVERITIES: [(Severity, &str, &str); 3] = [
    (Severity::Error, "error", "errors"),
    (Severity::Warning, "warning", "warnings"),
    (Severity::Info, "note", "notes"),
];

/// Where a severity is counted in a `[errors, warnings, notes]` triple.
fn slot(s: Severity) -> usize {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

pub fn render(h: &mut String, page: &Page<'_>) {
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
    counts(h, s);
    kinds(h, report);
    worst(h, page);
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

/// Counts by severity.
fn counts(h: &mut String, s: &Summary) {
    h.push_str("<div class=\"box counts\"><h2>Findings</h2>");
    let total = s.errors + s.warnings + s.infos;
    if total == 0 {
        h.push_str(NO_FINDINGS);
    } else {
        for (n, (sev, one, many)) in [s.errors, s.warnings, s.infos].into_iter().zip(SEVERITIES) {
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
}

/// Counts by kind and severity.
fn kinds(h: &mut String, report: &Report) {
    let mut kinds: BTreeMap<Kind, [usize; 3]> = BTreeMap::new();
    for f in &report.findings {
        kinds.entry(f.kind).or_default()[slot(f.severity)] += 1;
    }
    if kinds.is_empty() {
        return;
    }
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

/// The five records with the most serious findings.
fn worst(h: &mut String, page: &Page<'_>) {
    let report = page.report;
    let mut ranked: Vec<(usize, [usize; 3])> = page
        .by_record
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, fs)| {
            let mut c = [0; 3];
            for &f in fs {
                c[slot(report.findings[f].severity)] += 1;
            }
            (i, c)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if ranked.is_empty() {
        return;
    }
    let many_envs = report.summary.environments.len() > 1;
    h.push_str("<div class=\"box worst\"><h2>Worst records</h2><ol>");
    for (i, c) in ranked.iter().take(5) {
        let r = &report.records[*i];
        // The first severity counted; a ranked record has at least one.
        let worst = SEVERITIES[c.iter().position(|&n| n > 0).unwrap_or(2)].0;
        let parts: Vec<String> = c
            .iter()
            .zip(SEVERITIES)
            .filter(|(n, _)| **n > 0)
            .map(|(&n, (_, one, many))| plural(n, one, many))
            .collect();
        let _ = write!(
            h,
            "<li class=\"{}\"><span class=\"sym\">{}</span> <a href=\"#r-{i}\">{}</a> <span class=\"muted\">{}{}</span> {}</li>",
            sev_class(Some(worst)),
            sev_symbol(worst),
            esc(&r.id),
            when(r),
            if many_envs { format!(" · {}", esc(&r.environment)) } else { String::new() },
            parts.join(", ")
        );
    }
    if ranked.len() > 5 {
        let _ = write!(h, "<li class=\"more\">and {} more below</li>", plural(ranked.len() - 5, "record", "records"));
    }
    h.push_str("</ol></div>\n");
}
