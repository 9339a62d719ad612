//! The skill graph as link prediction sees it: undirected skill pairs, each carrying the
//! directed messages its relation rows send, and the message graph a forward pass runs over.
//!
//! The pair is the unit of the train/test split, so a held-out pair takes all of its relation
//! rows (both directions, every relation) out of message passing: nothing about it leaks.

use candle_core::{Device, Tensor};

use super::input::{Relation, RelationEdge};
use resonance_engine::error::{EngineError, Result};

/// Two skill rows, the smaller first.
pub type NodePair = (u32, u32);

/// What a message is; each kind gets its own learned attention bias per head, so the model
/// can weigh "Django requires me" differently from "I require Python".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// A skill's own features (the self-loop every node gets).
    SelfLoop = 0,
    /// Along a RELATED_TO row, either way.
    Related = 1,
    /// From a specialised skill to the skill it requires.
    Requires = 2,
    /// From a required skill to a skill that requires it.
    RequiredBy = 3,
    /// From a component to the whole.
    PartOf = 4,
    /// From the whole to a component.
    HasPart = 5,
}

/// Number of `MessageKind`s.
pub const MESSAGE_KINDS: usize = 6;

/// Relation weights below this are treated as this when taken as an attention prior
/// (ln 0.01 = -4.6), so a weight-0 row still has a finite logit.
const MIN_PRIOR_WEIGHT: f32 = 0.01;

/// One directed message from `source` to `target`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message {
    pub source: u32,
    pub target: u32,
    pub kind: MessageKind,
    pub weight: f32,
}

/// The graph's undirected pairs, sorted, each with the messages its relation rows send.
#[derive(Debug, Clone)]
pub struct SkillLinks {
    node_count: usize,
    pairs: Vec<NodePair>,
    /// Messages of pair i are `messages[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<usize>,
    messages: Vec<Message>,
}

impl SkillLinks {
    /// Groups `edges` by unordered pair; a directed message repeated by several rows (a
    /// RELATED_TO row stored both ways) is kept once, with its largest weight.
    pub fn new(node_count: usize, edges: &[RelationEdge]) -> Result<Self> {
        let mut keyed: Vec<(NodePair, Message)> = Vec::with_capacity(edges.len() * 2);
        for edge in edges {
            if edge.source as usize >= node_count || edge.target as usize >= node_count {
                return Err(EngineError::InvalidInput(format!(
                    "edge {} -> {} names a skill outside 0..{node_count}",
                    edge.source, edge.target
                )));
            }
            if edge.source == edge.target {
                return Err(EngineError::InvalidInput(format!("edge {0} -> {0} is a self-loop", edge.source)));
            }
            let pair = (edge.source.min(edge.target), edge.source.max(edge.target));
            for message in messages_of(edge) {
                keyed.push((pair, message));
            }
        }
        keyed.sort_by_key(|(pair, m)| (*pair, m.source, m.target, m.kind));
        // Sorted, so repeats of one message are adjacent: keep the first with the largest weight.
        keyed.dedup_by(|later, kept| {
            let repeat = later.0 == kept.0 && same_message(&later.1, &kept.1);
            if repeat {
                kept.1.weight = kept.1.weight.max(later.1.weight);
            }
            repeat
        });
        let mut pairs: Vec<NodePair> = Vec::new();
        let mut offsets = Vec::new();
        for (position, (pair, _)) in keyed.iter().enumerate() {
            if pairs.last() != Some(pair) {
                pairs.push(*pair);
                offsets.push(position);
            }
        }
        offsets.push(keyed.len());
        let messages = keyed.into_iter().map(|(_, message)| message).collect();
        Ok(Self { node_count, pairs, offsets, messages })
    }

    /// Number of skills.
    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// The undirected pairs, sorted.
    pub fn pairs(&self) -> &[NodePair] {
        &self.pairs
    }

    /// The messages pair `index` sends.
    pub fn messages_of(&self, index: usize) -> &[Message] {
        &self.messages[self.offsets[index]..self.offsets[index + 1]]
    }

    /// The message graph over the pairs `include` marks (one flag per pair), plus a
    /// self-loop on every skill.
    pub fn message_graph(&self, include: &[bool], device: &Device) -> Result<MessageGraph> {
        if include.len() != self.pairs.len() {
            return Err(EngineError::InvalidInput(format!(
                "{} inclusion flags for {} pairs",
                include.len(),
                self.pairs.len()
            )));
        }
        let mut messages: Vec<Message> = (0..self.node_count as u32)
            .map(|node| Message { source: node, target: node, kind: MessageKind::SelfLoop, weight: 1.0 })
            .collect();
        for (index, _) in include.iter().enumerate().filter(|(_, &keep)| keep) {
            messages.extend_from_slice(self.messages_of(index));
        }
        MessageGraph::new(self.node_count, &messages, device)
    }

    /// For each of `pairs`, how many neighbours its two skills share in the graph of the
    /// pairs `include` marks: the classic graph-only link predictor, reported beside the
    /// GNN so a reader can tell how much of its gain plain graph structure already gives.
    pub fn common_neighbour_counts(&self, include: &[bool], pairs: &[NodePair]) -> Vec<f32> {
        let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); self.node_count];
        for (&(a, b), _) in self.pairs.iter().zip(include).filter(|(_, &keep)| keep) {
            neighbours[a as usize].push(b);
            neighbours[b as usize].push(a);
        }
        // Pairs are sorted, but pushes interleave; sort once for the merge below.
        neighbours.iter_mut().for_each(|n| n.sort_unstable());
        pairs
            .iter()
            .map(|&(a, b)| sorted_intersection_size(&neighbours[a as usize], &neighbours[b as usize]) as f32)
            .collect()
    }

    /// The message graph over every pair.
    pub fn full_message_graph(&self, device: &Device) -> Result<MessageGraph> {
        self.message_graph(&vec![true; self.pairs.len()], device)
    }
}

/// Number of values two sorted lists share.
fn sorted_intersection_size(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    count
}

/// Whether two messages differ at most in weight.
fn same_message(a: &Message, b: &Message) -> bool {
    a.source == b.source && a.target == b.target && a.kind == b.kind
}

/// The two directed messages one relation row sends.
fn messages_of(edge: &RelationEdge) -> [Message; 2] {
    let (forward, backward) = match edge.relation {
        Relation::RelatedTo => (MessageKind::Related, MessageKind::Related),
        Relation::Requires => (MessageKind::Requires, MessageKind::RequiredBy),
        Relation::PartOf => (MessageKind::PartOf, MessageKind::HasPart),
    };
    [
        Message { source: edge.source, target: edge.target, kind: forward, weight: edge.weight },
        Message { source: edge.target, target: edge.source, kind: backward, weight: edge.weight },
    ]
}

/// Directed messages as tensors for one forward pass.
#[derive(Debug, Clone)]
pub struct MessageGraph {
    node_count: usize,
    /// u32, (E,): the sending skill of each message.
    pub sources: Tensor,
    /// u32, (E,): the receiving skill.
    pub targets: Tensor,
    /// u32, (E,): `MessageKind` as an index.
    pub kinds: Tensor,
    /// f32, (E, 1): ln of the relation weight, the attention prior.
    pub log_weights: Tensor,
    /// The receiving skills on the host, for the per-target maximum of the softmax.
    target_rows: Vec<u32>,
}

impl MessageGraph {
    /// Tensors for `messages` over `node_count` skills.
    pub fn new(node_count: usize, messages: &[Message], device: &Device) -> Result<Self> {
        if let Some(bad) = messages.iter().find(|m| m.source as usize >= node_count || m.target as usize >= node_count)
        {
            return Err(EngineError::InvalidInput(format!(
                "message {} -> {} names a skill outside 0..{node_count}",
                bad.source, bad.target
            )));
        }
        let count = messages.len();
        let sources: Vec<u32> = messages.iter().map(|m| m.source).collect();
        let target_rows: Vec<u32> = messages.iter().map(|m| m.target).collect();
        let kinds: Vec<u32> = messages.iter().map(|m| m.kind as u32).collect();
        let log_weights: Vec<f32> = messages.iter().map(|m| m.weight.max(MIN_PRIOR_WEIGHT).ln()).collect();
        Ok(Self {
            node_count,
            sources: Tensor::from_vec(sources, count, device)?,
            targets: Tensor::from_vec(target_rows.clone(), count, device)?,
            kinds: Tensor::from_vec(kinds, count, device)?,
            log_weights: Tensor::from_vec(log_weights, (count, 1), device)?,
            target_rows,
        })
    }

    /// Number of skills.
    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Number of messages, self-loops included.
    pub fn message_count(&self) -> usize {
        self.target_rows.len()
    }

    /// The receiving skill of each message.
    pub fn target_rows(&self) -> &[u32] {
        &self.target_rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(source: u32, target: u32, relation: Relation, weight: f32) -> RelationEdge {
        RelationEdge { source, target, relation, weight }
    }

    #[test]
    fn groups_rows_into_pairs_and_deduplicates_messages() {
        let edges = [
            edge(1, 0, Relation::RelatedTo, 0.5),
            edge(0, 1, Relation::RelatedTo, 0.8),
            edge(2, 1, Relation::Requires, 1.0),
        ];
        let links = SkillLinks::new(3, &edges).unwrap();
        assert_eq!(links.pairs(), &[(0, 1), (1, 2)]);
        // RELATED_TO both ways collapses to two messages with the larger weight.
        let first = links.messages_of(0);
        assert_eq!(first.len(), 2);
        assert!(first.iter().all(|m| m.kind == MessageKind::Related && m.weight == 0.8));
        let second = links.messages_of(1);
        assert!(second.contains(&Message { source: 2, target: 1, kind: MessageKind::Requires, weight: 1.0 }));
        assert!(second.contains(&Message { source: 1, target: 2, kind: MessageKind::RequiredBy, weight: 1.0 }));
    }

    #[test]
    fn message_graph_leaves_out_excluded_pairs_but_keeps_self_loops() {
        let links =
            SkillLinks::new(3, &[edge(0, 1, Relation::RelatedTo, 1.0), edge(1, 2, Relation::PartOf, 1.0)]).unwrap();
        let graph = links.message_graph(&[false, true], &Device::Cpu).unwrap();
        assert_eq!(graph.message_count(), 3 + 2);
        let sources = graph.sources.to_vec1::<u32>().unwrap();
        let targets = graph.target_rows();
        for (s, t) in sources.iter().zip(targets) {
            assert!(!((*s, *t) == (0, 1) || (*s, *t) == (1, 0)), "excluded pair sent a message");
        }
        assert!(links.message_graph(&[true], &Device::Cpu).is_err());
    }

    #[test]
    fn counts_common_neighbours_in_the_included_graph_only() {
        // 0-1, 0-2, 1-3, 2-3 (a square) plus 0-3 excluded.
        let edges: Vec<RelationEdge> = [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]
            .iter()
            .map(|&(s, t)| edge(s, t, Relation::RelatedTo, 1.0))
            .collect();
        let links = SkillLinks::new(4, &edges).unwrap();
        let include: Vec<bool> = links.pairs().iter().map(|&p| p != (0, 3)).collect();
        assert_eq!(links.common_neighbour_counts(&include, &[(0, 3), (1, 2), (0, 1)]), vec![2.0, 2.0, 0.0]);
        let all = vec![true; links.pairs().len()];
        assert_eq!(links.common_neighbour_counts(&all, &[(0, 1)]), vec![1.0]);
    }

    #[test]
    fn rejects_out_of_range_and_self_edges() {
        assert!(SkillLinks::new(2, &[edge(0, 2, Relation::RelatedTo, 1.0)]).is_err());
        assert!(SkillLinks::new(2, &[edge(1, 1, Relation::RelatedTo, 1.0)]).is_err());
        let empty = SkillLinks::new(2, &[]).unwrap();
        assert_eq!(empty.full_message_graph(&Device::Cpu).unwrap().message_count(), 2);
    }
}
