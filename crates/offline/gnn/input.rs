//! The program's input and output files, in the text format psql's `\copy` reads and writes:
//! `nodes.tsv` (id, name, embedding as a pgvector literal), `edges.tsv` (source id, target id,
//! relation, weight), and the enriched embeddings (id, pgvector literal).

use std::collections::HashMap;

use resonance_engine::error::{EngineError, Result};

use crate::copy_text;
pub use resonance_engine::skills::Relation;

/// The skills, each with a unit-length input embedding, in file order.
#[derive(Debug, Clone)]
pub struct SkillNodes {
    ids: Vec<String>,
    names: Vec<String>,
    dim: usize,
    /// Row-major, `ids.len() * dim`.
    embeddings: Vec<f32>,
    row_of: HashMap<String, usize>,
}

impl SkillNodes {
    /// Checks that every embedding has the same non-zero length, is finite and not all zero,
    /// that ids are unique, and L2-normalises the embeddings.
    pub fn new(ids: Vec<String>, names: Vec<String>, embeddings: Vec<Vec<f32>>) -> Result<Self> {
        if ids.is_empty() {
            return Err(EngineError::InvalidInput("no skills given".into()));
        }
        if ids.len() != names.len() || ids.len() != embeddings.len() {
            return Err(EngineError::InvalidInput(format!(
                "{} ids, {} names and {} embeddings: one of each per skill",
                ids.len(),
                names.len(),
                embeddings.len()
            )));
        }
        let dim = embeddings[0].len();
        let mut flat = Vec::with_capacity(ids.len() * dim);
        let mut row_of = HashMap::with_capacity(ids.len());
        for (row, (id, embedding)) in ids.iter().zip(&embeddings).enumerate() {
            if id.is_empty() {
                return Err(EngineError::InvalidInput(format!("skill {} has an empty id", row + 1)));
            }
            if row_of.insert(id.clone(), row).is_some() {
                return Err(EngineError::InvalidInput(format!("skill id {id} appears twice")));
            }
            flat.extend(unit_vector(id, embedding, dim)?);
        }
        Ok(Self { ids, names, dim, embeddings: flat, row_of })
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Always false: construction refuses an empty set.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Embedding length.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The id of skill `row`.
    pub fn id(&self, row: usize) -> &str {
        &self.ids[row]
    }

    /// The name of skill `row`.
    pub fn name(&self, row: usize) -> &str {
        &self.names[row]
    }

    /// The unit-length input embedding of skill `row`.
    pub fn embedding(&self, row: usize) -> &[f32] {
        &self.embeddings[row * self.dim..(row + 1) * self.dim]
    }

    /// All embeddings, row-major.
    pub fn embeddings(&self) -> &[f32] {
        &self.embeddings
    }

    /// The row of the skill with id `id`, if present.
    pub fn row_of(&self, id: &str) -> Option<usize> {
        self.row_of.get(id).copied()
    }
}

/// `embedding` scaled to unit length, after checking it is usable.
fn unit_vector(id: &str, embedding: &[f32], dim: usize) -> Result<Vec<f32>> {
    if embedding.len() != dim || dim == 0 {
        return Err(EngineError::InvalidInput(format!(
            "skill {id} has a {}-dimensional embedding, the first skill's has {dim}",
            embedding.len()
        )));
    }
    if embedding.iter().any(|v| !v.is_finite()) {
        return Err(EngineError::InvalidInput(format!("skill {id} has a NaN or infinite embedding value")));
    }
    let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm == 0.0 {
        return Err(EngineError::InvalidInput(format!("skill {id} has an all-zero embedding")));
    }
    Ok(embedding.iter().map(|v| v / norm).collect())
}

/// One row of `edges.tsv`, with ids resolved to rows of `SkillNodes`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelationEdge {
    pub source: u32,
    pub target: u32,
    pub relation: Relation,
    /// In [0, 1] as the table requires.
    pub weight: f32,
}

/// The edges read from `edges.tsv`, and how many rows were left out and why.
#[derive(Debug, Clone, Default)]
pub struct ParsedEdges {
    pub edges: Vec<RelationEdge>,
    /// Rows naming a skill absent from `nodes.tsv` (e.g. one without an embedding).
    pub unknown_endpoint: usize,
    /// Rows from a skill to itself (the table forbids them; self-loops are added anyway).
    pub self_edges: usize,
}

/// Parses `nodes.tsv`: `id<TAB>name<TAB>[v1,v2,...]` per line, as psql's `\copy` writes it.
pub fn parse_nodes(text: &str) -> Result<SkillNodes> {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    let mut embeddings = Vec::new();
    for (number, line) in data_lines(text) {
        let fields = split_fields(line, 3, number)?;
        if fields[2] == COPY_NULL {
            return Err(EngineError::InvalidInput(format!(
                "line {number}: skill {} has no embedding (export with WHERE embedding IS NOT NULL)",
                fields[0]
            )));
        }
        let embedding = copy_text::parse_vector_literal(fields[2]).map_err(|e| line_error(number, e))?;
        ids.push(copy_text::unescape(fields[0]));
        names.push(copy_text::unescape(fields[1]));
        embeddings.push(embedding);
    }
    SkillNodes::new(ids, names, embeddings)
}

/// Parses `edges.tsv`: `source_id<TAB>target_id<TAB>relation<TAB>weight` per line. Rows whose
/// endpoints are not in `nodes` are counted and left out, since `nodes.tsv` holds only skills
/// with an embedding; anything malformed is an error naming its line.
pub fn parse_edges(text: &str, nodes: &SkillNodes) -> Result<ParsedEdges> {
    let mut parsed = ParsedEdges::default();
    for (number, line) in data_lines(text) {
        let fields = split_fields(line, 4, number)?;
        let relation = Relation::parse(fields[2]).map_err(|e| line_error(number, e))?;
        let weight: f32 = fields[3]
            .parse()
            .map_err(|_| EngineError::InvalidInput(format!("line {number}: weight {:?} is not a number", fields[3])))?;
        if !(0.0..=1.0).contains(&weight) {
            return Err(EngineError::InvalidInput(format!("line {number}: weight {weight} is outside [0, 1]")));
        }
        let (source, target) = (copy_text::unescape(fields[0]), copy_text::unescape(fields[1]));
        match (nodes.row_of(&source), nodes.row_of(&target)) {
            (Some(s), Some(t)) if s == t => parsed.self_edges += 1,
            (Some(s), Some(t)) => {
                parsed.edges.push(RelationEdge { source: s as u32, target: t as u32, relation, weight })
            }
            _ => parsed.unknown_endpoint += 1,
        }
    }
    Ok(parsed)
}

/// How `\copy` text format writes NULL.
const COPY_NULL: &str = "\\N";

/// Non-empty lines with their 1-based numbers, line endings (LF or CRLF) removed.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| !line.is_empty())
}

/// The `count` tab-separated fields of `line`, or an error naming the line.
fn split_fields(line: &str, count: usize, number: usize) -> Result<Vec<&str>> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != count {
        return Err(EngineError::InvalidInput(format!(
            "line {number}: expected {count} tab-separated fields, found {}",
            fields.len()
        )));
    }
    Ok(fields)
}

/// `error` prefixed with the line it came from.
fn line_error(number: usize, error: EngineError) -> EngineError {
    match error {
        EngineError::InvalidInput(message) => EngineError::InvalidInput(format!("line {number}: {message}")),
        other => other,
    }
}

/// The enriched embeddings as `\copy` text: `id<TAB>[...]` per skill, in `nodes` order.
/// Ids are written back exactly as they were read (uuids need no escaping).
pub fn format_embeddings_tsv(nodes: &SkillNodes, embeddings: &[Vec<f32>]) -> Result<String> {
    if embeddings.len() != nodes.len() {
        return Err(EngineError::InvalidInput(format!("{} embeddings for {} skills", embeddings.len(), nodes.len())));
    }
    let mut out = String::new();
    for (row, embedding) in embeddings.iter().enumerate() {
        out.push_str(&copy_text::escape(nodes.id(row)));
        out.push('\t');
        out.push_str(&copy_text::vector_literal(embedding));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "a\tPython\t[3,4]\nb\tDjango\t[1,0]\r\n\nc\tC\\\\C++\t[0,2]\n";

    #[test]
    fn parses_nodes_and_normalises() {
        let nodes = parse_nodes(NODES).unwrap();
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes.dim(), 2);
        assert_eq!(nodes.embedding(0), &[0.6, 0.8]);
        assert_eq!(nodes.name(2), "C\\C++");
        assert_eq!(nodes.row_of("b"), Some(1));
        assert_eq!(nodes.row_of("z"), None);
    }

    #[test]
    fn rejects_bad_nodes() {
        for (text, needle) in [
            ("", "no skills"),
            ("a\tx\n", "3 tab-separated"),
            ("a\tx\t\\N\n", "no embedding"),
            ("a\tx\t[1,2]\nb\ty\t[1,2,3]\n", "3-dimensional"),
            ("a\tx\t[1,2]\na\ty\t[1,2]\n", "appears twice"),
            ("a\tx\t[0,0]\n", "all-zero"),
            ("a\tx\t1,2\n", "vector literal"),
            ("a\tx\t[1,z]\n", "not a number"),
            ("a\tx\t[]\n", "empty vector"),
            ("a\tx\t[1,NaN]\n", "NaN"),
        ] {
            let err = parse_nodes(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn parses_edges_skipping_unknown_and_self() {
        let nodes = parse_nodes(NODES).unwrap();
        let edges = parse_edges("b\ta\tREQUIRES\t0.9\na\tz\tRELATED_TO\t1\nc\tc\tRELATED_TO\t1\n", &nodes).unwrap();
        assert_eq!(edges.edges, vec![RelationEdge { source: 1, target: 0, relation: Relation::Requires, weight: 0.9 }]);
        assert_eq!((edges.unknown_endpoint, edges.self_edges), (1, 1));
    }

    #[test]
    fn rejects_bad_edges() {
        let nodes = parse_nodes(NODES).unwrap();
        for (text, needle) in [
            ("a\tb\tKNOWS\t1\n", "unknown skill relation"),
            ("a\tb\tRELATED_TO\tmuch\n", "not a number"),
            ("a\tb\tRELATED_TO\t1.5\n", "outside [0, 1]"),
            ("a\tb\tRELATED_TO\n", "4 tab-separated"),
        ] {
            let err = parse_edges(text, &nodes).unwrap_err().to_string();
            assert!(err.contains(needle) && err.contains("line 1"), "{text:?}: {err}");
        }
    }

    #[test]
    fn vector_literal_round_trips() {
        let v = vec![0.1f32, -2.5e-7, 1.0];
        assert_eq!(copy_text::parse_vector_literal(&copy_text::vector_literal(&v)).unwrap(), v);
        let nodes = parse_nodes(NODES).unwrap();
        let tsv = format_embeddings_tsv(&nodes, &[vec![1.0, 0.0], vec![0.0, 1.0], vec![0.5, 0.5]]).unwrap();
        assert_eq!(tsv.lines().next(), Some("a\t[1,0]"));
        assert!(format_embeddings_tsv(&nodes, &[]).is_err());
    }
}
