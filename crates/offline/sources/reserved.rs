//! The occupations reserved for held-out evaluation (`reserved.txt`): O*NET-SOC codes and
//! ESCO occupation URIs that must never enter training data, negatives or tuning.

use std::collections::HashSet;
use std::path::Path;

use resonance_engine::evaluation::files::read_text;
use resonance_engine::error::{EngineError, Result};

/// The set of reserved occupation keys.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservedOccupations {
    keys: HashSet<String>,
}

impl ReservedOccupations {
    /// Reads `reserved.txt` (`source<TAB>key<TAB>title<TAB>eligible`, `#` comments).
    pub fn load(path: &Path) -> Result<Self> {
        Self::parse(&read_text(path)?, &path.display().to_string())
    }

    /// Parses reserved.txt text; `origin` names the source in error messages. An empty list
    /// is an error: it would silently let every occupation into training.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut keys = HashSet::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let key = line.split('\t').nth(1).map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "{origin} line {}: expected source<TAB>key<TAB>title, got {line:?}",
                    index + 1
                ))
            })?;
            keys.insert(key.to_owned());
        }
        if keys.is_empty() {
            return Err(EngineError::InvalidInput(format!("{origin} lists no reserved occupations")));
        }
        Ok(Self { keys })
    }

    /// Builds the set from keys directly (tests, callers with their own source).
    pub fn from_keys<I: IntoIterator<Item = S>, S: Into<String>>(keys: I) -> Self {
        Self { keys: keys.into_iter().map(Into::into).collect() }
    }

    /// Whether an O*NET-SOC code (`11-1011.00`) or ESCO occupation URI is reserved.
    pub fn contains(&self, code_or_uri: &str) -> bool {
        self.keys.contains(code_or_uri.trim())
    }

    /// Number of reserved occupations.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
