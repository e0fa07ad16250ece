//! Markdown changelogs as record sources (`changelog:PATH`): the text is
//! split into version sections, and each section's entries give the change
//! IDs it claims and the ones it only mentions. Pure: no git, no files.
//!
//! Why not the `parse-changelog` crate: it splits well, but it hands back
//! titles and bodies without line numbers (we need them for every record's
//! origin and for errors), it does not read dates from headers, and it is
//! strict about the heading forms it accepts (setext headers such as
//! ripgrep's `15.2.0 (2026-07-15)` underlined with `===` are common). The
//! splitting is the easy part; claims, mentions and dates are ours anyway.
//!
//! Recognised:
//! - headers: ATX (`## [1.2.0] - 2024-05-01`, `# 1.28.0 (April 25th, 2023)`,
//!   `## v1.2.0`, `## 1.2.0 / 2024-05-01`) and setext (`1.2.0 (2024-05-01)`
//!   over `=====`). The level of the first header naming a version is the
//!   level of every version; deeper headers (`### Added`) are subsections.
//! - `Unreleased` (or `TBD`, `Upcoming`) sections, returned flagged.
//! - dates: ISO (`2024-05-01`, `2024/05/01`, `2024.05.01`), `25.04.2023`,
//!   and month names in any order (`April 25th, 2023`, `25 Apr 2023`).
//! - references: the change-ID patterns, `#5600`, `[#5600]`, `(#5600)`,
//!   inline links and reference-style links to `…/pull/5600` or
//!   `…/issues/5600` (definitions anywhere in the file), wrapped lines.
//! - mentions: an ID right after "reverted in", "introduced in", "see",
//!   "follow-up to"… is mentioned, not claimed.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use crate::config::ChangePatterns;
use crate::time::{date_to_days, Timestamp};

/// One version section of a changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The version as written, without a leading `v` (`1.2.0`).
    pub version: String,
    /// The header text as written (trimmed).
    pub title: String,
    /// 1-based line of the header.
    pub line: usize,
    /// The date in the header (midnight UTC), if any.
    pub date: Option<Timestamp>,
    /// Change IDs its entries claim, in order of appearance.
    pub claims: Vec<String>,
    /// Change IDs its entries only mention (reverted in, see, …).
    pub mentions: Vec<String>,
    /// An `Unreleased` section (its version is empty).
    pub unreleased: bool,
    /// A release withdrawn after it was published: `[YANKED]` in its header,
    /// or a body that opens with "Yanked" or "(yanked)".
    pub yanked: bool,
}

/// Whether a section is marked yanked, by its header or its body's first line.
fn yanked(title: &str, body: &[&str]) -> bool {
    let first = body.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
    let lower = first.to_ascii_lowercase();
    title.to_ascii_lowercase().contains("yanked") || lower.starts_with("yanked") || lower.starts_with("(yanked")
}

/// Why a changelog could not be read: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// One sentence.
    pub message: String,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("built-in pattern compiles"))
}

fn version_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // A version: two or more numeric parts, an optional pre-release or build.
    re(&RE, r"(?i)(?:^|[^\w.])v?(?P<v>[0-9]+(?:\.[0-9]+){1,3}(?:-[0-9A-Za-z][0-9A-Za-z.\-]*)?(?:\+[0-9A-Za-z.\-]+)?)")
}

fn definition_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"^ {0,3}\[(?P<label>[^\]]{1,200})\]:\s*<?(?P<url>\S+?)>?(?:\s.*)?$")
}

fn pr_url_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"/(?:pull|pulls|issues|merge_requests)/(?P<n>[0-9]{1,9})\b")
}

fn inline_link_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"\[(?P<text>[^\[\]]{0,300})\]\((?P<url>[^()\s]{0,500})\)")
}

fn ref_link_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // `[text][label]`, `[label][]` or a shortcut `[label]` not followed by `(`.
    re(&RE, r"\[(?P<text>[^\[\]]{1,300})\](?:\[(?P<label>[^\[\]]{0,200})\])?")
}

fn bare_pr_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // `#5600` not inside a word, an HTML entity (`&#123;`) or a URL fragment.
    re(&RE, r"(?:^|[^\w&/#])(?P<id>#[0-9]{1,9})\b")
}

fn iso_date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"(?:^|[^0-9])(?P<y>[12][0-9]{3})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})(?:[^0-9]|$)")
}

fn dmy_date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"(?:^|[^0-9])(?P<d>[0-9]{1,2})[./](?P<m>[0-9]{1,2})[./](?P<y>[12][0-9]{3})(?:[^0-9]|$)")
}

fn word_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"[A-Za-z]+|[0-9]+")
}

/// Words that, right before an ID, make it a mention rather than a claim.
const MENTION_CUES: &[&str] = &[
    "reverted in",
    "reverted by",
    "revert of",
    "revert",
    "reverts",
    "reverted",
    "introduced in",
    "introduced by",
    "regressed in",
    "regression in",
    "regression from",
    "regression introduced in",
    "caused by",
    "broken in",
    "broken by",
    "added in",
    "originally in",
    "previously in",
    "first added in",
    "see",
    "see also",
    "cf",
    "identified as",
    "follow-up to",
    "follow up to",
    "followup to",
    "follow-up of",
    "supersedes",
    "superseded by",
    "replaces",
    "replaced by",
    "related to",
    "related",
    "same as",
    "duplicate of",
    "continuation of",
    "part of",
    "tracked in",
    "tracking issue",
    "as in",
    "like in",
    "after",
    "since",
];

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn month_of(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    for (i, (short, long)) in MONTHS.iter().zip(full.iter()).enumerate() {
        if w.len() <= long.len() && long.starts_with(w.as_str()) && w.starts_with(short) {
            return Some(i as u32 + 1);
        }
    }
    None
}

fn day_ts(y: i64, m: u32, d: u32) -> Option<Timestamp> {
    date_to_days(y, m, d).map(|days| Timestamp(days * 86_400))
}

/// The date written in a header's text, if any: ISO forms first, then day
/// and month numbers, then month names with a day and a year in any order.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some(c) = iso_date_re().captures(text) {
        let (y, m, d) = (num(&c["y"])?, num(&c["m"])?, num(&c["d"])?);
        return day_ts(i64::from(y), m, d);
    }
    if let Some(c) = dmy_date_re().captures(text) {
        let (a, b, y) = (num(&c["d"])?, num(&c["m"])?, num(&c["y"])?);
        // `25.04.2023` is day first; `04/25/2023` (a day over 12 second) is US.
        let (d, m) = if b > 12 && a <= 12 { (b, a) } else { (a, b) };
        return day_ts(i64::from(y), m, d);
    }
    let words: Vec<&str> = word_re().find_iter(text).map(|m| m.as_str()).collect();
    let mi = words.iter().position(|w| month_of(w).is_some())?;
    let month = month_of(words[mi])?;
    let year_at = |i: usize| -> Option<u32> {
        let w = words.get(i)?;
        (w.len() == 4).then(|| num(w)).flatten().filter(|y| (1970..=2200).contains(y))
    };
    let day_at = |i: usize| -> Option<u32> {
        let w = words.get(i)?;
        (w.len() <= 2).then(|| num(w)).flatten().filter(|d| (1..=31).contains(d))
    };
    // "April 25th, 2023" → [April, 25, th, 2023]; "25 Apr 2023"; "April 2023".
    let skip_suffix = |i: usize| match words.get(i).map(|w| w.to_ascii_lowercase()) {
        Some(s) if ["st", "nd", "rd", "th"].contains(&s.as_str()) => i + 1,
        _ => i,
    };
    if let Some(d) = day_at(mi + 1) {
        let yi = skip_suffix(mi + 2);
        if let Some(y) = year_at(yi) {
            return day_ts(i64::from(y), month, d);
        }
    }
    // "25 Apr 2023", "3rd March 2020", "2nd of May 2022".
    let mut j = mi;
    while j > 0 {
        j -= 1;
        let w = words[j].to_ascii_lowercase();
        if !["st", "nd", "rd", "th", "of"].contains(&w.as_str()) {
            if let (Some(d), Some(y)) = (day_at(j), year_at(mi + 1)) {
                return day_ts(i64::from(y), month, d);
            }
            break;
        }
    }
    None
}

/// What a header's text says: a version and its date, `Unreleased`, or neither.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    Version(String),
    Unreleased,
    Other,
}

fn classify(text: &str) -> Header {
    let plain: String = text.chars().filter(|c| !matches!(c, '[' | ']' | '*' | '_' | '`')).collect();
    let lower = plain.trim().to_ascii_lowercase();
    for word in ["unreleased", "tbd", "upcoming", "next release", "in progress", "main", "master", "head"] {
        if lower == word
            || lower.starts_with(&format!("{word} "))
            || lower.starts_with(&format!("{word}:"))
            || lower.starts_with(&format!("{word} -"))
        {
            return Header::Unreleased;
        }
    }
    let Some(c) = version_re().captures(&plain) else {
        return Header::Other;
    };
    let Some(v) = c.name("v") else {
        return Header::Other;
    };
    // Only a version near the start names the section ("Version 1.2",
    // "[v1.2.0]", "mycrate 1.2.0"); "Migrating from 0.9 to 1.0" does not.
    let before = plain[..v.start()].trim();
    let before_words = before.split_whitespace().count();
    if before.chars().any(|c| c.is_ascii_digit()) || before_words > 2 || before.len() > 40 {
        return Header::Other;
    }
    let lower_before = before.to_ascii_lowercase();
    if ["from", "to", "since", "before", "after", "migrating", "upgrading"].iter().any(|w| lower_before.contains(w)) {
        return Header::Other;
    }
    // A date is not a version: `2024.05.01` is read as a date by parse_date.
    let version = v.as_str().trim_end_matches(['.', '-']);
    if iso_date_re().is_match(version) {
        return Header::Other;
    }
    Header::Version(version.to_string())
}

/// A header found in the text: level (1-6 for ATX; 1 for `===`, 2 for `---`
/// setext), text, and the line index where its section's body starts.
struct HeaderLine {
    level: usize,
    text: String,
    line: usize,
    body_from: usize,
}

fn atx(line: &str) -> Option<(usize, &str)> {
    let t =
        line.strip_prefix("   ").or_else(|| line.strip_prefix("  ")).or_else(|| line.strip_prefix(' ')).unwrap_or(line);
    let level = t.bytes().take_while(|b| *b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &t[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim()))
}

fn setext_level(line: &str) -> Option<usize> {
    let t = line.trim();
    if t.len() >= 3 && t.bytes().all(|b| b == b'=') {
        Some(1)
    } else if t.len() >= 3 && t.bytes().all(|b| b == b'-') {
        Some(2)
    } else {
        None
    }
}

/// Splits a changelog into version sections and reads their claims.
/// (Long, but one pass after another over the same line tables: fences and
/// link definitions, headers, then sections; each is linear in the text.)
pub fn parse(text: &str, patterns: &ChangePatterns) -> Result<Vec<Section>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();

    // Link definitions anywhere, and which lines they are (not entries).
    let mut defs: HashMap<String, String> = HashMap::new();
    let mut is_def = vec![false; lines.len()];
    let mut in_fence = false;
    let mut fenced = vec![false; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            fenced[i] = true;
            continue;
        }
        if in_fence {
            fenced[i] = true;
            continue;
        }
        if let Some(c) = definition_re().captures(l) {
            defs.entry(c["label"].trim().to_lowercase()).or_insert_with(|| c["url"].to_string());
            is_def[i] = true;
        }
    }

    let home = home_repo(text);
    HOME.with(|h| *h.borrow_mut() = home);

    // Headers.
    let mut headers: Vec<HeaderLine> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if fenced[i] || is_def[i] {
            i += 1;
            continue;
        }
        if let Some((level, t)) = atx(lines[i]) {
            headers.push(HeaderLine { level, text: t.to_string(), line: i, body_from: i + 1 });
            i += 1;
            continue;
        }
        let l = lines[i].trim();
        let prev_blank = i == 0 || lines[i - 1].trim().is_empty();
        if !l.is_empty() && prev_blank && !l.starts_with(['-', '*', '+', '>', '|']) {
            if let Some(level) = lines.get(i + 1).and_then(|n| setext_level(n)) {
                if !fenced.get(i + 1).copied().unwrap_or(false) {
                    headers.push(HeaderLine { level, text: l.to_string(), line: i, body_from: i + 2 });
                    i += 2;
                    continue;
                }
            }
        }
        i += 1;
    }

    let Some(version_level) = headers.iter().find(|h| matches!(classify(&h.text), Header::Version(_))).map(|h| h.level)
    else {
        return Err(ParseError {
            line: 1,
            message: "no version section found: expected headers such as `## [1.2.0] - 2024-05-01`, \
                      `# 1.2.0 (April 25th, 2023)` or `## v1.2.0`"
                .to_string(),
        });
    };

    let mut out: Vec<Section> = Vec::new();
    // Version -> the line of its section, to refuse a second one.
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (hi, h) in headers.iter().enumerate() {
        if h.level != version_level {
            continue;
        }
        let kind = classify(&h.text);
        if kind == Header::Other {
            continue;
        }
        // The body runs to the next header at this level or above.
        let end = headers[hi + 1..].iter().find(|n| n.level <= version_level).map_or(lines.len(), |n| n.line);
        let (claims, mentions) = references(&lines, h.body_from, end, &fenced, &is_def, &defs, patterns);
        let (version, unreleased) = match kind {
            Header::Version(v) => (v, false),
            _ => (String::new(), true),
        };
        let date = if unreleased { None } else { date_after_version(&h.text, &version) };
        if !unreleased {
            if let Some(first) = first_line.insert(version.clone(), h.line + 1) {
                return Err(ParseError {
                    line: h.line + 1,
                    message: format!("version {version} has a second section (the first is at line {first})"),
                });
            }
        }
        let yanked = !unreleased && yanked(&h.text, lines.get(h.body_from..end).unwrap_or_default());
        out.push(Section {
            version,
            title: h.text.clone(),
            line: h.line + 1,
            date,
            claims,
            mentions,
            unreleased,
            yanked,
        });
    }
    Ok(out)
}

/// The date in a header, looked for after its version (so `1.2.2024` style
/// versions are not read as dates).
fn date_after_version(title: &str, version: &str) -> Option<Timestamp> {
    let rest = match title.find(version) {
        Some(i) => &title[i + version.len()..],
        None => title,
    };
    parse_date(rest)
}

/// Entries of a body: list items and paragraphs, wrapped lines joined.
fn entries(lines: &[&str], from: usize, to: usize, fenced: &[bool], is_def: &[bool]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.trim().is_empty() {
            out.push(std::mem::take(cur));
        }
        cur.clear();
    };
    for i in from..to.min(lines.len()) {
        let l = lines[i];
        if fenced[i] || is_def[i] {
            flush(&mut cur, &mut out);
            continue;
        }
        let t = l.trim();
        if t.is_empty() || atx(l).is_some() || setext_level(l).is_some() {
            flush(&mut cur, &mut out);
            continue;
        }
        let bullet = t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") || {
            let digits = t.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && t[digits..].starts_with(". ")
        };
        // A nested bullet is its own entry too.
        if bullet {
            flush(&mut cur, &mut out);
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(t);
    }
    flush(&mut cur, &mut out);
    out
}

/// One reference found in an entry: where, and the ID.
struct Found {
    at: usize,
    end: usize,
    id: String,
}

fn repo_of_url_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"(?i)github\.com/(?P<repo>[\w.\-]+/[\w.\-]+)/(?:pull|pulls|issues)/[0-9]")
}

/// The repository most pull-request links point into: the changelog's own.
/// Links into other repositories (`kbknapp/clap-rs/issues/742`) name
/// another project's numbers and claim nothing here.
fn home_repo(text: &str) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in repo_of_url_re().captures_iter(text) {
        *counts.entry(c["repo"].to_lowercase()).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(r, _)| r)
}

thread_local! {
    static HOME: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn pr_from_url(url: &str) -> Option<String> {
    if let Some(c) = repo_of_url_re().captures(url) {
        let other = HOME.with(|h| h.borrow().as_ref().is_some_and(|home| *home != c["repo"].to_lowercase()));
        if other {
            return None;
        }
    }
    pr_url_re().captures(url).map(|c| format!("#{}", &c["n"]))
}

/// Which bytes of an entry a link already accounts for. A byte map, not a
/// list of ranges: an entry of many thousands of links asks "is this
/// position covered?" once per reference, and each answer is one lookup.
struct Covered(Vec<bool>);

impl Covered {
    fn new(len: usize) -> Covered {
        Covered(vec![false; len + 1])
    }
    fn has(&self, at: usize) -> bool {
        self.0.get(at).copied().unwrap_or(false)
    }
    /// Marks `from..to`; returns `to`, for callers marking ranges that
    /// overlap the one before (they pass `from.max(previous to)`).
    fn mark(&mut self, from: usize, to: usize) -> usize {
        let to_ = to.min(self.0.len());
        for b in self.0.get_mut(from.min(to_)..to_).into_iter().flatten() {
            *b = true;
        }
        to
    }
}

/// The references of one entry: links (inline, reference-style, bare
/// URLs), `#N`, and the configured patterns, each where it starts. Linear
/// in the entry: a changelog line of a hundred thousand URLs is one entry.
fn found_in(entry: &str, defs: &HashMap<String, String>, patterns: &ChangePatterns) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut covered = Covered::new(entry.len());
    // Inline links: the URL decides; the text's own `#N` only counts
    // when the URL is no pull-request or issue link.
    for c in inline_link_re().captures_iter(entry) {
        let Some(whole) = c.get(0) else { continue };
        if let Some(id) = pr_from_url(&c["url"]) {
            found.push(Found { at: whole.start(), end: whole.end(), id });
            covered.mark(whole.start(), whole.end());
        } else if let Some(u) = c.name("url") {
            covered.mark(u.start(), u.end());
        }
    }
    // Reference-style links resolved through the definitions.
    for c in ref_link_re().captures_iter(entry) {
        let Some(whole) = c.get(0) else { continue };
        if covered.has(whole.start()) {
            continue;
        }
        let label = match c.name("label") {
            Some(l) if !l.as_str().is_empty() => l.as_str(),
            _ => &c["text"],
        };
        if let Some(id) = defs.get(&label.trim().to_lowercase()).and_then(|u| pr_from_url(u)) {
            found.push(Found { at: whole.start(), end: whole.end(), id });
            covered.mark(whole.start(), whole.end());
        }
    }
    // Bare URLs: each starts after the last space, `(` or `<` before it,
    // found by one forward scan (`boundary`) rather than one scan back each.
    let (mut boundary, mut scanned, mut marked) = (0usize, 0usize, 0usize);
    for m in pr_url_re().find_iter(entry) {
        for (i, c) in entry[scanned..m.start()].char_indices() {
            if c.is_whitespace() || c == '(' || c == '<' {
                boundary = scanned + i + c.len_utf8();
            }
        }
        scanned = m.start();
        if covered.has(m.start()) {
            continue;
        }
        if let Some(id) = pr_from_url(m.as_str()) {
            found.push(Found { at: boundary, end: m.end(), id });
            marked = covered.mark(boundary.max(marked), m.end());
        }
    }
    // `#5600` anywhere else, and the configured patterns.
    for c in bare_pr_re().captures_iter(entry) {
        let Some(m) = c.name("id") else { continue };
        if !covered.has(m.start()) {
            found.push(Found { at: m.start(), end: m.end(), id: m.as_str().to_string() });
        }
    }
    for (at, id) in patterns.extract_at(entry) {
        if !covered.has(at) {
            found.push(Found { at, end: at + id.len(), id });
        }
    }
    found.sort_by_key(|f| f.at);
    found.dedup_by_key(|f| f.at);
    found
}

fn references(
    lines: &[&str],
    from: usize,
    to: usize,
    fenced: &[bool],
    is_def: &[bool],
    defs: &HashMap<String, String>,
    patterns: &ChangePatterns,
) -> (Vec<String>, Vec<String>) {
    let mut claims: Vec<String> = Vec::new();
    let mut mentions: Vec<String> = Vec::new();
    let (mut claimed, mut mentioned): (HashSet<String>, HashSet<String>) = (HashSet::new(), HashSet::new());
    for entry in entries(lines, from, to, fenced, is_def) {
        // "see #1, #2 and #3": IDs listed right after a mention are mentions too.
        let mut last: Option<(usize, bool)> = None;
        for f in found_in(&entry, defs, patterns) {
            let listed = |from: usize| {
                entry.get(from..f.at).is_some_and(|gap| {
                    !gap.contains(['(', '[', ';', '.', ':'])
                        && gap
                            .split(|c: char| !c.is_alphanumeric())
                            .all(|w| w.is_empty() || w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or"))
                })
            };
            let mention = match last {
                Some((end, m)) if end <= f.at && listed(end) => m,
                _ => is_mention(entry.get(..f.at).unwrap_or("")),
            };
            last = Some((f.end.max(f.at), mention));
            let (list, set) = if mention { (&mut mentions, &mut mentioned) } else { (&mut claims, &mut claimed) };
            if set.insert(f.id.clone()) {
                list.push(f.id);
            }
        }
    }
    // An ID both claimed and mentioned is claimed.
    mentions.retain(|m| !claimed.contains(m));
    (claims, mentions)
}

/// Whether the text right before an ID ends with a mention cue.
fn is_mention(before: &str) -> bool {
    // The words since the last sentence or list break, lowercased.
    let tail: String = before.chars().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
    let tail = tail.to_lowercase();
    // "this introduced a new bug: #94": a clause ending in a colon leads to the ID.
    let trimmed = tail.trim_end().trim_end_matches(['[', '(']).trim_end();
    let (tail, led) = match trimmed.strip_suffix(':') {
        Some(t) => (t.to_string(), true),
        None => (tail.clone(), false),
    };
    let clause = tail.rsplit(['.', ';', ',', ':', '\u{2014}']).next().unwrap_or("");
    let mut words: Vec<&str> =
        clause.split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|w| !w.is_empty()).collect();
    // Drop what sits between a cue and the number: "PR", "pull request", "issue", "commit".
    while let Some(last) = words.last() {
        if ["pr", "prs", "pull", "request", "requests", "issue", "issues", "commit", "ticket", "gh", "bug", "the"]
            .contains(last)
        {
            words.pop();
        } else {
            break;
        }
    }
    let joined = words.join(" ");
    if MENTION_CUES.iter().any(|cue| joined == *cue || joined.ends_with(&format!(" {cue}"))) {
        return true;
    }
    // A clause that names a bug's origin and then the ID after a colon.
    led && words.iter().rev().take(5).any(|w| ["introduced", "regressed", "reverted", "caused"].contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_into_another_repository_claim_nothing() {
        let text = "## 1.0.0\n- Fix x (tokio-rs/mio#609, #12)\n- See rust-lang/rust#1234 ([#13])\n";
        let s = parse(text, &ChangePatterns::defaults()).unwrap();
        assert_eq!(s[0].claims, vec!["#12".to_string(), "#13".to_string()]);
    }

    #[test]
    fn yanked_sections_are_marked() {
        let text = "# 1.1.0 (May 1st, 2024)\n\nYanked. Use 1.1.1.\n- a (#1)\n\n# 1.0.1 (May 1st, 2024)\n(yanked)\n\n# 0.9.0\n- yanked the flag (#2)\n";
        let s = parse(text, &ChangePatterns::defaults()).unwrap();
        let yanked: Vec<(&str, bool)> = s.iter().map(|s| (s.version.as_str(), s.yanked)).collect();
        assert_eq!(yanked, [("1.1.0", true), ("1.0.1", true), ("0.9.0", false)]);
        // Keep a Changelog's convention.
        let text = "## [1.0.0] - 2024-01-01 [YANKED]\n- b\n\n## [0.9.0] - 2023-12-01\n- c\n";
        let s = parse(text, &ChangePatterns::defaults()).unwrap();
        assert_eq!((s[0].yanked, s[1].yanked), (true, false));
    }

    fn p(text: &str) -> Vec<Section> {
        parse(text, &ChangePatterns::defaults()).unwrap()
    }

    fn date(s: &str) -> Option<Timestamp> {
        Some(Timestamp::parse(s).unwrap())
    }

    #[test]
    fn keep_a_changelog() {
        let s = p("# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n### Added\n- WIP thing (#9)\n\n## [1.2.0] - 2024-05-01\n### Added\n- New flag ([#5600])\n### Fixed\n- Crash on start, AUTH-77\n\n## [1.1.0] - 2024-04-01\n- Initial [#5500](https://github.com/o/r/pull/5500)\n\n[Unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD\n[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0\n[#5600]: https://github.com/o/r/pull/5600\n");
        assert_eq!(s.len(), 3);
        assert!(s[0].unreleased);
        assert_eq!(s[1].version, "1.2.0");
        assert_eq!(s[1].line, 9);
        assert_eq!(s[1].date, date("2024-05-01"));
        assert_eq!(s[1].claims, ["#5600", "AUTH-77"]);
        assert_eq!(s[2].claims, ["#5500"]);
        assert_eq!(s[2].date, date("2024-04-01"));
    }

    #[test]
    fn plain_version_headers_and_dates() {
        let cases = [
            ("# 1.28.0 (April 25th, 2023)", "1.28.0", "2023-04-25"),
            ("## v1.2.0", "1.2.0", ""),
            ("## 1.2.0 / 2024-05-01", "1.2.0", "2024-05-01"),
            ("## Version 2.0.1 - 25 Apr 2023", "2.0.1", "2023-04-25"),
            ("## 3.1.0 (2023/04/25)", "3.1.0", "2023-04-25"),
            ("## [v0.7.5](https://github.com/o/r/releases/tag/v0.7.5) - 2024-03-24", "0.7.5", "2024-03-24"),
            ("## 1.0.0-beta.2 — Released on Sep 3, 2021", "1.0.0-beta.2", "2021-09-03"),
            ("## 4.0 (25.04.2023)", "4.0", "2023-04-25"),
            ("## mycrate 0.3.1 - 2022-01-09", "0.3.1", "2022-01-09"),
            ("## 2.5.0 - 3rd March 2020", "2.5.0", "2020-03-03"),
            ("## 10.2.0 - 2024-08-23T10:00:00Z", "10.2.0", "2024-08-23"),
        ];
        for (header, v, d) in cases {
            let s = p(&format!("{header}\n\n- thing (#1)\n"));
            assert_eq!(s.len(), 1, "{header}");
            assert_eq!(s[0].version, v, "{header}");
            assert_eq!(s[0].date, if d.is_empty() { None } else { date(d) }, "{header}");
            assert_eq!(s[0].claims, ["#1"], "{header}");
        }
    }

    #[test]
    fn setext_headers_like_ripgrep() {
        let s = p("TBD\n===\nUnreleased changes.\n\n\n15.2.0 (2026-07-15)\n===================\nThis release fixes bugs.\n\nBug fixes:\n\n* [BUG #3212](https://github.com/BurntSushi/ripgrep/pull/3212):\n  Don't check for `.jj`.\n* [BUG #3320](https://github.com/BurntSushi/ripgrep/pull/3419),\n  [BUG #3376](https://github.com/BurntSushi/ripgrep/pull/3376):\n  Fix gitignore.\n\n\n15.1.0 (2025-10-22)\n===================\n* [FEATURE #3192](https://github.com/BurntSushi/ripgrep/issues/3192):\n  Add alias.\n");
        assert_eq!(s.len(), 3);
        assert!(s[0].unreleased);
        assert_eq!(s[1].version, "15.2.0");
        assert_eq!(s[1].line, 6);
        assert_eq!(s[1].date, date("2026-07-15"));
        assert_eq!(s[1].claims, ["#3212", "#3419", "#3376"]);
        assert_eq!(s[2].claims, ["#3192"]);
    }

    #[test]
    fn nested_sections_and_subheaders() {
        let s = p("# v10.2.0\n\n## Features\n\n- Add `--hyperlink`, see #1295 and #1563 (@tmccombs)\n\n## Bugfixes\n\n- Fix crash, #1550\n\n## Other\n\n# v10.1.0\n\n## Features\n- Allow `--exact`, #1437\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].claims, ["#1550"]);
        assert_eq!(s[0].mentions, ["#1295", "#1563"]);
        assert_eq!(s[1].version, "10.1.0");
    }

    #[test]
    fn link_styles() {
        let text = "## 1.0.0\n\
            - Inline [PR 10](https://github.com/o/r/pull/10)\n\
            - Reference [the fix][fix-11] and [#12]\n\
            - Shortcut [pr13]\n\
            - Bare https://github.com/o/r/pull/14\n\
            - Issue link [#15](https://github.com/o/r/issues/15)\n\
            - Squash style (#16), ticket WEB-17\n\
            - Not ids: &#38; x/#19 issue#20 and `a#21`, [other](https://github.com/x/y/issues/22)\n\
            \n\
            [fix-11]: https://github.com/o/r/pull/11 \"title\"\n\
            [#12]: https://github.com/o/r/pull/12\n\
            [pr13]: <https://github.com/o/r/pull/13>\n";
        let s = p(text);
        assert_eq!(s[0].claims, ["#10", "#11", "#12", "#13", "#14", "#15", "#16", "WEB-17"]);
    }

    #[test]
    fn wrapped_references() {
        let s = p("## 1.0.0\n\n- Fix the parser when the input is long\n  ([#5600](https://github.com/o/r/pull/5600)), reported by\n  someone; reverted\n  in #5601.\n- A link whose text [wraps\n  over two lines](https://github.com/o/r/pull/5602)\n");
        assert_eq!(s[0].claims, ["#5600", "#5602"]);
        assert_eq!(s[0].mentions, ["#5601"]);
    }

    #[test]
    fn prose_mentions_are_not_claims() {
        let s = p("## 2.0.0\n\n- Fix regression introduced in #100 (#101)\n- Revert #102; see PR #103\n- Follow-up to [#104](https://github.com/o/r/pull/104): tidy (#105)\n- Identified as AUTH-9, fixed by AUTH-10\n- Bug reverted in [#106], introduced by #107\n- Fixed in 1.1, this introduced a new bug:\n  [#108](https://github.com/o/r/issues/108). Also (#109)\n- see #110 (#111), see #112, #113 and #114\n\n[#106]: https://github.com/o/r/pull/106\n");
        assert_eq!(s[0].claims, ["#101", "#105", "AUTH-10", "#109", "#111"]);
        assert_eq!(
            s[0].mentions,
            ["#100", "#102", "#103", "#104", "AUTH-9", "#106", "#107", "#108", "#110", "#112", "#113", "#114"]
        );
    }

    #[test]
    fn headers_that_are_not_versions() {
        let s = p("# Changelog\n\n## Migrating from 0.9 to 1.0\n\ntext #1\n\n## 1.0.0 (2020-01-01)\n\n- x (#2)\n\n## Older releases\n\nSee #3.\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].claims, ["#2"]);
    }

    #[test]
    fn code_blocks_are_skipped() {
        let s = p("## 1.0.0\n\n```\n## 0.9.0\nfoo (#9)\n```\n- real (#1)\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].claims, ["#1"]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("# Changelog\n\nNothing here.\n", &ChangePatterns::defaults()).unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("## 1.0.0\n- a\n## 1.0.0\n- b\n", &ChangePatterns::defaults()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("line 1"), "{}", e.message);
    }

    #[test]
    fn dates() {
        for (t, d) in [
            ("April 25th, 2023", "2023-04-25"),
            ("25 Apr 2023", "2023-04-25"),
            ("2023/04/25", "2023-04-25"),
            ("Sept. 5, 2019", "2019-09-05"),
            ("(released 2021-1-3)", "2021-01-03"),
            ("04/25/2023", "2023-04-25"),
            ("2nd of May 2022", "2022-05-02"),
        ] {
            assert_eq!(parse_date(t), date(d), "{t}");
        }
        for t in ["", "2023-02-30", "May", "soon", "é 2023 ü", "31 Feb 2023"] {
            assert_eq!(parse_date(t), None, "{t}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "## ",
            "#",
            "##\u{e9}1.0",
            "## 1.0 ü\n- é#1 [",
            "## 1.0\n[",
            "## 1.0\n- [x](",
            "\u{feff}## 1.0.0\r\n- a (#1)\r\n",
            "1.0\n===",
            "## 1.0.0\n- ]]][[[(#1)",
            "## 1.0\n```\n",
            "## 1.0\n- \u{202e}#5 see",
        ] {
            let _ = parse(t, &ChangePatterns::defaults());
        }
        let s = p("\u{feff}## 1.0.0\r\n- a (#1)\r\n");
        assert_eq!(s[0].claims, ["#1"]);
    }
}
