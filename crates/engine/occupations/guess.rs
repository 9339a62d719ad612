//! An inferred occupation as it is stored and read back: the occupation's name (a
//! `kg_titles.name`, found again by `skills::occupation::title_key`) and the confidence.
//! `resonance.job_occupations.occupations` holds a JSON array of these, most likely first.

use serde::{Deserialize, Serialize};

use super::inference::{Inferred, OccupationIndex};
use crate::error::{EngineError, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupationGuess {
    pub occupation: String,
    pub confidence: f32,
}

/// The guesses of an inference, named by the index's occupation names.
pub fn guesses(index: &OccupationIndex, inferred: &[Inferred]) -> Vec<OccupationGuess> {
    inferred.iter().map(|i| OccupationGuess { occupation: index.name(i.occupation).to_string(), confidence: i.confidence }).collect()
}

/// Reads the array stored for `owner` (e.g. "job <id>"); a malformed one is an error naming
/// the owner and what is wrong (the column is ordinary data and may have been written by hand).
pub fn parse_guesses(json: &str, owner: &str) -> Result<Vec<OccupationGuess>> {
    let guesses: Vec<OccupationGuess> = serde_json::from_str(json).map_err(|e| {
        EngineError::InvalidInput(format!("{owner}: stored occupations are not an array of {{occupation, confidence}}: {e}"))
    })?;
    if let Some(bad) = guesses.iter().find(|g| !(0.0..=1.0).contains(&g.confidence)) {
        return Err(EngineError::InvalidInput(format!(
            "{owner}: stored occupation {:?} has confidence {}, outside [0, 1]",
            bad.occupation, bad.confidence
        )));
    }
    Ok(guesses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_guesses_round_trip_and_bad_ones_are_refused() {
        let g = vec![OccupationGuess { occupation: "Registered Nurses".into(), confidence: 0.75 }];
        assert_eq!(parse_guesses(&serde_json::to_string(&g).unwrap(), "job 1").unwrap(), g);
        assert!(parse_guesses("{}", "job 1").unwrap_err().to_string().contains("job 1: stored occupations are not an array"));
        let err = parse_guesses(r#"[{"occupation": "x", "confidence": 1.5}]"#, "job 2").unwrap_err().to_string();
        assert!(err.contains("job 2: stored occupation \"x\" has confidence 1.5, outside [0, 1]"), "{err}");
        assert!(parse_guesses(r#"[{"occupation": "x", "confidence": 0.5, "extra": 1}]"#, "job 1").is_err());
        assert_eq!(parse_guesses("[]", "job 1").unwrap(), vec![]);
    }
}
