//! Linking the commits once they are read: what each revert undoes, which
//! merges brought a reverted commit in, and the change IDs each commit
//! carries. The rules (see ARCHITECTURE.md):
//!
//! - A revert marker counts only when its SHA (full, or an unambiguous
//!   abbreviation, read as an object id) names a commit of the history read.
//!   One naming a commit outside it ("This reverts commit 0000000", or a
//!   branch-local commit that a squash quotes) reverts nothing. In a partial
//!   read, one naming a commit below the boundary that was not read leaves
//!   the graph undecided, and the history is read in full.
//! - A revert carries its own IDs (`message.rs`), less the IDs of what it
//!   reverts: it un-ships those, it never ships them.
//! - A merge's IDs belong to every commit it brought in (reachable from a
//!   later parent and not from its first): a merge carrying #N is reverted
//!   when a revert names it, or when every non-merge commit it brought in is
//!   reverted (`Graph::reverted_in`). Only the merges that brought in a
//!   reverted commit are worked out, so histories without reverts pay nothing.

use anyhow::Result;

use super::graph::{Bits, Graph, Loading};
use crate::git::{Oid, Repo};

/// Where a revert marker's SHA points.
enum Target {
    /// A commit of the graph.
    Node(u32),
    /// No commit of the history.
    Outside,
    /// A commit below the boundary of a partial read, not read.
    Unread,
}

impl Graph {
    /// Links what [`Graph::load`] read (see the module's documentation).
    pub(super) fn link(&mut self, repo: &Repo, hide: Option<Oid>, state: &Loading) -> Result<()> {
        let n = self.nodes.len();
        let mut reverts: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, reverted) in reverts.iter_mut().enumerate() {
            if state.tail[i] {
                continue;
            }
            for t in &state.parsed[i].revert_targets {
                match self.target(repo, t, hide, state)? {
                    Target::Node(j) if j as usize != i && !reverted.contains(&j) => reverted.push(j),
                    Target::Unread if self.undecided.is_none() => {
                        self.undecided = Some(format!(
                            "commit {} reverts {t}, which lies below the first deploy and was not read",
                            self.nodes[i].oid
                        ));
                    }
                    _ => {}
                }
            }
        }
        let mut targets: Vec<u32> = reverts.iter().flatten().copied().collect();
        targets.sort_unstable();
        targets.dedup();
        self.find_bringers(&targets, hide, state);
        for (i, reverted) in reverts.into_iter().enumerate() {
            if state.tail[i] {
                continue;
            }
            let undone: Vec<&String> = reverted
                .iter()
                .flat_map(|&t| {
                    let via = self.bringers(t).iter().flat_map(|&m| state.parsed[m as usize].ids.iter());
                    state.parsed[t as usize].ids.iter().chain(via)
                })
                .collect();
            let own: Vec<String> = state.parsed[i].ids.iter().filter(|id| !undone.contains(id)).cloned().collect();
            for id in own {
                let c = self.intern(&id);
                if !self.nodes[i].changes.contains(&c) {
                    self.nodes[i].changes.push(c);
                    self.carriers[c as usize].push(i as u32);
                }
            }
            for &t in &reverted {
                self.reverted_by.entry(t).or_default().push(i as u32);
            }
            self.nodes[i].reverts = reverted;
            for p in state.parsed[i].picked_from.clone() {
                self.picks_of.entry(p).or_default().push(i as u32);
            }
        }
        // One order wherever lists show, whatever order the commits were read in.
        let mut carriers = std::mem::take(&mut self.carriers);
        for list in &mut carriers {
            list.sort_by_key(|&c| self.order_key(c));
        }
        self.carriers = carriers;
        let mut reverted_by = std::mem::take(&mut self.reverted_by);
        for list in reverted_by.values_mut() {
            list.sort_by_key(|&c| self.order_key(c));
        }
        self.reverted_by = reverted_by;
        Ok(())
    }

    /// Where a revert marker's SHA points.
    fn target(&self, repo: &Repo, sha: &str, hide: Option<Oid>, state: &Loading) -> Result<Target> {
        let known = match Oid::from_str(sha) {
            Ok(oid) if sha.len() == 40 => self.index.get(&oid).copied(),
            _ => None,
        };
        let found = match known {
            Some(j) => Some((j, self.nodes[j as usize].oid)),
            None => repo.commit_by_hex(sha).map(|oid| (self.index.get(&oid).copied().unwrap_or(u32::MAX), oid)),
        };
        Ok(match found {
            None => Target::Outside,
            Some((j, _)) if j != u32::MAX && state.tail[j as usize] => Target::Unread,
            Some((j, _)) if j != u32::MAX => Target::Node(j),
            Some((_, oid)) => match hide {
                Some(h) if self.unread_below && repo.descends_from(h, oid)? => Target::Unread,
                _ => Target::Outside,
            },
        })
    }

    /// For each reverted commit, the merges carrying IDs that brought it in,
    /// and for each of those merges the non-merge commits it brought in. In
    /// a partial read, a merge whose first parent does not reach the
    /// boundary (or a hidden merge) may have brought in commits that were
    /// not read: the graph is then undecided.
    fn find_bringers(&mut self, targets: &[u32], hide: Option<Oid>, state: &Loading) {
        if targets.is_empty() {
            return;
        }
        let n = self.nodes.len();
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            for &p in &node.parents {
                children[p as usize].push(i as u32);
            }
        }
        let descendants = |from: &[u32]| {
            let mut seen = Bits::new(n);
            let mut order = Vec::new();
            let mut stack = from.to_vec();
            while let Some(x) = stack.pop() {
                if !seen.get(x) {
                    seen.set(x);
                    order.push(x);
                    stack.extend(&children[x as usize]);
                }
            }
            (seen, order)
        };
        let boundary = match hide.and_then(|h| self.index.get(&h).copied()) {
            Some(b) if self.unread_below => Some(descendants(&[b]).0),
            _ => None,
        };
        for &t in targets {
            let (desc, order) = descendants(&children[t as usize]);
            let within = |p: u32| p == t || desc.get(p);
            for m in order {
                let node = &self.nodes[m as usize];
                let Some((&first, rest)) = node.parents.split_first() else { continue };
                if rest.is_empty() || within(first) || !rest.iter().any(|&p| within(p)) {
                    continue;
                }
                let carries = !state.parsed[m as usize].ids.is_empty() || state.tail[m as usize];
                if let Some(boundary) = &boundary {
                    if self.hidden.get(m) || !boundary.get(first) {
                        if carries {
                            self.undecided.get_or_insert_with(|| {
                                format!("merge {} may have brought in commits below the first deploy", node.oid)
                            });
                        }
                        continue;
                    }
                }
                if !carries {
                    continue;
                }
                self.bringers.entry(t).or_default().push(m);
                if !self.brought.contains_key(&m) {
                    let brought = self.brought_in(m);
                    self.brought.insert(m, brought);
                }
            }
        }
    }

    /// The non-merge commits merge `m` brought in: reachable from a later
    /// parent and not from the first, oldest first.
    fn brought_in(&self, m: u32) -> Vec<u32> {
        let n = self.nodes.len();
        let parents = &self.nodes[m as usize].parents;
        let mut mainline = Bits::new(n);
        self.fill(&mut mainline, vec![parents[0]], None);
        let mut branch = Bits::new(n);
        self.fill(&mut branch, parents[1..].to_vec(), Some(&mainline));
        let mut out: Vec<u32> = branch.ones().filter(|&c| self.nodes[c as usize].parents.len() <= 1).collect();
        out.sort_by_key(|&c| self.order_key(c));
        out
    }
}
