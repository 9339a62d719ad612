//! Occupations held out for evaluation (`../shared/eval/reserved.txt`: O*NET-SOC codes and
//! ESCO URIs). They may appear in the taxonomy tables, but the build keeps them out of
//! every statistic it derives relations from (co-requirement counts, the similarity
//! threshold), so nothing learned from them reaches the graph.

use std::collections::HashSet;
use std::path::Path;

use crate::engine::error::{EngineError, Result};

/// The reserved occupation keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReservedOccupations {
    keys: HashSet<String>,
}

impl ReservedOccupations {
    /// No reserved occupations (for tests, or an explicit `--reserved none`).
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the reserved list: tab-separated `source key title eligible`, `#` comments.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EngineError::InvalidInput(format!("cannot read reserved occupations {}: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses the list's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut keys = HashSet::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(source), Some(key)) = (fields.next(), fields.next()) else {
                return Err(EngineError::InvalidInput(format!("{origin}:{}: expected source<TAB>key", i + 1)));
            };
            if !matches!(source, "onet" | "esco") || key.trim().is_empty() {
                return Err(EngineError::InvalidInput(format!("{origin}:{}: unknown source {source:?} or empty key", i + 1)));
            }
            keys.insert(key.trim().to_string());
        }
        Ok(Self { keys })
    }

    /// True when the O*NET-SOC code or ESCO URI is reserved.
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// Number of reserved occupations.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing is reserved.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_skips_comments() {
        let text = "# header\nonet\t11-1011.00\tChief Executives\tyes\nesco\thttp://data.europa.eu/esco/occupation/x\tanalyst\tyes\n\n";
        let r = ReservedOccupations::parse(text, "reserved.txt").unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.contains("11-1011.00"));
        assert!(!r.contains("11-2021.00"));
    }

    #[test]
    fn rejects_malformed_lines_and_missing_file() {
        let err = ReservedOccupations::parse("onet-only-one-field\n", "r.txt").unwrap_err().to_string();
        assert!(err.contains("r.txt:1"), "{err}");
        let err = ReservedOccupations::parse("isco\t123\tx\tyes\n", "r.txt").unwrap_err().to_string();
        assert!(err.contains("unknown source"), "{err}");
        assert!(ReservedOccupations::read(Path::new("/nonexistent/reserved.txt")).is_err());
        assert!(ReservedOccupations::none().is_empty());
    }
}
