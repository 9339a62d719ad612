//! The skill graph: relations between skills (`kg_skill_relations`) and the best-first walk
//! that finds the skills related to one skill, or to a set of them.
//!
//! Direction. Each stored edge becomes arcs the walk can follow:
//! * `RELATED_TO` A-B is symmetric: A->B and B->A, both at the edge weight.
//! * `REQUIRES` A->B means A needs B (Django REQUIRES Python): A->B at the edge weight, read
//!   "A REQUIRES B"; and B->A at weight x `reverse_factor`, read "B REQUIRED_BY A". Knowing
//!   Django implies knowing Python; knowing Python only makes Django plausible.
//! * `PART_OF` A->B means A is a part or a narrower case of B (Hooks PART_OF React, Python
//!   PART_OF computer programming): A->B at the weight ("A PART_OF B"), B->A at weight x
//!   `reverse_factor` ("B HAS_PART A"). Again the forward arc is the one that implies.
//!
//! Path weight: the product of the arc weights along the path, times `hop_decay` for every hop
//! after the first. A direct neighbour thus shows exactly its stored weight, and a neighbour of
//! a neighbour over two weight-1 edges (the table's default weight) gets `hop_decay`.
//!
//! Result label: `Related::relation` is the last hop of the best path and `via` the skill before
//! it, so "<via> <relation> <skill>" is always a stored edge read in some direction; a first-hop
//! label would describe an edge that need not touch the result at all.
//!
//! Order: best-first by path weight (the best path within `max_depth` hops), ties by fewer
//! hops, then lower skill id; the walk settles each skill once, so cycles end.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::SkillId;
use crate::error::{EngineError, Result};
use crate::snapshot::{Snapshot, SnapshotWriter};

/// Weight multiplier per hop after the first. 0.5: one extra hop counts like halving the
/// evidence, so a two-hop path over perfect edges (1 x 1 x 0.5) ranks level with a direct
/// edge of weight 0.5, and with the table's default weight 1 every hop still ranks strictly
/// below the one before. A prior, not fitted: no graded relatedness data exists here yet.
pub const DEFAULT_HOP_DECAY: f64 = 0.5;

/// Weight multiplier for walking a `REQUIRES` or `PART_OF` edge backwards. 0.5: the forward
/// direction is an implication (Django => Python), the backward one only a likelihood (a
/// Python developer may know Django); half keeps it a real signal but never above the
/// forward reading of the same edge. A prior, like the decay.
pub const DEFAULT_REVERSE_FACTOR: f64 = 0.5;

/// A relation as stored in `kg_skill_relations.relation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    RelatedTo,
    Requires,
    PartOf,
}

impl Relation {
    /// Parses the stored text ('RELATED_TO', 'REQUIRES', 'PART_OF'; any case).
    pub fn parse(text: &str) -> Result<Self> {
        let known = [Relation::RelatedTo, Relation::Requires, Relation::PartOf];
        known.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(text.trim())).ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "unknown skill relation {text:?}: expected RELATED_TO, REQUIRES or PART_OF"
            ))
        })
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::RelatedTo => "RELATED_TO",
            Relation::Requires => "REQUIRES",
            Relation::PartOf => "PART_OF",
        }
    }
}

/// How the walk got from one skill to the next: a relation read forwards or backwards.
/// Reads as "<via> <LINK> <skill>" ("Python REQUIRED_BY Django").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Link {
    RelatedTo,
    Requires,
    RequiredBy,
    PartOf,
    HasPart,
}

impl Link {
    const ALL: [Link; 5] = [Link::RelatedTo, Link::Requires, Link::RequiredBy, Link::PartOf, Link::HasPart];

    /// The link's name for SQL results.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::RelatedTo => "RELATED_TO",
            Link::Requires => "REQUIRES",
            Link::RequiredBy => "REQUIRED_BY",
            Link::PartOf => "PART_OF",
            Link::HasPart => "HAS_PART",
        }
    }
}

/// One stored edge.
#[derive(Clone, Copy, Debug)]
pub struct SkillEdge {
    pub source: SkillId,
    pub target: SkillId,
    pub relation: Relation,
    /// In [0, 1].
    pub weight: f32,
}

/// The walk's constants; see `DEFAULT_HOP_DECAY` and `DEFAULT_REVERSE_FACTOR`.
#[derive(Clone, Copy, Debug)]
pub struct TraversalParams {
    pub hop_decay: f64,
    pub reverse_factor: f64,
}

impl Default for TraversalParams {
    /// The documented defaults.
    fn default() -> Self {
        TraversalParams { hop_decay: DEFAULT_HOP_DECAY, reverse_factor: DEFAULT_REVERSE_FACTOR }
    }
}

/// A skill found from a start skill.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Related {
    pub skill: SkillId,
    /// The last hop of the best path: "<via> <relation> <skill>".
    pub relation: Link,
    /// The skill before this one on the best path (the start skill at depth 1).
    pub via: SkillId,
    /// Path weight in (0, 1].
    pub weight: f32,
    /// Hops on the best path.
    pub depth: u32,
}

/// A skill found from a set of start skills, with the start its best path came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reached {
    pub skill: SkillId,
    pub origin: SkillId,
    pub via: SkillId,
    pub link: Link,
    pub weight: f64,
    pub depth: u32,
}

/// One directed arc of the walk.
#[derive(Clone, Copy, Debug)]
struct Arc {
    to: u32,
    link: Link,
    /// Edge weight, times the reverse factor for a backward arc.
    weight: f64,
}

/// The skill relations as adjacency lists (compressed rows), ready to walk.
pub struct SkillGraph {
    /// Arcs of skill i are `arcs[first_arc[i]..first_arc[i + 1]]`.
    first_arc: Vec<usize>,
    arcs: Vec<Arc>,
    hop_decay: f64,
}

impl SkillGraph {
    /// Builds the graph over skills `0..skill_count` with the default constants.
    pub fn new(skill_count: usize, edges: &[SkillEdge]) -> Result<Self> {
        Self::with_params(skill_count, edges, TraversalParams::default())
    }

    /// Builds the graph with explicit constants. Errors on ids outside `0..skill_count`, a
    /// weight outside [0, 1], an edge from a skill to itself, or constants outside (0, 1].
    pub fn with_params(skill_count: usize, edges: &[SkillEdge], params: TraversalParams) -> Result<Self> {
        check_params(&params)?;
        if u32::try_from(skill_count).is_err() {
            return Err(EngineError::InvalidInput(format!("{skill_count} skills is more than the graph can index")));
        }
        let mut directed: Vec<(u32, Arc)> = Vec::with_capacity(edges.len() * 2);
        for edge in edges {
            check_edge(edge, skill_count)?;
            for (from, arc) in arcs_of(edge, params.reverse_factor) {
                // A zero weight says "no evidence"; an arc of weight 0 could only add noise.
                if arc.weight > 0.0 {
                    directed.push((from, arc));
                }
            }
        }
        directed.sort_by_key(|(from, arc)| (*from, arc.to, arc.link));
        let mut first_arc = vec![0usize; skill_count + 1];
        for (from, _) in &directed {
            first_arc[*from as usize + 1] += 1;
        }
        for i in 0..skill_count {
            first_arc[i + 1] += first_arc[i];
        }
        let arcs = directed.into_iter().map(|(_, arc)| arc).collect();
        Ok(SkillGraph { first_arc, arcs, hop_decay: params.hop_decay })
    }

    /// Writes the adjacency lists into `w` under `prefix` (`open` reads them back).
    pub fn write(&self, w: &mut SnapshotWriter, prefix: &str) {
        w.u32s(&format!("{prefix}.first_arc"), self.first_arc.iter().map(|&a| a as u32));
        w.u32s(&format!("{prefix}.arc_to"), self.arcs.iter().map(|a| a.to));
        let links: Vec<u8> = self.arcs.iter().map(|a| Link::ALL.iter().position(|&l| l == a.link).unwrap_or(0) as u8).collect();
        w.bytes(&format!("{prefix}.arc_link"), &links);
        w.f64s(&format!("{prefix}.arc_weight"), self.arcs.iter().map(|a| a.weight));
        w.f64s(&format!("{prefix}.hop_decay"), [self.hop_decay]);
    }

    /// The graph written under `prefix`. Copied into this process's memory: the walk reads
    /// arcs in tight loops, and at 16 bytes an arc the full taxonomy's take 3.3 MB.
    pub fn open(snapshot: &Snapshot, prefix: &str) -> Result<Self> {
        let column = |part: &str| format!("{prefix}.{part}");
        let first_arc: Vec<usize> = snapshot.u32s(&column("first_arc"))?.view().iter().map(|a| a as usize).collect();
        let (to, link, weight) =
            (snapshot.u32s(&column("arc_to"))?, snapshot.bytes(&column("arc_link"))?, snapshot.f64s(&column("arc_weight"))?);
        let (to, link, weight) = (to.view(), link.view(), weight.view());
        let fits = first_arc.first() == Some(&0)
            && first_arc.windows(2).all(|w| w[0] <= w[1])
            && first_arc.last() == Some(&to.len())
            && link.len() == to.len()
            && weight.len() == to.len();
        let skill_count = first_arc.len().saturating_sub(1);
        if !fits || to.iter().any(|t| t as usize >= skill_count) {
            return Err(EngineError::Io { what: "skill graph snapshot".into(), reason: "its arcs do not fit its skills".into() });
        }
        let arcs = (0..to.len())
            .map(|i| Arc { to: to.get(i), link: Link::ALL[(link.get(i) as usize).min(Link::ALL.len() - 1)], weight: weight.get(i) })
            .collect();
        let hop_decay = snapshot.f64s(&column("hop_decay"))?.view().iter().next().unwrap_or(DEFAULT_HOP_DECAY);
        Ok(SkillGraph { first_arc, arcs, hop_decay })
    }

    /// Number of skills (valid ids are 0..skill_count).
    pub fn skill_count(&self) -> usize {
        self.first_arc.len() - 1
    }

    /// Up to `max_results` skills related to `skill` within `max_depth` hops, best first;
    /// never `skill` itself. Errors on an id outside the graph.
    pub fn related(&self, skill: SkillId, max_depth: usize, max_results: usize) -> Result<Vec<Related>> {
        let mut found = Vec::new();
        if max_results == 0 {
            self.check_id(skill)?;
            return Ok(found);
        }
        self.walk(&[skill], max_depth, |r| {
            found.push(Related {
                skill: r.skill,
                relation: r.link,
                via: r.via,
                weight: r.weight as f32,
                depth: r.depth,
            });
            found.len() < max_results
        })?;
        Ok(found)
    }

    /// Walks best-first from all of `sources` at once (each at weight 1, depth 0), calling
    /// `visit` once per other skill reached, with its best path within `max_depth` hops, in
    /// order of decreasing weight; stops when `visit` returns false. Sources are never visited.
    pub fn walk(&self, sources: &[SkillId], max_depth: usize, mut visit: impl FnMut(&Reached) -> bool) -> Result<()> {
        for &s in sources {
            self.check_id(s)?;
        }
        // A best path never repeats a skill, so it has fewer hops than there are skills.
        let max_depth = max_depth.min(self.skill_count()) as u32;
        // Fewest hops among the paths already taken out of the queue for each skill. A later
        // path has no more weight, so it only matters if it has fewer hops (it can go further).
        let mut settled_depth = vec![u32::MAX; self.skill_count()];
        let mut queue: BinaryHeap<Label> = sources
            .iter()
            .map(|&s| Label { weight: 1.0, depth: 0, skill: s.0, origin: s.0, via: s.0, link: Link::RelatedTo })
            .collect();
        while let Some(label) = queue.pop() {
            let seen = settled_depth[label.skill as usize];
            if seen <= label.depth {
                continue;
            }
            settled_depth[label.skill as usize] = label.depth;
            if seen == u32::MAX && label.depth > 0 && !visit(&label.reached()) {
                return Ok(());
            }
            if label.depth < max_depth {
                self.push_next(&label, &settled_depth, &mut queue);
            }
        }
        Ok(())
    }

    /// Queues the paths one hop longer than `label`'s that could still matter.
    fn push_next(&self, label: &Label, settled_depth: &[u32], queue: &mut BinaryHeap<Label>) {
        let from = label.skill as usize;
        let decay = if label.depth == 0 { 1.0 } else { self.hop_decay };
        let depth = label.depth + 1;
        for arc in &self.arcs[self.first_arc[from]..self.first_arc[from + 1]] {
            if settled_depth[arc.to as usize] <= depth {
                continue;
            }
            let weight = label.weight * arc.weight * decay;
            queue.push(Label { weight, depth, skill: arc.to, origin: label.origin, via: label.skill, link: arc.link });
        }
    }

    /// The skills one relation away from `skill`, with the weight a one-hop walk gives them
    /// (the strongest arc when two relations join the same pair); nothing for an id outside
    /// the graph.
    pub fn neighbours(&self, skill: SkillId) -> impl Iterator<Item = (SkillId, f64)> + '_ {
        let arcs = match self.first_arc.get(skill.index()..=skill.index() + 1) {
            Some(&[first, end]) => &self.arcs[first..end],
            _ => &[][..],
        };
        // Arcs are sorted by target, so repeats of a target are adjacent.
        arcs.iter().enumerate().filter_map(move |(i, arc)| {
            if arcs.get(i + 1).is_some_and(|next| next.to == arc.to) {
                return None;
            }
            let best = arcs[..=i].iter().rev().take_while(|a| a.to == arc.to).map(|a| a.weight).fold(0.0, f64::max);
            Some((SkillId(arc.to), best))
        })
    }

    /// Errors unless `skill` is in the graph.
    pub fn check_id(&self, skill: SkillId) -> Result<()> {
        if skill.index() < self.skill_count() {
            Ok(())
        } else {
            Err(EngineError::InvalidInput(format!(
                "skill id {} is not in the skill graph ({} skills)",
                skill.0,
                self.skill_count()
            )))
        }
    }
}

/// Errors unless the walk's constants are in (0, 1] (decay) and [0, 1] (reverse factor).
fn check_params(params: &TraversalParams) -> Result<()> {
    if !(params.hop_decay > 0.0 && params.hop_decay <= 1.0) {
        return Err(EngineError::InvalidInput(format!("hop decay {} is outside (0, 1]", params.hop_decay)));
    }
    if !(0.0..=1.0).contains(&params.reverse_factor) {
        return Err(EngineError::InvalidInput(format!("reverse factor {} is outside [0, 1]", params.reverse_factor)));
    }
    Ok(())
}

/// Errors unless `edge` joins two different skills below `skill_count` with a weight in [0, 1].
fn check_edge(edge: &SkillEdge, skill_count: usize) -> Result<()> {
    for id in [edge.source, edge.target] {
        if id.index() >= skill_count {
            return Err(EngineError::InvalidInput(format!(
                "skill relation names skill id {}, but there are only {skill_count} skills",
                id.0
            )));
        }
    }
    if edge.source == edge.target {
        return Err(EngineError::InvalidInput(format!("skill relation from skill id {} to itself", edge.source.0)));
    }
    if !(0.0..=1.0).contains(&edge.weight) {
        return Err(EngineError::InvalidInput(format!(
            "skill relation {} -> {} has weight {}, outside [0, 1]",
            edge.source.0, edge.target.0, edge.weight
        )));
    }
    Ok(())
}

/// The two arcs (source of each, arc) an edge gives the walk; see the module comment.
fn arcs_of(edge: &SkillEdge, reverse_factor: f64) -> [(u32, Arc); 2] {
    let w = edge.weight as f64;
    let (forward, backward, back_weight) = match edge.relation {
        Relation::RelatedTo => (Link::RelatedTo, Link::RelatedTo, w),
        Relation::Requires => (Link::Requires, Link::RequiredBy, w * reverse_factor),
        Relation::PartOf => (Link::PartOf, Link::HasPart, w * reverse_factor),
    };
    let (a, b) = (edge.source.0, edge.target.0);
    [(a, Arc { to: b, link: forward, weight: w }), (b, Arc { to: a, link: backward, weight: back_weight })]
}

/// A path in the walk's queue: its end skill, weight, hops, where it started and its last hop.
#[derive(Clone, Copy, Debug)]
struct Label {
    weight: f64,
    depth: u32,
    skill: u32,
    origin: u32,
    via: u32,
    link: Link,
}

impl Label {
    /// The public view of this path.
    fn reached(&self) -> Reached {
        Reached {
            skill: SkillId(self.skill),
            origin: SkillId(self.origin),
            via: SkillId(self.via),
            link: self.link,
            weight: self.weight,
            depth: self.depth,
        }
    }

    /// The queue's order key: heavier first, then fewer hops, then lower ids (determinism).
    fn key_cmp(&self, other: &Self) -> Ordering {
        self.weight
            .total_cmp(&other.weight)
            .then_with(|| other.depth.cmp(&self.depth))
            .then_with(|| other.skill.cmp(&self.skill))
            .then_with(|| other.origin.cmp(&self.origin))
            .then_with(|| other.via.cmp(&self.via))
            .then_with(|| other.link.cmp(&self.link))
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.key_cmp(other) == Ordering::Equal
    }
}

impl Eq for Label {}

impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Label {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key_cmp(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edge `a -> b`.
    fn edge(a: u32, b: u32, relation: Relation, weight: f32) -> SkillEdge {
        SkillEdge { source: SkillId(a), target: SkillId(b), relation, weight }
    }

    /// `(skill, depth)` of each result, in order.
    fn ids(found: &[Related]) -> Vec<(u32, u32)> {
        found.iter().map(|r| (r.skill.0, r.depth)).collect()
    }

    fn close(a: f32, b: f64) -> bool {
        (a as f64 - b).abs() < 1e-6
    }

    #[test]
    fn cycle_ends_and_never_returns_the_start() {
        use Relation::Requires;
        let g = SkillGraph::new(3, &[edge(0, 1, Requires, 1.0), edge(1, 2, Requires, 1.0), edge(2, 0, Requires, 1.0)])
            .unwrap();
        let found = g.related(SkillId(0), 10, 10).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|r| r.skill != SkillId(0)));
        // 0 -> 1 forward (1.0); 0 -> 2 backwards over "2 REQUIRES 0" (0.5) ties with the two-hop
        // forward path 0 -> 1 -> 2 (1 x 1 x 0.5); fewer hops win the tie.
        assert_eq!(ids(&found), [(1, 1), (2, 1)]);
        assert_eq!(found[1].relation, Link::RequiredBy);
        assert!(close(found[1].weight, 0.5));
    }

    #[test]
    fn decay_orders_by_hops_and_weights() {
        use Relation::RelatedTo;
        let g = SkillGraph::new(
            5,
            &[
                edge(0, 1, RelatedTo, 1.0),
                edge(1, 2, RelatedTo, 1.0),
                edge(0, 3, RelatedTo, 0.6),
                edge(2, 4, RelatedTo, 1.0),
            ],
        )
        .unwrap();
        let found = g.related(SkillId(0), 3, 10).unwrap();
        assert_eq!(ids(&found), [(1, 1), (3, 1), (2, 2), (4, 3)]);
        let weights: Vec<f32> = found.iter().map(|r| r.weight).collect();
        assert!(close(weights[0], 1.0) && close(weights[1], 0.6) && close(weights[2], 0.5) && close(weights[3], 0.25));
        assert_eq!(found[2].via, SkillId(1));
        assert_eq!(found[0].via, SkillId(0));
    }

    #[test]
    fn depth_and_result_limits() {
        use Relation::RelatedTo;
        let chain: Vec<SkillEdge> = (0..5).map(|i| edge(i, i + 1, RelatedTo, 0.9)).collect();
        let g = SkillGraph::new(6, &chain).unwrap();
        assert_eq!(ids(&g.related(SkillId(0), 2, 10).unwrap()), [(1, 1), (2, 2)]);
        assert_eq!(ids(&g.related(SkillId(0), 10, 3).unwrap()), [(1, 1), (2, 2), (3, 3)]);
        assert!(g.related(SkillId(0), 0, 10).unwrap().is_empty());
        assert!(g.related(SkillId(0), 10, 0).unwrap().is_empty());
        assert_eq!(g.related(SkillId(0), usize::MAX, usize::MAX).unwrap().len(), 5);
    }

    #[test]
    fn a_shorter_weaker_path_still_reaches_further() {
        // Without decay: 0-1-2 weighs 0.81 but uses both hops; 0-2 weighs 0.5 and can go on to 3.
        use Relation::RelatedTo;
        let params = TraversalParams { hop_decay: 1.0, reverse_factor: 0.5 };
        let edges = [
            edge(0, 1, RelatedTo, 0.9),
            edge(1, 2, RelatedTo, 0.9),
            edge(0, 2, RelatedTo, 0.5),
            edge(2, 3, RelatedTo, 1.0),
        ];
        let g = SkillGraph::with_params(4, &edges, params).unwrap();
        let found = g.related(SkillId(0), 2, 10).unwrap();
        assert_eq!(ids(&found), [(1, 1), (2, 2), (3, 2)]);
        assert!(close(found[1].weight, 0.81));
        assert!(close(found[2].weight, 0.5));
    }

    #[test]
    fn requires_and_part_of_read_both_ways() {
        // 0 Python, 1 Django, 2 Hooks, 3 React.
        let g = SkillGraph::new(4, &[edge(1, 0, Relation::Requires, 0.9), edge(2, 3, Relation::PartOf, 0.8)]).unwrap();
        let from_django = g.related(SkillId(1), 1, 10).unwrap();
        assert_eq!(from_django[0].relation, Link::Requires);
        assert!(close(from_django[0].weight, 0.9));
        let from_python = g.related(SkillId(0), 1, 10).unwrap();
        assert_eq!((from_python[0].skill, from_python[0].relation), (SkillId(1), Link::RequiredBy));
        assert!(close(from_python[0].weight, 0.45));
        assert_eq!(g.related(SkillId(2), 1, 10).unwrap()[0].relation, Link::PartOf);
        let from_react = g.related(SkillId(3), 1, 10).unwrap();
        assert_eq!(from_react[0].relation, Link::HasPart);
        assert!(close(from_react[0].weight, 0.4));
    }

    #[test]
    fn ties_break_by_lower_id() {
        let edges: Vec<SkillEdge> = [4, 2, 3, 1].iter().map(|&b| edge(0, b, Relation::RelatedTo, 0.7)).collect();
        let g = SkillGraph::new(5, &edges).unwrap();
        assert_eq!(ids(&g.related(SkillId(0), 1, 10).unwrap()), [(1, 1), (2, 1), (3, 1), (4, 1)]);
    }

    #[test]
    fn zero_weights_and_isolated_skills_give_nothing() {
        let g = SkillGraph::new(3, &[edge(0, 1, Relation::RelatedTo, 0.0)]).unwrap();
        assert!(g.related(SkillId(0), 3, 10).unwrap().is_empty());
        assert!(g.related(SkillId(2), 3, 10).unwrap().is_empty());
        let no_reverse = TraversalParams { hop_decay: 0.5, reverse_factor: 0.0 };
        let g = SkillGraph::with_params(2, &[edge(0, 1, Relation::Requires, 1.0)], no_reverse).unwrap();
        assert!(g.related(SkillId(1), 3, 10).unwrap().is_empty());
        assert_eq!(g.related(SkillId(0), 3, 10).unwrap().len(), 1);
    }

    #[test]
    fn walk_from_many_sources_names_the_best_origin() {
        use Relation::RelatedTo;
        let g =
            SkillGraph::new(4, &[edge(0, 3, RelatedTo, 0.4), edge(1, 3, RelatedTo, 0.9), edge(2, 0, RelatedTo, 1.0)])
                .unwrap();
        let mut seen = Vec::new();
        g.walk(&[SkillId(0), SkillId(1)], 2, |r| {
            seen.push((r.skill, r.origin));
            true
        })
        .unwrap();
        assert_eq!(seen, [(SkillId(2), SkillId(0)), (SkillId(3), SkillId(1))]);
    }

    #[test]
    fn neighbours_are_the_one_hop_walk() {
        // Two relations join 0 and 1 (the stronger counts); REQUIRES reads backwards too.
        let edges = [
            edge(0, 1, Relation::RelatedTo, 0.4),
            edge(1, 0, Relation::Requires, 0.9),
            edge(0, 2, Relation::RelatedTo, 0.5),
            edge(2, 3, Relation::RelatedTo, 0.9),
        ];
        let g = SkillGraph::new(5, &edges).unwrap();
        for skill in 0..5 {
            let mut walked = Vec::new();
            g.walk(&[SkillId(skill)], 1, |r| {
                walked.push((r.skill, r.weight));
                true
            })
            .unwrap();
            let mut near: Vec<(SkillId, f64)> = g.neighbours(SkillId(skill)).collect();
            walked.sort_by_key(|x| x.0);
            near.sort_by_key(|x| x.0);
            assert_eq!(near, walked, "skill {skill}");
        }
        assert_eq!(g.neighbours(SkillId(0)).count(), 2);
        assert_eq!(g.neighbours(SkillId(9)).count(), 0, "an id outside the graph has none");
    }

    #[test]
    fn bad_input_is_an_error() {
        use Relation::RelatedTo;
        assert!(SkillGraph::new(2, &[edge(0, 2, RelatedTo, 0.5)]).is_err(), "id out of range");
        assert!(SkillGraph::new(2, &[edge(0, 1, RelatedTo, 1.5)]).is_err(), "weight above 1");
        assert!(SkillGraph::new(2, &[edge(0, 1, RelatedTo, f32::NAN)]).is_err(), "NaN weight");
        assert!(SkillGraph::new(2, &[edge(1, 1, RelatedTo, 0.5)]).is_err(), "self loop");
        let bad = TraversalParams { hop_decay: 0.0, reverse_factor: 0.5 };
        assert!(SkillGraph::with_params(2, &[], bad).is_err());
        let bad = TraversalParams { hop_decay: 0.5, reverse_factor: f64::NAN };
        assert!(SkillGraph::with_params(2, &[], bad).is_err());
        let g = SkillGraph::new(2, &[]).unwrap();
        let err = g.related(SkillId(2), 2, 10).unwrap_err().to_string();
        assert!(err.contains("skill id 2 is not in the skill graph"), "{err}");
        assert!(g.related(SkillId(7), 2, 0).is_err(), "checked even when no result is wanted");
        assert!(SkillGraph::new(0, &[]).unwrap().related(SkillId(0), 1, 1).is_err());
    }

    #[test]
    fn relation_names_parse() {
        assert_eq!(Relation::parse("REQUIRES").unwrap(), Relation::Requires);
        assert_eq!(Relation::parse(" part_of ").unwrap(), Relation::PartOf);
        assert!(Relation::parse("SIMILAR").unwrap_err().to_string().contains("SIMILAR"));
        assert_eq!(Link::RequiredBy.as_str(), "REQUIRED_BY");
    }
}
