//! The timeline: one SVG per environment, each change that was claimed in
//! one record and shipped in another (or never) drawn as an arrow from the
//! claim to the shipping deploy. Kept apart because it is the one part of
//! the page that computes geometry.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::labels::{date, sev_class, short, when};
use super::{esc, Page};
use crate::audit::{Kind, Severity};
use crate::report::{RecordLine, Report};
use crate::text::plural;

/// At most this many arrows are drawn per environment; the findings list
/// still has them all.
const MAX_ARROWS: usize = 300;
/// The drawing's width, and the margins left for the end labels.
const W: f64 = 1100.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 230.0;
/// The height of one arrow's lane, and the room above the first for the axis.
const LANE: f64 = 40.0;
const TOP: f64 = 34.0;
/// Arrows shorter than this are drawn this long.
const MIN_ARROW: f64 = 36.0;

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

/// Where an environment's records stand on its axis.
struct Scale {
    /// The environment's records (indexes into `report.records`), in order.
    records: Vec<usize>,
    times: Vec<Option<i64>>,
    /// Time when every record of the environment has a date, else deploy order.
    by_time: bool,
    lo: f64,
    span: f64,
}

impl Scale {
    fn new(report: &Report, env: &str) -> Scale {
        let records: Vec<usize> =
            (0..report.records.len()).filter(|&i| report.records[i].environment == *env).collect();
        let times: Vec<Option<i64>> = records.iter().map(|&i| report.records[i].deployed_at.map(|t| t.0)).collect();
        let by_time = times.iter().all(Option::is_some);
        let mut scale = Scale { records, times, by_time, lo: 0.0, span: 1.0 };
        let (lo, hi) = scale
            .records
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &i| (lo.min(scale.pos(i)), hi.max(scale.pos(i))));
        scale.lo = lo;
        scale.span = if hi > lo { hi - lo } else { 1.0 };
        scale
    }

    /// The record's time, or its place in deploy order.
    fn pos(&self, i: usize) -> f64 {
        let k = self.records.iter().position(|&r| r == i).unwrap_or(0);
        if self.by_time {
            self.times[k].unwrap_or(0) as f64
        } else {
            k as f64
        }
    }

    fn x(&self, i: usize) -> f64 {
        LEFT + (self.pos(i) - self.lo) / self.span * (W - LEFT - RIGHT)
    }
}

pub fn render(h: &mut String, page: &Page<'_>) {
    let all = arrows(page);
    h.push_str("<section id=\"timeline\">\n<h2>Claimed here, shipped there <span class=\"sub\">each arrow runs from the record that claimed a change to the record whose deploy first contained it</span></h2>\n");
    if all.is_empty() {
        h.push_str("<p class=\"muted\">Every claimed change shipped in the deploy that claimed it.</p>\n</section>\n");
        return;
    }
    for (env, list) in &all {
        environment(h, page.report, env, list, all.len() > 1);
    }
    h.push_str("</section>\n");
}

/// One environment's drawing, titled with its name when there are several.
fn environment(h: &mut String, report: &Report, env: &str, list: &[Arrow<'_>], titled: bool) {
    let scale = Scale::new(report, env);
    let shown = list.len().min(MAX_ARROWS);
    let height = TOP + LANE * shown as f64 + 8.0;
    if titled {
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
    axis(h, report, &scale, list);
    for (lane, a) in list.iter().take(shown).enumerate() {
        arrow(h, report, &scale, lane, a);
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

/// Axis: one tick per record, dates at both ends.
fn axis(h: &mut String, report: &Report, scale: &Scale, list: &[Arrow<'_>]) {
    let records = &scale.records;
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
        let _ = write!(h, "<line x1=\"{0:.1}\" y1=\"14\" x2=\"{0:.1}\" y2=\"22\"/>", scale.x(i));
    }
    if let (Some(&first), Some(&last)) = (records.first(), records.last()) {
        let label = |i: usize| {
            let r = &report.records[i];
            r.deployed_at.map_or_else(|| esc(&r.id), |t| format!("{} {}", esc(&r.id), t.date()))
        };
        let _ =
            write!(h, "<text x=\"{:.1}\" y=\"12\" text-anchor=\"end\">{}</text>", scale.x(first) - 6.0, label(first));
        if last != first {
            let _ = write!(h, "<text x=\"{:.1}\" y=\"12\">{}</text>", scale.x(last) + 6.0, label(last));
        }
    }
    h.push_str("</g>\n");
}

/// Where an arrow ends and what its end says: (x, words for the tooltip,
/// words beside the end, whether it is open-ended).
fn end(report: &Report, scale: &Scale, a: &Arrow<'_>) -> (f64, String, String, bool) {
    match (a.to, a.to_name) {
        (Some(t), _) => {
            let r = &report.records[t];
            (
                scale.x(t),
                format!("shipped in {}, {}", esc(&r.id), when(r)),
                format!("shipped in {}, {}", esc(&r.id), date(r)),
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
    }
}

/// How long after (or before) the claim the change shipped, when both
/// records have a date: ", 14 days later".
fn gap(from: &RecordLine, to: Option<&RecordLine>) -> String {
    let (Some(t), Some(f)) = (to, from.deployed_at) else { return String::new() };
    let Some(tt) = t.deployed_at else { return String::new() };
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

/// One arrow in its lane, linked to its finding.
fn arrow(h: &mut String, report: &Report, scale: &Scale, lane: usize, a: &Arrow<'_>) {
    let y = TOP + LANE * lane as f64 + 24.0;
    let from = &report.records[a.from];
    let x1 = scale.x(a.from);
    let (x2, to_label, end_label, open) = end(report, scale, a);
    // Too short to see: drawn at a minimum length around its middle
    // (the labels give the exact records and dates).
    let (x1, x2) = if (x2 - x1).abs() < MIN_ARROW {
        let mid = (x1 + x2) / 2.0;
        let half = MIN_ARROW / 2.0 * if x2 >= x1 { 1.0 } else { -1.0 };
        (mid - half, mid + half)
    } else {
        (x1, x2)
    };
    let gap = gap(from, a.to.map(|t| &report.records[t]));
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
        let _ = write!(h, "<rect class=\"ship\" x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\"/>", x2 - 4.5, y - 4.5);
    }
    let claim_label = format!("claimed in {}, {}", esc(&from.id), date(from));
    let (left_x, left_text, right_x, right_text) = if x2 >= x1 {
        (x1 - 9.0, claim_label, x2 + 9.0, end_label)
    } else {
        (x2 - 9.0, end_label, x1 + 9.0, claim_label)
    };
    let _ = writeln!(
        h,
        "<text class=\"end\" x=\"{left_x:.1}\" y=\"{:.1}\" text-anchor=\"end\">{left_text}</text><text class=\"end\" x=\"{right_x:.1}\" y=\"{:.1}\">{right_text}</text></a></g>",
        y + 4.0,
        y + 4.0
    );
}
