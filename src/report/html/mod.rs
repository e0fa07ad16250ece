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
//!
//! This file assembles the page: the head, each part from its own module in
//! page order, and the style sheet and script, which live in `page.css` and
//! `page.js` and are pasted in whole so the page stays one file.

mod escape;
mod findings;
mod labels;
mod links;
mod matrix;
mod summary;
mod timeline;

use std::fmt::Write as _;
use std::io::{self, Write};

use super::Report;
pub use escape::esc;
use links::Page;

/// Colours follow the Okabe–Ito palette (safe for colour-blind readers);
/// every state also has a symbol and every severity a border style, so the
/// page reads in greyscale.
const STYLE: &str = include_str!("page.css");

/// Optional comfort: highlights the row and column under the pointer. The
/// page says everything without it.
const SCRIPT: &str = include_str!("page.js");

/// Renders the report as one self-contained HTML page.
pub fn render_html(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let page = Page::new(report);
    let mut h = String::with_capacity(64 * 1024 + report.findings.len() * 1024);
    head(&mut h, report);
    summary::render(&mut h, &page);
    if let Some(m) = &report.matrix {
        matrix::render(&mut h, &page, m);
    }
    timeline::render(&mut h, &page);
    findings::render(&mut h, &page);
    // The line break after the opening tag is written here, so that the
    // script file starts with its first line.
    h.push_str("<script>\n");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body>\n</html>\n");
    out.write_all(h.as_bytes())
}

fn head(h: &mut String, report: &Report) {
    let envs = &report.summary.environments;
    // As for the script, the line break after `<style>` is written here.
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"shipcheck {}\">\n\
         <title>shipcheck audit: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>",
        env!("CARGO_PKG_VERSION"),
        esc(&envs.join(", "))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's bytes depend on the exact ends of the two files: each ends
    /// with one line break and starts with its first line (the break after
    /// the opening tag is written by the code).
    #[test]
    fn style_and_script_files_have_one_line_break_at_the_end_only() {
        for text in [STYLE, SCRIPT] {
            assert!(!text.starts_with(char::is_whitespace), "{:?}", &text[..20]);
            assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{:?}", &text[text.len() - 20..]);
        }
    }
}
