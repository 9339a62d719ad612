//! An Aho-Corasick automaton over bytes, laid out as snapshot sections (`crate::snapshot`) so
//! that every backend can search one mapped copy of it. The `aho-corasick` crate builds a
//! faster-to-search structure, but only in the heap of the process that builds it: with the
//! full taxonomy (108k forms) that was 0.7-0.9 s and 176 MB of peak memory in every backend
//! that matched.
//!
//! The trie is stored as compressed rows (each state's edges sorted by byte, found by binary
//! search), the root as a dense 256-entry table since nearly every byte passes through it.
//! Each state keeps its failure link and its output link (the nearest state on its failure
//! chain that ends a pattern), so a search reports every pattern ending at every position:
//! the overlapping matches the extractor chooses from. A damaged file is refused when
//! opened (`check`), never half-searched.

use std::collections::VecDeque;

use crate::error::{EngineError, Result};
use crate::snapshot::{Column, Snapshot, SnapshotWriter};

/// No state / no pattern.
const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

/// A state's record: where its edges start (the next record's field is where they end),
/// its failure link, the pattern it ends (or NONE) and its output link: the nearest state on
/// its failure chain that ends a pattern (or NONE). One record per state, side by side, so a
/// step of the search reads one cache line, not one per array.
const FIRST_EDGE: usize = 0;
const FAIL: usize = 1;
const PATTERN: usize = 2;
const OUTPUT: usize = 3;
const RECORD: usize = 4;

/// An edge is one u32: its byte in the top 8 bits, its target state in the low 24. Sorted
/// by value, a state's edges are sorted by byte, so a binary search finds one.
const TARGET_BITS: u32 = 24;
const TARGET_MASK: u32 = (1 << TARGET_BITS) - 1;

/// A built automaton, reading its arrays from a snapshot.
pub struct Automaton {
    /// The state after the root on each byte (ROOT when no pattern starts with it).
    root: Column<u32>,
    /// `RECORD` u32 per state, plus one whose FIRST_EDGE ends the last state's edges.
    states: Column<u32>,
    edges: Column<u32>,
    pattern_len: Column<u32>,
    longest: usize,
}

/// The automaton's arrays for one search: the snapshot is looked up once, not per byte.
struct Arrays<'a> {
    /// The longest pattern's length: no chain of links is longer.
    longest: usize,
    root: &'a [u32],
    states: &'a [u32],
    edges: &'a [u32],
    pattern_len: &'a [u32],
}

impl Arrays<'_> {
    fn field(&self, state: u32, field: usize) -> u32 {
        self.states[state as usize * RECORD + field]
    }

    /// The state reached from `state` on `byte` by a trie edge.
    fn edge(&self, state: u32, byte: u8) -> Option<u32> {
        if state == ROOT {
            return Some(self.root[byte as usize]).filter(|&s| s != ROOT);
        }
        let row = &self.edges[self.field(state, FIRST_EDGE) as usize..self.field(state + 1, FIRST_EDGE) as usize];
        let at = row.partition_point(|&e| (e >> TARGET_BITS) < byte as u32);
        row.get(at).filter(|&&e| (e >> TARGET_BITS) == byte as u32).map(|&e| e & TARGET_MASK)
    }

    /// The state after `state` on `byte`, following failure links. Each link leads to a
    /// shallower state, so no chain is longer than the longest pattern; a longer one comes
    /// from a damaged file and ends at the root rather than looping.
    fn next(&self, mut state: u32, byte: u8) -> u32 {
        for _ in 0..=self.longest {
            if let Some(s) = self.edge(state, byte) {
                return s;
            }
            if state == ROOT {
                return ROOT;
            }
            state = self.field(state, FAIL);
        }
        ROOT
    }
}

impl Automaton {
    /// Writes the automaton of `patterns` (pattern i is `patterns[i]`) into `w` under `prefix`.
    /// Patterns must be distinct and non-empty; a repeat or an empty one is never reported.
    /// Errors when the trie has more states than an edge can name (2^24, about 16 MB of
    /// distinct pattern text).
    pub fn write(w: &mut SnapshotWriter, prefix: &str, patterns: &[&[u8]]) -> Result<()> {
        let trie = Trie::build(patterns);
        let states = trie.pattern.len();
        if states > TARGET_MASK as usize {
            return Err(EngineError::InvalidInput(format!(
                "the skill names make a matcher of {states} states, more than its {TARGET_MASK} limit"
            )));
        }
        let name = |part: &str| format!("{prefix}.{part}");
        let mut root = vec![ROOT; 256];
        for e in trie.first_edge[0] as usize..trie.first_edge[1] as usize {
            root[trie.edge_byte[e] as usize] = trie.edge_target[e];
        }
        let (fail, output) = trie.links();
        let records = (0..=states).flat_map(|s| {
            let get = |v: &Vec<u32>| v.get(s).copied().unwrap_or(NONE);
            [trie.first_edge[s], get(&fail), get(&trie.pattern), get(&output)]
        });
        let edges = trie.edge_byte.iter().zip(&trie.edge_target).map(|(&b, &t)| (b as u32) << TARGET_BITS | t);
        w.u32s(&name("root"), root);
        w.u32s(&name("states"), records);
        w.u32s(&name("edges"), edges);
        w.u32s(&name("pattern_len"), patterns.iter().map(|p| p.len() as u32));
        Ok(())
    }

    /// The automaton written under `prefix`.
    pub fn open(snapshot: &Snapshot, prefix: &str) -> Result<Self> {
        let name = |part: &str| format!("{prefix}.{part}");
        let pattern_len = snapshot.u32s(&name("pattern_len"))?;
        let longest = pattern_len.view().iter().max().unwrap_or(0) as usize;
        let automaton = Automaton {
            root: snapshot.u32s(&name("root"))?,
            states: snapshot.u32s(&name("states"))?,
            edges: snapshot.u32s(&name("edges"))?,
            pattern_len,
            longest,
        };
        automaton.check()?;
        Ok(automaton)
    }

    /// Errors unless the arrays have the sizes they must. The values are not checked one
    /// by one (that took 10 ms and paged in the whole file in every backend): an index out
    /// of range in a damaged file is a Rust panic, which the extension reports as an ERROR,
    /// and chains of links are cut at the longest pattern's length (`Arrays::next`).
    fn check(&self) -> Result<()> {
        let (root, states) = (self.root.len(), self.states.len());
        if root == 256 && states % RECORD == 0 && states >= 2 * RECORD {
            Ok(())
        } else {
            Err(EngineError::Io { what: "skill matcher snapshot".into(), reason: "its arrays have the wrong sizes".into() })
        }
    }

    fn arrays(&self) -> Arrays<'_> {
        Arrays {
            longest: self.longest,
            root: self.root.view().as_slice(),
            states: self.states.view().as_slice(),
            edges: self.edges.view().as_slice(),
            pattern_len: self.pattern_len.view().as_slice(),
        }
    }

    /// Calls `found(start, end, pattern)` for every occurrence of every pattern in `haystack`,
    /// overlapping ones included, in order of their end.
    pub fn for_each_match(&self, haystack: &[u8], mut found: impl FnMut(usize, usize, u32)) {
        let a = self.arrays();
        let mut state = ROOT;
        for (at, &byte) in haystack.iter().enumerate() {
            state = a.next(state, byte);
            let mut hit = if a.field(state, PATTERN) != NONE { state } else { a.field(state, OUTPUT) };
            // Output chains are bounded like failure chains (see `Arrays::next`).
            for _ in 0..=a.longest {
                if hit == NONE {
                    break;
                }
                let pattern = a.field(hit, PATTERN);
                let len = a.pattern_len[pattern as usize] as usize;
                found((at + 1).saturating_sub(len), at + 1, pattern);
                hit = a.field(hit, OUTPUT);
            }
        }
    }

    /// The pattern equal to `key`, if there is one.
    pub fn find_exact(&self, key: &[u8]) -> Option<u32> {
        let a = self.arrays();
        let mut state = ROOT;
        for &byte in key {
            state = a.edge(state, byte)?;
        }
        Some(a.field(state, PATTERN)).filter(|&p| p != NONE)
    }

    /// Bytes the automaton's arrays take.
    pub fn bytes(&self) -> usize {
        [&self.root, &self.states, &self.edges, &self.pattern_len].iter().map(|c| c.len() * 4).sum()
    }
}

/// The trie while it is built, as compressed rows.
struct Trie {
    first_edge: Vec<u32>,
    edge_byte: Vec<u8>,
    edge_target: Vec<u32>,
    pattern: Vec<u32>,
}

impl Trie {
    /// Inserts the patterns in sorted order, so each one only extends the path of the one
    /// before it (no edge lookups), then groups the edges by state.
    fn build(patterns: &[&[u8]]) -> Trie {
        let mut order: Vec<usize> = (0..patterns.len()).filter(|&i| !patterns[i].is_empty()).collect();
        order.sort_by_key(|&i| patterns[i]);
        let mut edges: Vec<(u32, u8, u32)> = Vec::new();
        let mut pattern = vec![NONE];
        let mut path = vec![ROOT];
        let mut previous: &[u8] = &[];
        for i in order {
            let p = patterns[i];
            let shared = p.iter().zip(previous).take_while(|(a, b)| a == b).count();
            path.truncate(shared + 1);
            for &byte in &p[shared..] {
                let state = pattern.len() as u32;
                edges.push((*path.last().unwrap_or(&ROOT), byte, state));
                pattern.push(NONE);
                path.push(state);
            }
            let end = path[p.len()] as usize;
            if pattern[end] == NONE {
                pattern[end] = i as u32;
            }
            previous = p;
        }
        // Sorted patterns create each state's children in byte order; a stable sort by
        // state keeps that order within each row.
        edges.sort_by_key(|&(from, _, _)| from);
        Trie::rows(pattern, &edges)
    }

    /// The compressed rows of `edges`, sorted by their source state.
    fn rows(pattern: Vec<u32>, edges: &[(u32, u8, u32)]) -> Trie {
        let mut first_edge = vec![0u32; pattern.len() + 1];
        for &(from, _, _) in edges {
            first_edge[from as usize + 1] += 1;
        }
        for s in 0..pattern.len() {
            first_edge[s + 1] += first_edge[s];
        }
        Trie {
            first_edge,
            edge_byte: edges.iter().map(|e| e.1).collect(),
            edge_target: edges.iter().map(|e| e.2).collect(),
            pattern,
        }
    }

    fn edge(&self, state: u32, byte: u8) -> Option<u32> {
        let row = self.first_edge[state as usize] as usize..self.first_edge[state as usize + 1] as usize;
        let at = self.edge_byte[row.clone()].binary_search(&byte).ok()?;
        Some(self.edge_target[row.start + at])
    }

    /// Failure and output links, breadth first (a state's failure is shallower than it).
    fn links(&self) -> (Vec<u32>, Vec<u32>) {
        let n = self.pattern.len();
        let (mut fail, mut output) = (vec![ROOT; n], vec![NONE; n]);
        let mut queue = VecDeque::from([ROOT]);
        while let Some(s) = queue.pop_front() {
            for e in self.first_edge[s as usize] as usize..self.first_edge[s as usize + 1] as usize {
                let (byte, child) = (self.edge_byte[e], self.edge_target[e]);
                queue.push_back(child);
                if s == ROOT {
                    continue;
                }
                let mut f = fail[s as usize];
                fail[child as usize] = loop {
                    if let Some(next) = self.edge(f, byte) {
                        break next;
                    }
                    if f == ROOT {
                        break ROOT;
                    }
                    f = fail[f as usize];
                };
                let to = fail[child as usize] as usize;
                output[child as usize] = if self.pattern[to] != NONE { to as u32 } else { output[to] };
            }
        }
        (fail, output)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aho_corasick::{AhoCorasick, MatchKind};

    use super::*;
    use crate::rng::Rng;

    fn automaton(patterns: &[&str]) -> Automaton {
        let mut w = SnapshotWriter::new();
        let bytes: Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
        Automaton::write(&mut w, "a", &bytes).unwrap();
        let snapshot = Snapshot::open(Arc::new(w.finish("test", 1)), "test", 1).unwrap();
        Automaton::open(&snapshot, "a").unwrap()
    }

    fn matches(a: &Automaton, text: &str) -> Vec<(usize, usize, u32)> {
        let mut found = Vec::new();
        a.for_each_match(text.as_bytes(), |s, e, p| found.push((s, e, p)));
        found.sort();
        found
    }

    #[test]
    fn reports_every_overlapping_occurrence() {
        let a = automaton(&["he", "she", "his", "hers", "s"]);
        assert_eq!(
            matches(&a, "ushers his"),
            [(1, 2, 4), (1, 4, 1), (2, 4, 0), (2, 6, 3), (5, 6, 4), (7, 10, 2), (9, 10, 4)]
        );
        assert!(matches(&a, "").is_empty() && matches(&a, "xyz").is_empty());
    }

    #[test]
    fn finds_exact_patterns_only() {
        let a = automaton(&["c++", "c", "machine learning"]);
        assert_eq!(a.find_exact(b"c++"), Some(0));
        assert_eq!(a.find_exact(b"c"), Some(1));
        assert_eq!(a.find_exact(b"c+"), None);
        assert_eq!(a.find_exact(b"machine"), None);
        assert_eq!(a.find_exact(b""), None);
    }

    #[test]
    fn empty_and_repeated_patterns_are_never_reported() {
        let a = automaton(&["", "go", "go"]);
        assert_eq!(matches(&a, "go"), [(0, 2, 1)]);
        assert!(automaton(&[]).find_exact(b"x").is_none());
    }

    /// The same matches as the aho-corasick crate's overlapping search, on random patterns
    /// and texts over a small alphabet (so patterns share prefixes and suffixes a lot).
    #[test]
    fn agrees_with_the_aho_corasick_crate() {
        let mut rng = Rng::new(7);
        let word = |rng: &mut Rng, max: usize| -> String {
            let len = 1 + rng.below(max);
            (0..len).map(|_| ['a', 'b', 'c', ' ', 'é'][rng.below(5)]).collect()
        };
        for _ in 0..50 {
            let mut patterns: Vec<String> = (0..1 + rng.below(40)).map(|_| word(&mut rng, 6)).collect();
            patterns.sort();
            patterns.dedup();
            let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let ours = automaton(&refs);
            let theirs = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&refs).unwrap();
            for _ in 0..20 {
                let text = word(&mut rng, 60);
                let mut expected: Vec<(usize, usize, u32)> = theirs
                    .find_overlapping_iter(text.as_str())
                    .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
                    .collect();
                expected.sort();
                assert_eq!(matches(&ours, &text), expected, "patterns {refs:?} text {text:?}");
            }
        }
    }
}
