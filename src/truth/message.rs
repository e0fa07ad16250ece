//! What one commit message says: the change IDs it carries itself, the
//! commits it says it reverts, and the commits it was cherry-picked from.
//!
//! Revert markers are read as git writes them: "This reverts commit SHA."
//! (full or abbreviated SHA, with or without the final period, with
//! `--reference`'s "(subject, date)" after it, or "SHA, reversing changes
//! made to SHA." for a merge) and "This reverts commits" followed by a list
//! of SHAs, up to the end of its paragraph. A revert carries its own ID: the
//! IDs of the message outside the quoted subject of `Revert "…"` and outside
//! the markers (`Revert "x (#A)" (#B)` carries #B). Which targets count, and
//! that a revert never carries an ID it un-ships, is decided once the
//! history is loaded (`graph.rs`).

use std::sync::OnceLock;

use regex::Regex;

use crate::config::ChangePatterns;
use crate::git::Oid;

/// One message, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Parsed {
    /// Change IDs the message carries itself, in order of appearance.
    pub ids: Vec<String>,
    /// Hex SHAs (7 to 40 digits) the message says it reverts.
    pub revert_targets: Vec<String>,
    /// Commits named by `(cherry picked from commit …)`.
    pub picked_from: Vec<Oid>,
}

/// "This reverts commit SHA", with what git may write after the SHA: the
/// `--reference` "(subject, date)", ", reversing changes made to SHA", and
/// the final period.
fn single_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"This reverts commit ([0-9a-fA-F]{7,40})\b(?: \([^)\n]*\))?(?:,\s+reversing\s+changes\s+made\s+to\s+[0-9a-fA-F]{7,40}\b)?\.?",
        )
        .expect("valid")
    })
}

/// "This reverts commits" (with or without a colon): the SHAs follow, to
/// the end of the paragraph.
fn plural_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"This reverts commits\b:?").expect("valid"))
}

fn sha_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b[0-9a-fA-F]{7,40}\b").expect("valid"))
}

fn pick_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\(cherry picked from commit ([0-9a-f]{40})\)").expect("valid"))
}

/// Reads a message: its own IDs, its revert targets, its pick sources.
pub(super) fn parse(message: &str, patterns: &ChangePatterns) -> Parsed {
    let picked_from = pick_re().captures_iter(message).filter_map(|c| Oid::from_str(&c[1]).ok()).collect();
    // Spans of the message that are about other commits, not this one.
    let mut cut: Vec<(usize, usize)> = Vec::new();
    let mut revert_targets: Vec<String> = Vec::new();
    let mut push = |t: &str| {
        let t = t.to_ascii_lowercase();
        if !revert_targets.contains(&t) {
            revert_targets.push(t);
        }
    };
    for m in single_re().captures_iter(message) {
        push(&m[1]);
        let whole = m.get(0).expect("a match");
        cut.push((whole.start(), whole.end()));
    }
    for m in plural_re().find_iter(message) {
        // The list runs to the first blank line.
        let rest = &message[m.end()..];
        let len = rest.find("\n\n").or_else(|| rest.find("\r\n\r\n")).unwrap_or(rest.len());
        for sha in sha_re().find_iter(&rest[..len]) {
            push(sha.as_str());
        }
        cut.push((m.start(), m.end() + len));
    }
    if let Some(quoted) = quoted_subject(message) {
        cut.push(quoted);
    }
    let ids = if cut.is_empty() { patterns.extract(message) } else { patterns.extract(&blank(message, &mut cut)) };
    Parsed { ids, revert_targets, picked_from }
}

/// The quoted part of a subject `Revert "…"` (nested reverts included):
/// from the first quote to the last one on the subject line.
fn quoted_subject(message: &str) -> Option<(usize, usize)> {
    let subject = message.lines().next().unwrap_or("");
    let body = subject.trim_start().strip_prefix("Revert \"")?;
    let open = subject.len() - body.len() - 1;
    let close = subject.rfind('"').filter(|&c| c > open)?;
    Some((open, close + 1))
}

/// The message with the spans replaced by spaces (so that the text around
/// a span cannot join into a new ID); spans may overlap.
fn blank(message: &str, spans: &mut [(usize, usize)]) -> String {
    spans.sort_unstable();
    let mut out = String::with_capacity(message.len());
    let mut at = 0;
    for &(start, end) in spans.iter() {
        if start > at {
            out.push_str(&message[at..start]);
        }
        if end > at {
            out.push(' ');
            at = end;
        }
    }
    out.push_str(&message[at.min(message.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(message: &str) -> Parsed {
        parse(message, &ChangePatterns::defaults())
    }

    const SHA: &str = "d78655337b9d1c0b8d1e4e0f00a1b2c3d4e5f607";

    #[test]
    fn a_plain_commit_carries_its_ids_and_reverts_nothing() {
        let p = read("AUTH-1: part 1 (#12)\n\nSee also BILL-2.\n");
        assert_eq!(p.ids, ["AUTH-1", "#12", "BILL-2"]);
        assert!(p.revert_targets.is_empty() && p.picked_from.is_empty());
    }

    #[test]
    fn a_revert_carries_its_own_id_not_the_quoted_subject() {
        let p = read(&format!(
            "Revert \"util: upgrade tokio-util to bytes 0.6 (#3052)\" (#3060)\n\nThis reverts commit {SHA}.\n"
        ));
        assert_eq!(p.ids, ["#3060"]);
        assert_eq!(p.revert_targets, [SHA]);
        let nested = read("Revert \"Revert \"AUTH-1: x\"\" (#7)\n\nThis reverts commit abcdef1.\n");
        assert_eq!((nested.ids, nested.revert_targets), (vec!["#7".to_string()], vec!["abcdef1".to_string()]));
        let plain = read("Revert \"AUTH-1: add the cache\"\n\nThis reverts commit abcdef1.\n");
        assert!(plain.ids.is_empty());
    }

    #[test]
    fn revert_markers_as_git_writes_them() {
        // Abbreviated, no final period, upper case.
        assert_eq!(read("x\n\nThis reverts commit ABCDEF1").revert_targets, ["abcdef1"]);
        // --reference: the reverted subject in parentheses is not this commit's.
        let p = read("PAY-3: restore checks\n\nThis reverts commit 8fa7f667 (PAY-2: drop checks, 2022-04-25).\n");
        assert_eq!((p.ids, p.revert_targets), (vec!["PAY-3".to_string()], vec!["8fa7f667".to_string()]));
        // A merge revert names the mainline too; only the first SHA is the target.
        let m = read("Revert \"Merge pull request #9 from x/y\"\n\nThis reverts commit 1234567, reversing\nchanges made to 89abcde.\n");
        assert_eq!((m.ids.len(), m.revert_targets), (0, vec!["1234567".to_string()]));
        // A list, to the end of the paragraph.
        let l = read(
            "Revert several things (#4300)\n\nThis reverts commits:\n- 1111111 (AUTH-1: a)\n- 2222222222\n* 3333333, 4444444 and 5555555\n\nAUTH-9 stays.\n",
        );
        assert_eq!(l.revert_targets, ["1111111", "2222222222", "3333333", "4444444", "5555555"]);
        assert_eq!(l.ids, ["#4300", "AUTH-9"]);
        let inline = read("Tidy (#5)\n\nThis reverts commits 1111111 and 2222222.");
        assert_eq!((inline.ids, inline.revert_targets.len()), (vec!["#5".to_string()], 2));
    }

    #[test]
    fn a_marker_inside_a_line_leaves_the_rest_of_the_line() {
        let p = read("PAY-9: disable fraud checks ... This reverts commit 0000000.\n");
        assert_eq!((p.ids, p.revert_targets), (vec!["PAY-9".to_string()], vec!["0000000".to_string()]));
    }

    #[test]
    fn cherry_pick_trailers_are_read() {
        let p = read(&format!("AUTH-1: fix\n\n(cherry picked from commit {SHA})\n"));
        assert_eq!(p.picked_from, [Oid::from_str(SHA).unwrap()]);
        assert_eq!(p.ids, ["AUTH-1"]);
    }

    #[test]
    fn blanking_keeps_the_text_around_overlapping_spans() {
        let mut spans = vec![(2, 5), (4, 8), (10, 11)];
        assert_eq!(blank("ab-cde-fgh-ij", &mut spans), "ab  gh ij");
    }
}
