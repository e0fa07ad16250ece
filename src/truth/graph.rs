//! The commit graph of everything the records can reach, read once.
//!
//! Every commit reachable from a record's commit is read exactly once:
//! parents, dates, and the change IDs, revert targets and cherry-pick
//! sources in its message. Reachability per deploy is then a bitset over
//! this graph, extended deploy by deploy from the previous one, so an audit
//! costs one walk of the history plus work proportional to each range.

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use regex::Regex;

use crate::config::ChangePatterns;
use crate::git::{Oid, Repo};

/// Hashes an object id by its first eight bytes: ids are already uniformly
/// random, so SipHash over all twenty bytes only cost time.
#[derive(Default, Clone, Copy)]
pub struct OidHasher(u64);

impl std::hash::Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
            if bytes.len() >= 8 {
                break;
            }
        }
    }
}

/// A map keyed by object id.
pub type OidMap<V> = HashMap<Oid, V, std::hash::BuildHasherDefault<OidHasher>>;

/// A set of commits, one bit per graph node.
#[derive(Clone, Debug, Default)]
pub struct Bits(Vec<u64>);

impl Bits {
    /// An empty set for `n` nodes.
    pub fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    /// Whether node `i` is in the set.
    #[inline]
    pub fn get(&self, i: u32) -> bool {
        let i = i as usize;
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }
    /// Adds node `i`.
    #[inline]
    pub fn set(&mut self, i: u32) {
        let i = i as usize;
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    /// Adds every node of `other`.
    pub(super) fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    /// The nodes of this set that are not in `other`.
    pub(super) fn iter_minus<'a>(&'a self, other: &'a Bits) -> impl Iterator<Item = u32> + 'a {
        self.words_with(other, |a, b| a & !b)
    }
    /// The nodes in exactly one of the two sets.
    pub(super) fn iter_changed<'a>(&'a self, other: &'a Bits) -> impl Iterator<Item = u32> + 'a {
        self.words_with(other, |a, b| a ^ b)
    }
    fn words_with<'a>(&'a self, other: &'a Bits, op: fn(u64, u64) -> u64) -> impl Iterator<Item = u32> + 'a {
        self.0.iter().zip(other.0.iter()).enumerate().flat_map(move |(wi, (a, b))| {
            let mut w = op(*a, *b);
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some((wi * 64) as u32 + bit)
            })
        })
    }
}

/// One commit, as much of it as the audit needs.
#[derive(Debug, Clone)]
pub struct Node {
    /// Commit id.
    pub oid: Oid,
    /// Parent nodes, first parent first.
    pub parents: Vec<u32>,
    /// Committer time (seconds since the epoch).
    pub time: i64,
    /// Author time: kept by cherry-picks, so it finds backport candidates.
    pub author_time: i64,
    /// First line of the message (raw; escape before printing).
    pub subject: String,
    /// Change IDs this commit carries (indexes into the graph's change names).
    pub changes: Vec<u32>,
    /// Whether the message says "This reverts commit …": a revert carries
    /// no change, it un-ships the commit it reverts.
    pub is_revert: bool,
    /// Commits named by `(cherry picked from commit …)`.
    pub picked_from: Vec<Oid>,
    /// Commits this one reverts (when they were read).
    pub reverts: Vec<u32>,
    /// Its root tree.
    pub tree: Oid,
}

/// Where a change stands in one deploy's commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// Carried by this reachable commit, not reverted.
    Contained(u32),
    /// Every reachable carrier is reverted; this is a carrier and its revert.
    Reverted {
        /// The carrying commit.
        carrier: u32,
        /// The revert that undoes it.
        by: u32,
    },
    /// No carrier is reachable.
    Absent,
}

fn revert_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"This reverts commit ([0-9a-f]{7,64})").expect("valid"))
}

fn pick_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\(cherry picked from commit ([0-9a-f]{40})\)").expect("valid"))
}

/// Marks a node and its known ancestors hidden (a commit first taken as
/// new turned out to be reachable from the hidden one: skewed dates).
fn mark_hidden(g: &Graph, i: u32, hidden: &mut [bool], state: &Loading) {
    let mut stack = vec![i];
    while let Some(n) = stack.pop() {
        if hidden[n as usize] {
            continue;
        }
        hidden[n as usize] = true;
        for p in &state.parent_oids[n as usize] {
            if let Some(&j) = g.index.get(p) {
                stack.push(j);
            }
        }
    }
}

/// The loaded graph.
pub struct Graph {
    index: OidMap<u32>,
    /// Nodes in load order.
    pub nodes: Vec<Node>,
    names: Vec<String>,
    by_name: HashMap<String, u32>,
    carriers: Vec<Vec<u32>>,
    reverted_by: HashMap<u32, Vec<u32>>,
    picks_of: OidMap<Vec<u32>>,
    hidden: Bits,
    partial: bool,
}

/// What [`Graph::load`] keeps between reading a commit and linking parents.
struct Loading {
    parent_oids: Vec<Vec<Oid>>,
    revert_targets: Vec<(u32, String)>,
}

impl Graph {
    /// Reads every commit reachable from `tips` — except, with `hide`,
    /// those reachable from `hide` — once each.
    ///
    /// With `hide` (the first deploy's commit) the walk paints like `git
    /// log hide..tips`: commits are taken newest first, those reachable from
    /// `hide` are marked hidden, and the walk stops once only hidden commits
    /// are left to visit. Hidden commits met at the boundary are kept (as
    /// hidden nodes); the history below them is never read. A deploy whose
    /// commit descends from `hide` reaches every hidden commit.
    pub fn load(repo: &Repo, tips: &[Oid], hide: Option<Oid>, patterns: &ChangePatterns) -> Result<Graph> {
        let mut g = Graph {
            index: OidMap::default(),
            nodes: Vec::new(),
            hidden: Bits::default(),
            names: Vec::new(),
            by_name: HashMap::new(),
            carriers: Vec::new(),
            reverted_by: HashMap::new(),
            picks_of: OidMap::default(),
            partial: hide.is_some(),
        };
        let mut state = Loading { parent_oids: Vec::new(), revert_targets: Vec::new() };
        match hide {
            None => {
                let mut stack: Vec<(Oid, Option<Oid>)> = tips.iter().map(|t| (*t, None)).collect();
                while let Some((oid, child)) = stack.pop() {
                    if g.index.contains_key(&oid) {
                        continue;
                    }
                    let idx = g.read(repo, oid, child, true, patterns, &mut state)?;
                    for p in state.parent_oids[idx as usize].iter().rev() {
                        stack.push((*p, Some(oid)));
                    }
                }
                g.hidden = Bits::new(g.nodes.len());
            }
            Some(hide) => g.paint(repo, tips, hide, patterns, &mut state)?,
        }
        for (i, ps) in state.parent_oids.iter().enumerate() {
            g.nodes[i].parents = ps.iter().filter_map(|p| g.index.get(p).copied()).collect();
        }
        for (idx, target) in state.revert_targets {
            let found = match Oid::from_str(&target) {
                Ok(oid) if target.len() == 40 => g.index.get(&oid).copied(),
                _ => repo.commit_by_id(&target).ok().flatten().and_then(|o| g.index.get(&o).copied()),
            };
            if let Some(t) = found {
                g.reverted_by.entry(t).or_default().push(idx);
                g.nodes[idx as usize].reverts.push(t);
            }
        }
        Ok(g)
    }

    /// The newest-first painting walk of `hide..tips`.
    fn paint(
        &mut self,
        repo: &Repo,
        tips: &[Oid],
        hide: Oid,
        patterns: &ChangePatterns,
        state: &mut Loading,
    ) -> Result<()> {
        use std::collections::BinaryHeap;
        // Commit dates can be skewed; like git, look a few commits past the
        // point where only hidden ones are left.
        const SLOP: usize = 5;
        let mut hidden: Vec<bool> = Vec::new();
        let mut heap: BinaryHeap<(i64, std::cmp::Reverse<u32>)> = BinaryHeap::new();
        let push = |g: &mut Graph,
                    oid: Oid,
                    child: Option<Oid>,
                    hide_it: bool,
                    hidden: &mut Vec<bool>,
                    heap: &mut BinaryHeap<(i64, std::cmp::Reverse<u32>)>,
                    state: &mut Loading|
         -> Result<()> {
            if let Some(&i) = g.index.get(&oid) {
                if hide_it && !hidden[i as usize] {
                    mark_hidden(g, i, hidden, state);
                }
                return Ok(());
            }
            let i = g.read(repo, oid, child, !hide_it, patterns, state)?;
            hidden.push(hide_it);
            heap.push((g.nodes[i as usize].time, std::cmp::Reverse(i)));
            Ok(())
        };
        push(self, hide, None, true, &mut hidden, &mut heap, state)?;
        for t in tips {
            push(self, *t, None, false, &mut hidden, &mut heap, state)?;
        }
        let mut slop = SLOP;
        while let Some((_, std::cmp::Reverse(i))) = heap.pop() {
            let was_hidden = hidden[i as usize];
            let oid = self.nodes[i as usize].oid;
            let parents = state.parent_oids[i as usize].clone();
            for p in parents {
                push(self, p, Some(oid), was_hidden, &mut hidden, &mut heap, state)?;
            }
            if was_hidden && heap.iter().all(|(_, std::cmp::Reverse(j))| hidden[*j as usize]) {
                if slop == 0 {
                    break;
                }
                slop -= 1;
            } else {
                slop = SLOP;
            }
        }
        let mut bits = Bits::new(self.nodes.len());
        for (i, h) in hidden.iter().enumerate() {
            if *h {
                bits.set(i as u32);
            }
        }
        self.hidden = bits;
        Ok(())
    }

    /// Reads one commit into a new node.
    fn read(
        &mut self,
        repo: &Repo,
        oid: Oid,
        child: Option<Oid>,
        parse_changes: bool,
        patterns: &ChangePatterns,
        state: &mut Loading,
    ) -> Result<u32> {
        let commit = repo.read_commit(oid).map_err(|e| match child {
            Some(child) => anyhow!(
                "commit {oid}, a parent of {child}, cannot be read ({e}): the history is incomplete or corrupt \
                 (a shallow or partial clone? fetch the full history with `git fetch --unshallow`, or `fetch-depth: 0`; \
                 every object with `git fetch --refetch`)"
            ),
            None => anyhow!("commit {oid} cannot be read: {e}"),
        })?;
        let idx = self.nodes.len() as u32;
        self.index.insert(oid, idx);
        let message = &commit.message;
        let subject: String = message.lines().next().unwrap_or("").chars().take(300).collect();
        let mut is_revert = false;
        let mut changes = Vec::new();
        let mut picked_from = Vec::new();
        if parse_changes {
            for caps in revert_re().captures_iter(message) {
                is_revert = true;
                state.revert_targets.push((idx, caps[1].to_string()));
            }
            picked_from = pick_re().captures_iter(message).filter_map(|c| Oid::from_str(&c[1]).ok()).collect();
            if !is_revert {
                // `extract` gives each ID once, so each interns to a new number.
                for id in patterns.extract(message) {
                    let n = self.intern(&id);
                    if self.carriers[n as usize].last() != Some(&idx) {
                        changes.push(n);
                        self.carriers[n as usize].push(idx);
                    }
                }
            }
            for p in &picked_from {
                self.picks_of.entry(*p).or_default().push(idx);
            }
        }
        self.nodes.push(Node {
            oid,
            parents: Vec::new(),
            time: commit.time,
            author_time: commit.author_time,
            subject,
            changes,
            is_revert,
            picked_from,
            reverts: Vec::new(),
            tree: commit.tree,
        });
        state.parent_oids.push(commit.parents);
        Ok(idx)
    }

    /// Whether only part of the history was read (see [`Graph::load`]).
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    /// Whether a node is reachable from the hidden commit.
    pub fn is_hidden(&self, i: u32) -> bool {
        self.hidden.get(i)
    }

    /// Every hidden node: what the hidden commit reaches, as far as it was read.
    pub fn hidden_set(&self) -> Bits {
        self.hidden.clone()
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(n) = self.by_name.get(name) {
            return *n;
        }
        let n = self.names.len() as u32;
        self.names.push(name.to_string());
        self.by_name.insert(name.to_string(), n);
        self.carriers.push(Vec::new());
        n
    }

    /// Number of commits loaded.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node of a commit, if loaded.
    pub fn node_of(&self, oid: Oid) -> Option<u32> {
        self.index.get(&oid).copied()
    }

    /// A node.
    pub fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    /// A change name.
    pub fn change_name(&self, n: u32) -> &str {
        &self.names[n as usize]
    }

    /// Commits whose message carries this change ID.
    pub fn carriers(&self, change: &str) -> &[u32] {
        self.by_name.get(change).map_or(&[], |n| &self.carriers[*n as usize])
    }

    /// Commits equivalent to `oid` by the cherry-pick trailer, either way:
    /// picks of it, what it was picked from, and other picks of that.
    pub fn trailer_equivalents(&self, oid: Oid) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut push = |i: u32| {
            if seen.insert(i) {
                out.push(i);
            }
        };
        if let Some(i) = self.node_of(oid) {
            push(i);
            for orig in &self.node(i).picked_from {
                if let Some(o) = self.node_of(*orig) {
                    push(o);
                }
                for p in self.picks_of.get(orig).into_iter().flatten() {
                    push(*p);
                }
            }
        }
        for p in self.picks_of.get(&oid).into_iter().flatten() {
            push(*p);
        }
        out
    }

    /// Commits that revert this one.
    pub fn reverts_of(&self, c: u32) -> &[u32] {
        self.reverted_by.get(&c).map_or(&[], |v| v)
    }

    /// All ancestors of `c`, itself included.
    pub fn reach_full(&self, c: u32) -> Bits {
        let mut reach = Bits::new(self.len());
        self.fill(&mut reach, vec![c], None);
        reach
    }

    /// Marks everything reachable from `start` in `reach`, not entering
    /// nodes of `stop`; returns the nodes of `stop` that were met.
    fn fill(&self, reach: &mut Bits, mut stack: Vec<u32>, stop: Option<&Bits>) -> Vec<u32> {
        let mut met = Vec::new();
        while let Some(n) = stack.pop() {
            if reach.get(n) {
                continue;
            }
            if let Some(stop) = stop {
                if stop.get(n) {
                    met.push(n);
                    continue;
                }
            }
            reach.set(n);
            stack.extend(self.nodes[n as usize].parents.iter().copied());
        }
        met
    }

    /// Moves from the previous deploy (`prev` reachable from `prev_tip`) to
    /// commit `c`: what `c` reaches, what it added, what it removed.
    pub fn step(&self, c: u32, prev: &Bits, prev_tip: u32) -> Step {
        if c == prev_tip {
            return Step { reach: prev.clone(), added: Vec::new(), removed: Vec::new() };
        }
        let mut new = Bits::new(self.len());
        let met = self.fill(&mut new, vec![c], Some(prev));
        let added: Vec<u32> = new.iter_minus(&Bits::new(self.len())).collect();
        if met.contains(&prev_tip) {
            let mut reach = prev.clone();
            reach.union_with(&new);
            return Step { reach, added, removed: Vec::new() };
        }
        // Rollback or a switch to another line: only part of what was live stays.
        let mut reach = new;
        self.fill(&mut reach, met, None);
        let removed = prev.iter_minus(&reach).collect();
        Step { reach, added, removed }
    }

    /// Where a change carried by `carriers` stands in a deploy reaching `reach`.
    pub fn live(&self, carriers: &[u32], reach: &Bits) -> Live {
        let mut reverted = None;
        for &c in carriers {
            if !reach.get(c) {
                continue;
            }
            match self.reverted_in(c, reach, 0) {
                None => return Live::Contained(c),
                Some(by) => reverted = reverted.or(Some(Live::Reverted { carrier: c, by })),
            }
        }
        reverted.unwrap_or(Live::Absent)
    }

    /// The reachable revert that undoes `c`, unless that revert is itself reverted.
    fn reverted_in(&self, c: u32, reach: &Bits, depth: u32) -> Option<u32> {
        if depth > 8 {
            return None;
        }
        self.reverts_of(c).iter().copied().find(|&r| reach.get(r) && self.reverted_in(r, reach, depth + 1).is_none())
    }

    /// Nodes whose author time equals `t` (candidates for patch-id equivalence).
    pub fn same_author_time(&self, t: i64, subject: &str) -> Vec<u32> {
        (0..self.len() as u32)
            .filter(|&i| {
                let n = self.node(i);
                n.author_time == t || n.subject == subject
            })
            .collect()
    }
}

/// The result of [`Graph::step`].
pub struct Step {
    /// Everything the new commit reaches.
    pub reach: Bits,
    /// Reachable now and not before.
    pub added: Vec<u32>,
    /// Reachable before and not now.
    pub removed: Vec<u32>,
}
