//! Text helpers shared by every stage: positions in files, and making
//! untrusted text (commit messages, paths, record fields) safe to print.

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Whether a character could change what a terminal or a reader shows:
/// C0 and C1 controls, DEL, and the Unicode bidirectional overrides.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Escapes every unsafe character as `\u{..}` (and `\n`, `\r`, `\t` as
/// themselves escaped), so untrusted text prints on one line, inert.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Output in which no line can be taken for a GitHub workflow command:
/// a line whose text starts with `::` (after leading spaces, as the runner
/// reads it) gets its first colon escaped, and `##[` (the older syntax,
/// recognised anywhere in a line) its second `#`. Used for every format
/// but `github`, whose own annotations are the only commands it prints.
pub fn defuse_workflow_commands(out: &str) -> std::borrow::Cow<'_, str> {
    let risky = |l: &str| l.trim_start().starts_with("::") || l.contains("##[");
    if !out.split('\n').any(risky) {
        return std::borrow::Cow::Borrowed(out);
    }
    let lines: Vec<String> = out
        .split('\n')
        .map(|l| {
            let mut l = l.replace("##[", "#\\u{23}[");
            if l.trim_start().starts_with("::") {
                let at = l.len() - l.trim_start().len();
                l.replace_range(at..at + 1, "\\u{3a}");
            }
            l
        })
        .collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

/// JSON in which no line can be taken for a workflow command: `##[` inside
/// a string becomes `#\u0023[`, which a JSON reader decodes back to `##[`
/// (JSON has no `#` outside strings, and no line of it starts with `::`).
pub fn defuse_json(out: &str) -> std::borrow::Cow<'_, str> {
    if out.contains("##[") {
        std::borrow::Cow::Owned(out.replace("##[", "#\\u0023["))
    } else {
        std::borrow::Cow::Borrowed(out)
    }
}

/// One line of untrusted text made safe to print anywhere: every control
/// character escaped (so it stays one line) and no workflow command left
/// in it. Everything shipcheck writes to standard error goes through this.
pub fn safe_line(s: &str) -> String {
    defuse_workflow_commands(&escape(s)).into_owned()
}

/// The first line of a commit message, escaped.
pub fn subject(message: &str) -> String {
    escape(message.lines().next().unwrap_or("").trim()).into_owned()
}

/// Bytes (a path, a message) as text: invalid UTF-8 becomes U+FFFD.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Bytes read from `name` as UTF-8 text, or the error that says where the
/// first invalid byte is: `NAME:LINE:COL: the WHAT is not valid UTF-8`.
pub fn utf8<'a>(bytes: &'a [u8], name: &str, what: &str) -> anyhow::Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(&String::from_utf8_lossy(&bytes[..e.valid_up_to()]), e.valid_up_to());
        anyhow::anyhow!("{name}:{line}:{col}: the {what} is not valid UTF-8")
    })
}

/// The seven-digit abbreviation of a commit SHA, as reports print it (the
/// whole text when it is shorter or not plain ASCII there).
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

/// "1 commit", "2 commits".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 1), (1, 1));
        assert_eq!(line_col("x", 99), (1, 2));
    }

    #[test]
    fn escapes_controls() {
        assert_eq!(escape("ok"), "ok");
        assert_eq!(escape("a\x1b[31mb\r\n"), "a\\u{1b}[31mb\\r\\n");
        assert_eq!(escape("\u{9b}x\u{202e}"), "\\u{9b}x\\u{202e}");
        assert_eq!(join_and(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }

    #[test]
    fn defuses_workflow_commands() {
        assert_eq!(defuse_workflow_commands("ok\n:: no"), "ok\n\\u{3a}: no");
        assert_eq!(defuse_workflow_commands("  ::error::x\n"), "  \\u{3a}:error::x\n");
        assert_eq!(defuse_workflow_commands("a ##[error]b"), "a #\\u{23}[error]b");
        assert_eq!(defuse_workflow_commands("a::b\n"), "a::b\n");
        assert_eq!(safe_line("x\n::error::y ##[add-mask]z"), "x\\n::error::y #\\u{23}[add-mask]z");
        assert_eq!(safe_line("  ::warning::x\x1b"), "  \\u{3a}:warning::x\\u{1b}");
        let json = defuse_json("{\"id\": \"a##[error]b\"}");
        assert_eq!(json, "{\"id\": \"a#\\u0023[error]b\"}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["id"], "a##[error]b");
    }
}
