//! The only code that uses git2: opening and checking a repository,
//! resolving refs and tags, reading objects, notes (read and write), and the
//! layout `init` reads. Everything it hands out is plain data (object ids,
//! names, text); what that data means is decided in `truth/`.
//! See ARCHITECTURE.md.

mod check;
mod layout;
mod notes;
mod objects;
mod refs;
mod repo;
mod wildmatch;

/// An object id (a commit, tree or blob SHA).
pub use git2::Oid;

pub use layout::{Layout, MANIFESTS};
pub use notes::{notes_ref, Note};
pub use objects::{Entry, EntryKind, RawCommit, Root};
pub use refs::{Resolved, TagInfo};
pub use repo::Repo;
