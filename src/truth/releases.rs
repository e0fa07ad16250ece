//! The truth of a release history (a changelog, a tag list), kept apart
//! from the deploy-log walk in `read_graph`.
//!
//! In a deploy log the previous record is the one before (what was live).
//! In a release history the previous record of release k is the newest
//! earlier release whose commit is an ancestor of C_k, so a maintenance
//! line (1.20.x beside 1.25.0) compares with its own line; and what k
//! *added* is what C_k reaches and no earlier release reaches (what went
//! out for the first time), so a branch cut from main after a release does
//! not ship that release's commits again. Nothing is ever removed.
//!
//! A claimed change ID whose carriers C_k does not reach still counts as
//! contained when C_k reaches an equivalent commit: a cherry-pick that lost
//! the ID (same patch-id), or the squash of a pull request whose number the
//! merged commit lost (patch-id of `refs/pull/N/head`'s combined diff).
//! Commits only reachable from `refs/pull/*` are evidence, never shipped:
//! the graph is loaded from the records' commits only.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;

use super::{
    components, introduced_by, unshipped_by, Bits, ChangeTruth, ClaimKey, Containment, Deploy, Graph, Input, Live,
    Options, Previous, Reader, Target, Truth,
};
use crate::config::Component;
use crate::git::Oid;
use crate::records::History;
use crate::time::Timestamp;

/// Patch-ids computed so far (`None`: a merge or an empty commit).
type PatchCache = HashMap<u32, Option<Oid>>;

impl Reader<'_> {
    /// The truth of a release history (see the module's documentation).
    pub(super) fn read_releases(&self, history: &History, opts: &Options, input: &Input) -> Result<Truth> {
        let n = history.records.len();
        let Input { targets, problems, missing, claim_shas, all_claims, tips, .. } = input;
        let graph = Graph::load(self.repo, tips, None, &self.config.changes)?;
        let len = graph.len() as u32;

        let components: Vec<Component> = if self.config.default_components {
            let commits: Vec<Oid> = targets.iter().flatten().map(|(o, _)| *o).collect();
            components::default_components(self.repo, &commits)?
        } else {
            self.config.components.clone()
        };
        let mut cache = PatchCache::new();
        let source_file = history.records.iter().find_map(|r| r.source.file.as_deref());
        let keys: BTreeMap<String, ClaimKey> = all_claims
            .iter()
            .map(|c| {
                let key = match claim_shas.get(c) {
                    Some(Some(oid)) => ClaimKey::Sha(self.equivalents(&graph, *oid)?),
                    Some(None) => ClaimKey::Missing,
                    None => {
                        let pulled = self.pull_request_squashes(&graph, c, &mut cache)?;
                        // The changelog's own edits ("changelog: add #200") ship nothing.
                        let own: Vec<u32> = match source_file {
                            Some(f) => graph
                                .carriers(c)
                                .iter()
                                .copied()
                                .filter(|&i| self.only_touches(&graph, i, f).unwrap_or(false))
                                .collect(),
                            None => Vec::new(),
                        };
                        if pulled.is_empty() && own.is_empty() {
                            ClaimKey::Id(c.clone())
                        } else {
                            let mut list: Vec<u32> =
                                graph.carriers(c).iter().copied().filter(|i| !own.contains(i)).collect();
                            list.extend(pulled);
                            ClaimKey::Sha(list)
                        }
                    }
                };
                Ok((c.clone(), key))
            })
            .collect::<Result<_>>()?;
        let carriers_of = |key: &ClaimKey| -> Vec<u32> {
            match key {
                ClaimKey::Id(id) => graph.carriers(id).to_vec(),
                ClaimKey::Sha(eq) => eq.clone(),
                ClaimKey::Missing => Vec::new(),
            }
        };
        let mut changes: BTreeMap<String, ChangeTruth> = keys
            .iter()
            .map(|(c, k)| {
                let carriers = carriers_of(k).iter().map(|i| self.commit_ref(&graph, *i)).collect();
                (c.clone(), ChangeTruth { contained: Containment::default(), carriers })
            })
            .collect();

        let mut reaches: Vec<Option<Bits>> = vec![None; n];
        let mut earlier = Bits::new(graph.len());
        let mut deploys = Vec::with_capacity(n);
        let mut versions = components::Versions::default();
        for (k, record) in history.records.iter().enumerate() {
            self.advance(k, n);
            let Some((oid, tag_time)) = targets[k] else {
                deploys.push(Deploy::missing(missing[k].clone().unwrap_or_default(), problems[k].clone()));
                continue;
            };
            let ci = graph.node_of(oid).expect("record commits were loaded");
            let reach = graph.reach_full(ci);
            // The newest earlier release on this line.
            let prev = (0..k).rev().find(|&j| {
                reaches[j].is_some() && targets[j].and_then(|(o, _)| graph.node_of(o)).is_some_and(|pj| reach.get(pj))
            });
            let added: Vec<u32> = match prev {
                Some(_) => (0..len).filter(|&i| reach.get(i) && !earlier.get(i)).collect(),
                None => Vec::new(),
            };
            let prev_reach = prev.and_then(|j| reaches[j].as_ref());
            let prev_oid = prev.and_then(|j| targets[j].map(|(o, _)| o));

            // Changes introduced: carried by added commits, live now, not on
            // the line before; reverts added here un-ship what they revert.
            let (introduced, unshipped) = match prev_reach {
                Some(preach) => {
                    let reverted = added.iter().flat_map(|&a| graph.node(a).reverts.iter().copied());
                    (introduced_by(&graph, &added, &reach, preach), unshipped_by(&graph, reverted, &reach, preach))
                }
                None => (Vec::new(), Vec::new()),
            };

            for (c, key) in &keys {
                let live = graph.live(&carriers_of(key), &reach);
                if let Some(t) = changes.get_mut(c) {
                    t.contained.set(k, Some(matches!(live, Live::Contained(_))));
                }
            }
            let about = record.about_components();
            let mut claims = Vec::new();
            for c in record.changes.iter().flatten() {
                let key = &keys[c];
                let mut carriers = carriers_of(key);
                let mut live = graph.live(&carriers, &reach);
                if matches!(live, Live::Absent) && matches!(key, ClaimKey::Id(_)) && !carriers.is_empty() {
                    // A cherry-pick that lost the ID: the same patch, reachable here.
                    if let Some(eq) = self.equivalent_in(&graph, &carriers, &reach, &added, &mut cache)? {
                        carriers.push(eq);
                        live = graph.live(&[eq], &reach);
                        if let Some(t) = changes.get_mut(c) {
                            t.contained.set(k, Some(matches!(live, Live::Contained(_))));
                            t.carriers.push(self.commit_ref(&graph, eq));
                        }
                    }
                }
                claims.push(self.claim_truth(&graph, c, key, &carriers, live, record, &about, &components)?);
            }

            // Components: net effect against the previous release on this line.
            let comp_states =
                self.component_states(oid, prev_oid, &components, &mut versions, opts.files_for.contains(&k))?;
            let mut added_sorted = added.clone();
            added_sorted.sort_by_key(|i| std::cmp::Reverse((graph.node(*i).time, *i)));
            deploys.push(Deploy {
                target: Target::Commit { commit: self.commit_ref(&graph, ci) },
                ref_problems: problems[k].clone(),
                tag_time: tag_time.map(Timestamp),
                previous: match prev {
                    Some(j) => Previous::Record { index: j },
                    None => Previous::Baseline,
                },
                added: added_sorted.iter().map(|i| self.commit_ref(&graph, *i)).collect(),
                removed: Vec::new(),
                introduced,
                unshipped,
                components: comp_states,
                claims,
            });
            for i in 0..len {
                if reach.get(i) {
                    earlier.set(i);
                }
            }
            reaches[k] = Some(reach);
        }
        self.advance(n, n);
        Ok(Truth {
            environment: history.environment.clone(),
            deploys,
            changes,
            components: components.iter().map(|c| c.name.clone()).collect(),
        })
    }

    fn cached_patch_id(&self, graph: &Graph, i: u32, cache: &mut PatchCache) -> Result<Option<Oid>> {
        if let Some(p) = cache.get(&i) {
            return Ok(*p);
        }
        let p = self.repo.patch_id(graph.node(i).oid)?;
        cache.insert(i, p);
        Ok(p)
    }

    /// A commit reachable in `reach` with the same patch as one of
    /// `carriers`: among those keeping a carrier's author time or subject
    /// (cherry-picks keep both), else among the commits this release added.
    fn equivalent_in(
        &self,
        graph: &Graph,
        carriers: &[u32],
        reach: &Bits,
        added: &[u32],
        cache: &mut PatchCache,
    ) -> Result<Option<u32>> {
        for &c in carriers {
            let Some(mine) = self.cached_patch_id(graph, c, cache)? else { continue };
            let node = graph.node(c);
            let mut candidates: Vec<u32> = graph
                .same_author_time(node.author_time, &node.subject)
                .into_iter()
                .filter(|&x| x != c && reach.get(x))
                .collect();
            let more: Vec<u32> = added.iter().copied().filter(|x| *x != c && !candidates.contains(x)).collect();
            candidates.extend(more);
            for x in candidates {
                if graph.node(x).parents.len() <= 1 && self.cached_patch_id(graph, x, cache)? == Some(mine) {
                    return Ok(Some(x));
                }
            }
        }
        Ok(None)
    }

    /// For `#N` that no commit message carries, where `refs/pull/N/head`
    /// exists: the loaded commits whose patch equals the pull request's
    /// combined diff (merge-base..head), i.e. its squash that lost the number.
    fn pull_request_squashes(&self, graph: &Graph, change: &str, cache: &mut PatchCache) -> Result<Vec<u32>> {
        let Some(number) = change.strip_prefix('#').filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        else {
            return Ok(Vec::new());
        };
        if !graph.carriers(change).is_empty() {
            return Ok(Vec::new());
        }
        // The base: where the pull request left the history the records reach.
        let Some(tip) = graph.nodes.iter().max_by_key(|n| n.time).map(|n| n.oid) else {
            return Ok(Vec::new());
        };
        let Some((want, head_time)) = self.repo.pull_request_patch(number, tip)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut candidates: Vec<u32> = (0..graph.len() as u32)
            .filter(|&i| graph.node(i).time >= head_time && graph.node(i).parents.len() <= 1)
            .collect();
        candidates.sort_by_key(|&i| graph.node(i).time);
        candidates.truncate(500);
        for i in candidates {
            if self.cached_patch_id(graph, i, cache)? == Some(want) {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Whether a commit changes nothing but `file` (against its first parent).
    fn only_touches(&self, graph: &Graph, i: u32, file: &str) -> Result<bool> {
        self.repo.only_touches(graph.node(i).oid, file)
    }
}
