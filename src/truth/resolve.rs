//! Before any commit is read: each record's refs resolved to the commit to
//! check (with the problems found on the way), `--base`, and the claims
//! that name commits by SHA.

use std::collections::{BTreeMap, HashSet};

use anyhow::{bail, Result};

use super::{Options, Reader, RefProblem};
use crate::git::{Oid, Resolved};
use crate::records::{History, Record};

/// The commit a record's deploy is checked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// The commit.
    pub oid: Oid,
    /// The annotated tag's time, when the release's tag was peeled.
    pub tag_time: Option<i64>,
}

/// A record's refs resolved: the commit to check, the problems found, and
/// why there is no commit when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The commit to check, if the refs leave one.
    pub checked: Option<Checked>,
    /// Problems with the refs (a moved tag, one of two refs unknown).
    pub problems: Vec<RefProblem>,
    /// Why there is no commit to check.
    pub missing: Option<String>,
    /// Why the record is refused (a ref that could name either of two
    /// commits): an input error, not a finding.
    pub refused: Option<String>,
}

impl Resolution {
    fn commit(oid: Oid, tag_time: Option<i64>, problems: Vec<RefProblem>) -> Resolution {
        Resolution { checked: Some(Checked { oid, tag_time }), problems, missing: None, refused: None }
    }

    fn missing(why: String) -> Resolution {
        Resolution { checked: None, problems: Vec::new(), missing: Some(why), refused: None }
    }

    fn refused(why: String) -> Resolution {
        Resolution { checked: None, problems: Vec::new(), missing: Some(why.clone()), refused: Some(why) }
    }
}

/// A history's records resolved, before any commit is read.
pub(super) struct Input {
    /// One per record.
    pub resolutions: Vec<Resolution>,
    /// `--base REV`, resolved.
    pub base: Option<Oid>,
    /// `gate --base REV`, resolved.
    pub last_against: Option<Oid>,
    /// Claims that look like commit SHAs and are not change IDs: the commit
    /// they name, or `None` for a full SHA that names no commit.
    pub claim_shas: BTreeMap<String, Option<Oid>>,
    /// Every claim of the history (and those asked for), first seen first.
    pub all_claims: Vec<String>,
    /// The commits to read history from.
    pub tips: Vec<Oid>,
}

impl Input {
    /// The commits the records are checked at.
    pub fn checked(&self) -> impl Iterator<Item = Oid> + '_ {
        self.resolutions.iter().filter_map(|r| r.checked.map(|c| c.oid))
    }
}

fn looks_like_sha(s: &str) -> bool {
    (7..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Reader<'_> {
    /// Resolves a record's refs: the commit to check, and any problems.
    pub fn resolve(&self, r: &Record) -> Resolution {
        let by_release = r.release.as_ref().map(|rel| (rel, self.repo.resolve_release(rel)));
        let by_commit = r.commit.as_ref().map(|c| (c, self.repo.resolve_commit(c)));
        let tag_time = match &by_release {
            Some((_, Resolved::Commit { tag_time, .. })) => *tag_time,
            _ => None,
        };
        match (by_release, by_commit) {
            (Some((rel, Resolved::Commit { oid: t, .. })), Some((_, Resolved::Commit { oid: c, .. }))) => {
                let mut problems = Vec::new();
                if t != c {
                    problems.push(RefProblem::Mismatch {
                        release: rel.clone(),
                        tag_commit: t.to_string(),
                        record_commit: c.to_string(),
                    });
                }
                Resolution::commit(c, tag_time, problems)
            }
            (Some((_, Resolved::Commit { oid, .. })), None) => Resolution::commit(oid, tag_time, Vec::new()),
            (None, Some((_, Resolved::Commit { oid, .. }))) => Resolution::commit(oid, None, Vec::new()),
            (Some((rel, Resolved::Missing(why))), Some((_, Resolved::Commit { oid, .. }))) => {
                Resolution::commit(oid, None, vec![RefProblem::Unknown { name: rel.clone(), reason: why }])
            }
            (Some((_, Resolved::Commit { oid, .. })), Some((c, Resolved::Missing(why)))) => {
                Resolution::commit(oid, tag_time, vec![RefProblem::Unknown { name: c.clone(), reason: why }])
            }
            (Some((_, Resolved::Missing(a))), Some((_, Resolved::Missing(b)))) => {
                Resolution::missing(format!("{a}; {b}"))
            }
            (Some((_, Resolved::Missing(why))), None) | (None, Some((_, Resolved::Missing(why)))) => {
                Resolution::missing(why)
            }
            (None, None) => Resolution::missing("the record names neither a commit nor a release".into()),
            (Some((_, Resolved::Ambiguous(why))), _) | (_, Some((_, Resolved::Ambiguous(why)))) => {
                Resolution::refused(why)
            }
        }
    }

    fn resolve_base(&self, spec: Option<&str>) -> Result<Option<Oid>> {
        match spec {
            Some(spec) => match self.repo.resolve_commit(spec) {
                Resolved::Commit { oid, .. } => Ok(Some(oid)),
                Resolved::Missing(why) | Resolved::Ambiguous(why) => bail!("--base {spec}: {why}"),
            },
            None => Ok(None),
        }
    }

    /// Resolves every record, the bases and the SHA claims of a history.
    pub(super) fn prepare(&self, history: &History, opts: &Options) -> Result<Input> {
        let resolutions: Vec<Resolution> = history.records.iter().map(|r| self.resolve(r)).collect();
        for (r, res) in history.records.iter().zip(&resolutions) {
            if let Some(why) = &res.refused {
                bail!("{} (record {}): {why}", r.origin, r.id);
            }
        }
        let base = self.resolve_base(opts.base.as_deref())?;
        let last_against = self.resolve_base(opts.last_against.as_deref())?;
        let mut all_claims: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for c in history.records.iter().flat_map(|r| r.changes.iter().flatten()).chain(&opts.extra_changes) {
            if seen.insert(c.as_str()) {
                all_claims.push(c.clone());
            }
        }
        let claim_shas = self.claim_shas(history, &all_claims)?;
        let mut tips: Vec<Oid> = resolutions.iter().filter_map(|r| r.checked.map(|c| c.oid)).collect();
        tips.extend(base);
        tips.extend(last_against);
        tips.extend(claim_shas.values().flatten());
        Ok(Input { resolutions, base, last_against, claim_shas, all_claims, tips })
    }

    /// Claims that are commit SHAs, resolved now (an ambiguous prefix is an
    /// input error, named with the record that wrote it).
    fn claim_shas(&self, history: &History, all_claims: &[String]) -> Result<BTreeMap<String, Option<Oid>>> {
        let mut claim_shas = BTreeMap::new();
        for c in all_claims {
            if looks_like_sha(c) && !self.config.changes.is_change_id(c) {
                let found = self.repo.lookup_sha(c).map_err(|e| {
                    let at = history
                        .records
                        .iter()
                        .find(|r| r.changes.iter().flatten().any(|x| x == c))
                        .map(|r| format!("{} (record {}): ", r.origin, r.id))
                        .unwrap_or_default();
                    anyhow::anyhow!("{at}{e}")
                })?;
                if found.is_some() || c.len() == 40 {
                    claim_shas.insert(c.clone(), found);
                }
            }
        }
        Ok(claim_shas)
    }
}
