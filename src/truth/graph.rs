//! The commit graph of everything the records can reach, read once.
//!
//! Every commit reachable from a record's commit is read exactly once:
//! parents, dates, and the change IDs, revert targets and cherry-pick
//! sources in its message. Reachability per deploy is then a bitset over
//! this graph, extended deploy by deploy from the previous one, so an audit
//! costs one walk of the history plus work proportional to each range.

use std::collections::HashMap;

use anyhow::{anyhow, Result};

use super::message::{self, Parsed};
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
    /// Every node in the set, in index order.
    pub fn ones(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
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
    /// Change IDs this commit carries itself (indexes into the graph's
    /// change names). A revert carries its own ID, never one it un-ships.
    pub changes: Vec<u32>,
    /// Commits named by `(cherry picked from commit …)`.
    pub picked_from: Vec<Oid>,
    /// Commits of the history this one reverts (see `links.rs`).
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
    pub(super) index: OidMap<u32>,
    /// Nodes in load order.
    pub nodes: Vec<Node>,
    pub(super) names: Vec<String>,
    pub(super) by_name: HashMap<String, u32>,
    /// Per change name: the commits carrying it, oldest first.
    pub(super) carriers: Vec<Vec<u32>>,
    /// Per commit: the commits reverting it, oldest first.
    pub(super) reverted_by: HashMap<u32, Vec<u32>>,
    pub(super) picks_of: OidMap<Vec<u32>>,
    pub(super) hidden: Bits,
    partial: bool,
    /// With `hide`: the walk stopped before the end of the hidden history,
    /// so commits below the boundary were not read.
    pub(super) unread_below: bool,
    /// Why this partial graph cannot answer at all (see `links.rs`).
    pub(super) undecided: Option<String>,
    /// Merge carrying IDs -> the non-merge commits it brought in, for the
    /// merges that brought in a reverted commit (see `links.rs`).
    pub(super) brought: HashMap<u32, Vec<u32>>,
    /// Reverted commit -> the merges carrying IDs that brought it in.
    pub(super) bringers: HashMap<u32, Vec<u32>>,
}

/// What [`Graph::load`] keeps between reading commits and linking them.
pub(super) struct Loading {
    pub(super) parent_oids: Vec<Vec<Oid>>,
    /// Each commit's message, read.
    pub(super) parsed: Vec<Parsed>,
    /// Commits at the edge of a partial read, taken as unread (see `paint`).
    pub(super) tail: Vec<bool>,
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
    /// commit descends from `hide` reaches every hidden commit. Every commit
    /// read has its message read (change IDs, revert markers), except the
    /// last few at the edge of the walk, which count as unread
    /// ([`Graph::unread_below`]).
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
            unread_below: false,
            undecided: None,
            brought: HashMap::new(),
            bringers: HashMap::new(),
        };
        let mut state = Loading { parent_oids: Vec::new(), parsed: Vec::new(), tail: Vec::new() };
        match hide {
            None => {
                let mut stack: Vec<(Oid, Option<Oid>)> = tips.iter().map(|t| (*t, None)).collect();
                while let Some((oid, child)) = stack.pop() {
                    if g.index.contains_key(&oid) {
                        continue;
                    }
                    let idx = g.read(repo, oid, child, patterns, &mut state)?;
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
        state.tail.resize(g.nodes.len(), false);
        g.link(repo, hide, &state)?;
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
            let i = g.read(repo, oid, child, patterns, state)?;
            hidden.push(hide_it);
            heap.push((g.nodes[i as usize].time, std::cmp::Reverse(i)));
            Ok(())
        };
        push(self, hide, None, true, &mut hidden, &mut heap, state)?;
        for t in tips {
            push(self, *t, None, false, &mut hidden, &mut heap, state)?;
        }
        let mut slop = SLOP;
        let mut popped: Vec<bool> = Vec::new();
        let mut last_time = i64::MAX;
        while let Some((time, std::cmp::Reverse(i))) = heap.pop() {
            popped.resize(self.nodes.len(), false);
            popped[i as usize] = true;
            last_time = time;
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
        // Stopped with hidden commits left to visit: the history below was
        // not read. A revert of a commit read here could lie there only if
        // it is no newer than the last commit taken, so the commits at that
        // edge (not taken, or no newer than the last one taken) count as
        // unread too: their messages are dropped.
        popped.resize(self.nodes.len(), false);
        self.unread_below = !heap.is_empty();
        state.tail = (0..self.nodes.len())
            .map(|i| self.unread_below && hidden[i] && (!popped[i] || self.nodes[i].time <= last_time))
            .collect();
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
        let parsed = message::parse(message, patterns);
        self.nodes.push(Node {
            oid,
            parents: Vec::new(),
            time: commit.time,
            author_time: commit.author_time,
            subject,
            changes: Vec::new(),
            picked_from: parsed.picked_from.clone(),
            reverts: Vec::new(),
            tree: commit.tree,
        });
        state.parsed.push(parsed);
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

    pub(super) fn intern(&mut self, name: &str) -> u32 {
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
    pub(super) fn fill(&self, reach: &mut Bits, mut stack: Vec<u32>, stop: Option<&Bits>) -> Vec<u32> {
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

    /// The reachable revert that undoes `c`, unless that revert is itself
    /// reverted. A merge that carries IDs is also undone when every commit
    /// it brought in is (its ID belongs to them): then the newest of those
    /// reverts is the one that undid it.
    fn reverted_in(&self, c: u32, reach: &Bits, depth: u32) -> Option<u32> {
        if depth > 8 {
            return None;
        }
        let direct = self
            .reverts_of(c)
            .iter()
            .copied()
            .find(|&r| reach.get(r) && self.reverted_in(r, reach, depth + 1).is_none());
        if direct.is_some() {
            return direct;
        }
        let brought = self.brought.get(&c).filter(|b| !b.is_empty())?;
        let mut last: Option<u32> = None;
        for &b in brought {
            let r = self.reverted_in(b, reach, depth + 1)?;
            if last.is_none_or(|l| self.order_key(r) > self.order_key(l)) {
                last = Some(r);
            }
        }
        last
    }

    /// How commits are ordered wherever an order shows: by committer time,
    /// then SHA, the same in every graph that holds them.
    pub fn order_key(&self, i: u32) -> (i64, Oid) {
        let n = self.node(i);
        (n.time, n.oid)
    }

    /// The merges carrying IDs that brought in commit `c`, when `c` is reverted somewhere.
    pub fn bringers(&self, c: u32) -> &[u32] {
        self.bringers.get(&c).map_or(&[], |v| v)
    }

    /// The change IDs that reverting `c` can un-ship: its own, and those of
    /// the merges that brought it in.
    pub fn undone_ids(&self, c: u32) -> Vec<u32> {
        let mut ids = self.node(c).changes.clone();
        for &m in self.bringers(c) {
            for &ch in &self.node(m).changes {
                if !ids.contains(&ch) {
                    ids.push(ch);
                }
            }
        }
        ids
    }

    /// Whether, with `hide`, commits below the boundary were left unread:
    /// then a change might be carried there, and what depends on that is
    /// decided by [`super::Reader::read_for`].
    pub fn unread_below(&self) -> bool {
        self.unread_below
    }

    /// Why this partial graph cannot answer (it must not be used), if so.
    pub fn undecided(&self) -> Option<&str> {
        self.undecided.as_deref()
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
