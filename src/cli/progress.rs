//! A progress bar on standard error for long work, shown only to a person:
//! never when standard error is not a terminal, in CI (`CI` set), with
//! `--format json`, or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Format;
use crate::truth::Progress;

/// Whether a progress bar may be drawn.
pub fn enabled(stderr_is_terminal: bool, ci: Option<&str>, quiet: bool, format: Format) -> bool {
    let in_ci = ci.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
    stderr_is_terminal && !in_ci && !quiet && format == Format::Text
}

/// Whether this process may draw one (its standard error and environment).
pub fn enabled_here(quiet: bool, format: Format) -> bool {
    enabled(std::io::stderr().is_terminal(), std::env::var("CI").ok().as_deref(), quiet, format)
}

/// A bar counting the records of a history as their truth is read; it
/// clears itself when dropped.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar labelled with the history's environment (untrusted: escaped).
    pub fn new(label: &str) -> Bar {
        // Hidden until the first count, so no empty bar is drawn before the total is known.
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} records ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(crate::text::safe_line(&format!("reading {label}")));
        Bar(bar)
    }
}

impl Progress for Bar {
    fn advance(&self, done: usize, total: usize) {
        if self.0.is_hidden() {
            self.0.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_for_a_person_at_a_terminal() {
        assert!(enabled(true, None, false, Format::Text));
        assert!(enabled(true, Some("false"), false, Format::Text));
        assert!(!enabled(false, None, false, Format::Text));
        assert!(!enabled(true, Some("true"), false, Format::Text));
        assert!(!enabled(true, Some("1"), false, Format::Text));
        assert!(!enabled(true, None, true, Format::Text));
        assert!(!enabled(true, None, false, Format::Json));
    }
}
