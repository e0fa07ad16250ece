//! Tag patterns (`tags:v*`) matched as `git tag -l` matches them (git's
//! wildmatch without `WM_PATHNAME`: `*` and `?` also match `/`), in time
//! linear in the name: the pattern is translated once into a byte regular
//! expression, which the regex crate matches without backtracking.
//! libgit2's own matcher backtracks, and `*a*a*a*b` against long names
//! took minutes.
//!
//! The syntax, byte by byte: `*` (and `**`) any run of bytes, `?` any one
//! byte, `\x` the byte x, `[...]` one byte of a set (`!` or `^` first
//! negates it; `]` first is literal; `a-z` ranges; `\` escapes; POSIX
//! classes `[:alpha:]` and the like, ASCII only). A malformed pattern (an
//! unclosed `[`, an unknown class, a trailing `\`) matches nothing, as in
//! git.

use anyhow::{anyhow, Result};
use regex::bytes::{Regex, RegexBuilder};

/// A compiled tag pattern.
pub struct Pattern {
    /// `None`: the pattern is malformed and matches nothing.
    re: Option<Regex>,
}

impl Pattern {
    /// Compiles `pattern`; an error only when the translation outgrows the
    /// regex size limit (a pattern of many thousand classes).
    pub fn new(pattern: &str) -> Result<Pattern> {
        let Some(source) = translate(pattern.as_bytes()) else { return Ok(Pattern { re: None }) };
        let re = RegexBuilder::new(&source)
            .unicode(false)
            .dot_matches_new_line(true)
            .size_limit(8 << 20)
            .build()
            .map_err(|e| anyhow!("tag pattern {pattern:?} is too large to match: {e}"))?;
        Ok(Pattern { re: Some(re) })
    }

    /// Whether a tag name (without `refs/tags/`) matches.
    pub fn matches(&self, name: &[u8]) -> bool {
        self.re.as_ref().is_some_and(|re| re.is_match(name))
    }
}

/// The regex for a pattern, anchored at both ends; `None` when malformed.
fn translate(p: &[u8]) -> Option<String> {
    let mut out = String::from(r"\A");
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'*' => {
                while i < p.len() && p[i] == b'*' {
                    i += 1;
                }
                out.push_str("(?s:.)*");
                continue;
            }
            b'?' => out.push_str("(?s:.)"),
            b'\\' => {
                i += 1;
                literal(&mut out, *p.get(i)?);
            }
            b'[' => {
                let (set, negated, next) = class(p, i + 1)?;
                i = next;
                push_set(&mut out, &set, negated);
                continue;
            }
            b => literal(&mut out, b),
        }
        i += 1;
    }
    out.push_str(r"\z");
    Some(out)
}

fn literal(out: &mut String, b: u8) {
    out.push_str(&format!(r"\x{b:02X}"));
}

/// Parses a set starting at `p[i]` (just after `[`), as wildmatch does:
/// the bytes it holds, whether it is negated, and the index after its `]`.
fn class(p: &[u8], mut i: usize) -> Option<([bool; 256], bool, usize)> {
    let mut set = [false; 256];
    let mut negated = false;
    if matches!(p.get(i), Some(b'!' | b'^')) {
        negated = true;
        i += 1;
    }
    // The previous byte, for a range; 0 after a range or a class (as in
    // wildmatch, so `a-c-e` is a-c, `-`, `e`).
    let mut prev: u8 = 0;
    let mut first = true;
    loop {
        let c = *p.get(i)?;
        if c == b']' && !first {
            return Some((set, negated, i + 1));
        }
        first = false;
        let mut this = c;
        if c == b'\\' {
            i += 1;
            this = *p.get(i)?;
            set[this as usize] = true;
        } else if c == b'-' && prev != 0 && p.get(i + 1).is_some_and(|n| *n != b']') {
            i += 1;
            let mut hi = p[i];
            if hi == b'\\' {
                i += 1;
                hi = *p.get(i)?;
            }
            for b in prev..=hi {
                set[b as usize] = true;
            }
            this = 0;
        } else if c == b'[' && p.get(i + 1) == Some(&b':') {
            let start = i + 2;
            let close = start + p[start..].iter().position(|b| *b == b']')?;
            if close > start && p[close - 1] == b':' {
                let name = &p[start..close - 1];
                let test = posix_class(name)?;
                for b in 0..=255u8 {
                    if test(b) {
                        set[b as usize] = true;
                    }
                }
                i = close;
                this = 0;
            } else {
                // No ":]": a plain `[` in the set.
                set[b'[' as usize] = true;
            }
        } else {
            set[c as usize] = true;
        }
        prev = this;
        i += 1;
    }
}

/// The test of a POSIX class name (ASCII only, as git's C locale).
fn posix_class(name: &[u8]) -> Option<fn(u8) -> bool> {
    Some(match name {
        b"alnum" => |b: u8| b.is_ascii_alphanumeric(),
        b"alpha" => |b: u8| b.is_ascii_alphabetic(),
        b"blank" => |b: u8| b == b' ' || b == b'\t',
        b"cntrl" => |b: u8| b.is_ascii_control(),
        b"digit" => |b: u8| b.is_ascii_digit(),
        b"graph" => |b: u8| b.is_ascii_graphic(),
        b"lower" => |b: u8| b.is_ascii_lowercase(),
        b"print" => |b: u8| b.is_ascii_graphic() || b == b' ',
        b"punct" => |b: u8| b.is_ascii_punctuation(),
        b"space" => |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
        b"upper" => |b: u8| b.is_ascii_uppercase(),
        b"xdigit" => |b: u8| b.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// Appends a byte set as a regex class.
fn push_set(out: &mut String, set: &[bool; 256], negated: bool) {
    let members = set.iter().filter(|m| **m).count();
    let effective = if negated { 256 - members } else { members };
    if effective == 0 {
        // Matches no byte: a class that never matches.
        out.push_str(r"[^\x00-\xFF]");
        return;
    }
    out.push_str(if negated { "[^" } else { "[" });
    let mut b = 0usize;
    while b < 256 {
        if !set[b] {
            b += 1;
            continue;
        }
        let start = b;
        while b + 1 < 256 && set[b + 1] {
            b += 1;
        }
        out.push_str(&format!(r"\x{start:02X}"));
        if b > start {
            out.push_str(&format!(r"-\x{b:02X}"));
        }
        b += 1;
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn m(p: &str, name: &str) -> bool {
        Pattern::new(p).unwrap().matches(name.as_bytes())
    }

    #[test]
    fn stars_and_question_marks_match_any_bytes_including_slashes() {
        assert!(m("v*", "v1.2.0"));
        assert!(m("v*", "v"));
        assert!(m("*", "release/1.0"));
        assert!(m("release-*", "release-a/b"));
        assert!(m("**", "a/b/c"));
        assert!(m("a**b", "a/x/b"));
        assert!(m("v?.0", "v1.0"));
        assert!(m("a?b", "a/b"));
        assert!(!m("v?.0", "v10.0"));
        assert!(!m("v*", "xv1"));
        assert!(!m("v1", "v10"));
        assert!(m("", ""));
    }

    #[test]
    fn sets_ranges_negation_and_classes_follow_wildmatch() {
        assert!(m("v[0-9]*", "v1.0"));
        assert!(!m("v[0-9]*", "vx"));
        assert!(m("v[!0-9]", "vx"));
        assert!(m("v[^0-9]", "v/"));
        assert!(!m("v[!0-9]", "v5"));
        assert!(m("[]]", "]"));
        assert!(m("[!]]", "a"));
        assert!(m("[a-]", "-"));
        assert!(m("[a-c-e]", "-") && m("[a-c-e]", "e") && !m("[a-c-e]", "d"));
        assert!(m("[[:digit:]][[:alpha:]]", "1a"));
        assert!(!m("[[:digit:]]", "a"));
        assert!(m("[[:digit]", "[") && m("[[:digit]", "d"));
        assert!(m(r"[\]]", "]"));
        assert!(m(r"v\*", "v*") && !m(r"v\*", "v1"));
        assert!(!m("[z-a]x", "x"));
        assert!(m(".+()|{}$^", ".+()|{}$^"), "regex syntax is literal");
    }

    #[test]
    fn malformed_patterns_match_nothing() {
        assert!(!m("v[0-9", "v1"));
        assert!(!m("[[:nope:]]", "a"));
        assert!(!m("v\\", "v\\"));
        assert!(!m("v\\", "v"));
    }

    #[test]
    fn matching_is_linear_in_the_name() {
        // libgit2's backtracking matcher takes minutes on this; a regex
        // matches it in one pass.
        let p = Pattern::new("*a*a*a*a*a*a*a*a*b").unwrap();
        let name = "a".repeat(100_000);
        let started = std::time::Instant::now();
        for _ in 0..10 {
            assert!(!p.matches(name.as_bytes()));
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    }
}
