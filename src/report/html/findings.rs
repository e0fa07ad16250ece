//! The end of the page: every finding, grouped by record in deploy order,
//! each with its message and evidence and a link back to its matrix cell,
//! then the notes on checks that were skipped. The detail the other parts
//! link to.

use std::fmt::Write as _;

use super::labels::{sev_class, sev_symbol, short, target, when, NO_FINDINGS};
use super::{esc, Page};
use crate::audit::Finding;
use crate::report::Report;

pub fn render(h: &mut String, page: &Page<'_>) {
    let report = page.report;
    h.push_str("<section id=\"findings\">\n<h2>Findings <span class=\"sub\">by record, in deploy order</span></h2>\n");
    if report.findings.is_empty() {
        h.push_str(NO_FINDINGS);
        h.push('\n');
    }
    for (i, fs) in page.by_record.iter().enumerate() {
        if !fs.is_empty() {
            record(h, page, i, fs);
        }
    }
    notes(h, report);
    h.push_str("</section>\n");
}

/// Record `i` and its findings `fs`.
fn record(h: &mut String, page: &Page<'_>, i: usize, fs: &[usize]) {
    let report = page.report;
    let r = &report.records[i];
    let target = target(r, |s| format!("<code>{s}</code>"));
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
        finding(h, page, i, fi);
    }
    h.push_str("</section>\n");
}

/// Finding `fi`, of record `i`.
fn finding(h: &mut String, page: &Page<'_>, i: usize, fi: usize) {
    let f = &page.report.findings[fi];
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

fn evidence(h: &mut String, page: &Page<'_>, f: &Finding) {
    let e = &f.evidence;
    let env = f.environment.as_str();
    let sha = |s: &str| format!("<code title=\"{0}\">{1}</code>", esc(s), esc(short(s)));
    let code = |s: &str| format!("<code>{}</code>", esc(s));
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
        rows.push(("changes", list(&e.changes, &code)));
    }
    if !e.paths.is_empty() {
        rows.push(("paths", list(&e.paths, &code)));
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
        rows.push(("claimed version", code(v)));
    }
    if let Some(v) = &e.actual_version {
        rows.push(("actual version", code(v)));
    }
    if let Some(v) = &e.version_file {
        rows.push(("version file", code(v)));
    }
    if let Some(t) = &e.tag_commit {
        rows.push(("tag points at", sha(t)));
    }
    if !e.components.is_empty() {
        rows.push(("components", list(&e.components, &esc)));
    }
    if let Some(t) = &e.record_time {
        rows.push(("recorded time", esc(t)));
    }
    if let Some(t) = &e.commit_time {
        rows.push(("commit time", esc(t)));
    }
    rows.push(("record read from", code(&f.location.to_string())));
    h.push_str("<dl>");
    for (k, v) in rows {
        let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h.push_str("</dl>");
}

/// The checks that were skipped, in constant sentences; field names between
/// backticks become `<code>`.
fn notes(h: &mut String, report: &Report) {
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
}
