//! JSON output: one document, with `schema_version`.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::text::is_unsafe_char;

/// Serializes to pretty JSON in which no character that a terminal could
/// act on appears raw: serde_json escapes C0 controls; DEL, C1 controls and
/// bidirectional overrides are escaped here as `\uXXXX` too.
pub fn to_safe_json<T: Serialize>(value: &T) -> String {
    let raw = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    if !raw.chars().any(is_unsafe_char_in_json) {
        return raw;
    }
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        if is_unsafe_char_in_json(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Serializes to one line of JSON (for JSON Lines), escaping the same
/// characters as [`to_safe_json`].
pub fn to_safe_json_line<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let raw = serde_json::to_string(value)?;
    Ok(raw
        .chars()
        .map(|c| if is_unsafe_char_in_json(c) { format!("\\u{:04x}", c as u32) } else { c.to_string() })
        .collect())
}

fn is_unsafe_char_in_json(c: char) -> bool {
    // Newlines between tokens are JSON layout, not data: string data never
    // holds a raw newline (serde_json escapes it).
    c != '\n' && is_unsafe_char(c)
}

/// Renders the report as JSON.
pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", to_safe_json(report))
}
