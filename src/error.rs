//! Errors typed where they arise, so that callers and tests can tell which
//! input was unusable (the repository, a record source, the configuration)
//! and not only read a sentence. Every such error makes the command exit 2;
//! its message (with its hint: what to fetch, which line to fix) is printed
//! as it was written.

use std::fmt;

/// Which input could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The repository: not found, shallow, damaged, or a ref it lacks.
    Repository,
    /// A record source: unreadable, malformed, or naming what does not exist.
    Source,
    /// The configuration file.
    Configuration,
}

/// An unusable input, with the sentence (and hint) that says why.
#[derive(Debug)]
pub struct Error {
    /// Which input.
    pub kind: Kind,
    message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Types an error as coming from `kind`; the message (with its chain of
    /// context) reads exactly as before. An error already typed keeps its kind.
    pub fn typed(kind: Kind, e: anyhow::Error) -> anyhow::Error {
        if e.downcast_ref::<Error>().is_some() {
            return e;
        }
        anyhow::Error::new(Error { kind, message: format!("{e:#}") })
    }

    /// The kind of an error, if it was typed.
    pub fn kind_of(e: &anyhow::Error) -> Option<Kind> {
        e.downcast_ref::<Error>().map(|e| e.kind)
    }
}

/// `.typed(Kind::Source)` on results.
pub trait ResultExt<T> {
    /// Types the error, if any, as coming from `kind`.
    fn typed(self, kind: Kind) -> anyhow::Result<T>;
}

impl<T> ResultExt<T> for anyhow::Result<T> {
    fn typed(self, kind: Kind) -> anyhow::Result<T> {
        self.map_err(|e| Error::typed(kind, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_error_reads_as_it_was_written_and_keeps_its_first_kind() {
        let e = anyhow::anyhow!("inner").context("outer");
        let typed = Error::typed(Kind::Source, e);
        assert_eq!(format!("{typed:#}"), "outer: inner");
        assert_eq!(Error::kind_of(&typed), Some(Kind::Source));
        let again = Error::typed(Kind::Repository, typed);
        assert_eq!(Error::kind_of(&again), Some(Kind::Source));
        assert_eq!(Error::kind_of(&anyhow::anyhow!("plain")), None);
    }
}
