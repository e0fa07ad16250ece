//! The one escaping function for text in the page. It has a file of its own
//! because every part of the page depends on it to keep repository and
//! record text from becoming markup.

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
