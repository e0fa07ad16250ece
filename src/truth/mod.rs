//! Truth from git: what each record's deploy really carried.
//!
//! It hands the audit plain data (see `model.rs`): for every record of a
//! history, the commit it resolved to, the commits added and removed
//! against the previous record, the changes introduced, the components
//! changed, the versions read, and where each claimed change stands in
//! every deploy of the history. It reads git only through `git/`.
//!
//! Two walks compute it: `deploys.rs` for deploy logs (the previous record
//! is the one before: what was live) and `releases.rs` for release
//! histories (the previous record is the newest earlier release on the same
//! line). Both resolve records the same way (`resolve.rs`) and share every
//! per-deploy step (`steps.rs`). See ARCHITECTURE.md.

mod below;
mod components;
mod deploys;
mod graph;
mod links;
mod message;
mod model;
mod releases;
mod resolve;
mod steps;

use anyhow::Result;

pub use components::{parse_version, VersionAt, VERSION_FILES};
pub use graph::{Bits, Graph, Live};
pub use model::*;
pub use resolve::{Checked, Resolution};

use crate::config::Config;
use crate::git::Repo;
use crate::records::History;

/// Reads the truth of one history.
pub struct Reader<'r> {
    repo: &'r Repo,
    config: &'r Config,
    progress: Option<&'r dyn Progress>,
    /// Tree entries read so far.
    trees: components::TreeIndex,
}

impl<'r> Reader<'r> {
    /// A reader over a repository with a configuration.
    pub fn new(repo: &'r Repo, config: &'r Config) -> Reader<'r> {
        Reader { repo, config, progress: None, trees: Default::default() }
    }

    /// Reports progress to `p` while reading.
    pub fn with_progress(mut self, p: &'r dyn Progress) -> Reader<'r> {
        self.progress = Some(p);
        self
    }

    fn advance(&self, done: usize, total: usize) {
        if let Some(p) = self.progress {
            p.advance(done, total);
        }
    }

    /// Computes the truth of a history, exactly: a partial read is kept only
    /// when nothing of it depends on the history below the first deploy
    /// (see [`Reader::read_for`] for callers that need less).
    pub fn read(&self, history: &History, opts: &Options) -> Result<Truth> {
        self.read_for(history, opts, &|a, b| same_truth(a, b))
    }

    /// Computes the truth of a history for a caller whose answer is
    /// `same(a, b)` when it is the same from truths `a` and `b`.
    ///
    /// Only what the deploys added since the first one is read (like `git
    /// log first..last`), unless that cannot answer: a rollback, a revert of
    /// a commit below that was not read, or an answer that would change if
    /// the history below carried the changes (`below.rs`). Then everything
    /// the records reach is read.
    pub fn read_for(&self, history: &History, opts: &Options, same: &dyn Fn(&Truth, &Truth) -> bool) -> Result<Truth> {
        Ok(self.read_decided(history, opts, same)?.truth)
    }

    /// [`Reader::read_for`], also telling whether the truth is exact for
    /// any caller (nothing the records reach was left unread), so that one
    /// read can serve several questions.
    pub fn read_decided(
        &self,
        history: &History,
        opts: &Options,
        same: &dyn Fn(&Truth, &Truth) -> bool,
    ) -> Result<Decided> {
        let n = history.records.len();
        self.advance(0, n);
        let input = self.prepare(history, opts)?;
        // Release histories (changelogs, tags) take their own walk.
        if opts.release_history || (n > 0 && history.records.iter().all(|r| r.source.release_history)) {
            return Ok(Decided { truth: self.read_releases(history, opts, &input)?, complete: true });
        }
        let first = input.base.or_else(|| input.checked().next());
        let hide = if input.last_against.is_some() { None } else { first };
        if let Some(hide) = hide {
            let graph = Graph::load(self.repo, &input.tips, Some(hide), &self.config.changes)?;
            if let Some(truth) = self.read_deploys(history, opts, &input, &graph)? {
                let complete = !graph.unread_below();
                if complete || same(&truth, &below::carried_below(&truth)) {
                    return Ok(Decided { truth, complete });
                }
            }
        }
        let graph = Graph::load(self.repo, &input.tips, None, &self.config.changes)?;
        let truth = self.read_deploys(history, opts, &input, &graph)?;
        Ok(Decided { truth: truth.expect("a full graph answers every question"), complete: true })
    }
}

/// A truth read for one caller's answer (see [`Reader::read_decided`]).
pub struct Decided {
    /// The truth.
    pub truth: Truth,
    /// Whether nothing the records reach was left unread: then the truth is
    /// exact for every caller, not only for the one it was read for.
    pub complete: bool,
}

/// Whether two truths say the same of every deploy and every change.
fn same_truth(a: &Truth, b: &Truth) -> bool {
    a.deploys == b.deploys
        && a.changes.len() == b.changes.len()
        && a.changes.iter().zip(&b.changes).all(|((na, ta), (nb, tb))| na == nb && ta == tb)
}
