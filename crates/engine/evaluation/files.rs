//! Reading the benchmark's text files, with errors that name the file and line.
//! The TSV rules are metrics.py's, shared by the judgement and run readers.

use std::path::Path;

use crate::error::{EngineError, Result};

/// The whole of a UTF-8 text file.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| EngineError::InvalidInput(format!("cannot read {}: {e}", path.display())))
}

/// One data line of a three-column TSV file: its 1-based line number and its fields.
pub struct TsvRecord<'a> {
    pub line_number: usize,
    pub fields: Vec<&'a str>,
}

/// The data lines of a metrics.py-style TSV: empty lines and lines starting with `#` are
/// skipped, a line with fewer than three tab-separated fields is an error naming `origin`.
pub fn tsv_records<'a>(text: &'a str, origin: &str) -> Result<Vec<TsvRecord<'a>>> {
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 3 {
            return Err(EngineError::InvalidInput(format!(
                "{origin} line {}: expected three tab-separated fields, got {line:?}",
                index + 1
            )));
        }
        records.push(TsvRecord { line_number: index + 1, fields });
    }
    Ok(records)
}
