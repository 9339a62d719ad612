//! Locating and opening the files of a Hugging Face model directory
//! (`config.json`, `tokenizer.json`, `model.safetensors`), with errors that name the file.

use std::path::{Path, PathBuf};

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device};
use candle_nn::VarBuilder;

use super::bert::BertConfig;
use super::error::{EngineError, Result};

/// Directory name of the base bi-encoder under `resonance.model_dir`.
pub const BASE_BI_ENCODER: &str = "all-minilm-l6-v2";

/// The three files of one model directory.
pub struct ModelFiles {
    pub dir: PathBuf,
}

impl ModelFiles {
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(EngineError::MissingModelFile { path: dir });
        }
        Ok(Self { dir })
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }
    pub fn tokenizer_path(&self) -> PathBuf {
        self.dir.join("tokenizer.json")
    }
    pub fn weights_path(&self) -> PathBuf {
        self.dir.join("model.safetensors")
    }

    pub fn config(&self) -> Result<BertConfig> {
        let path = self.config_path();
        let text = read(&path)?;
        serde_json::from_slice(&text).map_err(|e| EngineError::CorruptModelFile { path, reason: e.to_string() })
    }

    /// Weights as f32, memory-mapped, for a model's `load`.
    pub fn weights(&self) -> Result<VarBuilder<'static>> {
        Ok(VarBuilder::from_backend(Box::new(self.weight_tensors()?), DType::F32, Device::Cpu))
    }

    /// The memory-mapped weight file itself, to list or combine its tensors. The header is
    /// validated here so that a truncated or foreign file is an error now, not a crash later.
    pub fn weight_tensors(&self) -> Result<MmapedSafetensors> {
        let path = self.weights_path();
        if !path.exists() {
            return Err(EngineError::MissingModelFile { path });
        }
        // SAFETY: the file is mapped read-only; the only hazard is another process truncating
        // it while mapped, the same contract as any mmap-based loader. model_dir is a
        // superuser-only setting, so only an administrator chooses which file this is.
        unsafe { MmapedSafetensors::new(&path) }
            .map_err(|e| EngineError::CorruptModelFile { path, reason: e.to_string() })
    }
}

/// `relative` (a path from a resonance.ml_models row: artifact_path, config.base, ...)
/// resolved inside `model_dir`. ml_models is an ordinary table, and whoever may write it
/// must not make a backend open files the superuser-only resonance.model_dir does not
/// hold: absolute paths and `..` are refused, and an existing path is canonicalised, so a
/// symlink leading out of `model_dir` is refused too. `what` names the field in the error.
pub fn path_inside_model_dir(model_dir: &Path, relative: &str, what: &str) -> Result<PathBuf> {
    let outside = || {
        EngineError::InvalidInput(format!(
            "{what} {relative:?} must be a relative path inside resonance.model_dir ({})",
            model_dir.display()
        ))
    };
    let path = Path::new(relative);
    let plain = !relative.is_empty() && path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if !plain {
        return Err(outside());
    }
    let joined = model_dir.join(path);
    // A path that does not exist yet cannot lead anywhere; opening it reports it missing.
    let (Ok(real), Ok(root)) = (joined.canonicalize(), model_dir.canonicalize()) else { return Ok(joined) };
    if real.starts_with(&root) {
        Ok(joined)
    } else {
        Err(outside())
    }
}

/// The bytes of `path`; a missing file and an unreadable one are different errors.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::MissingModelFile { path: path.to_path_buf() },
        _ => EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_dir() -> (PathBuf, PathBuf) {
        let base = std::env::temp_dir().join(format!("resonance-model-dir-{}", std::process::id()));
        let dir = base.join("models");
        std::fs::create_dir_all(dir.join("good")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        (base, dir)
    }

    #[test]
    fn a_path_inside_model_dir_is_kept() {
        let (_, dir) = model_dir();
        assert_eq!(path_inside_model_dir(&dir, "good", "artifact_path").unwrap(), dir.join("good"));
        // Not there yet: allowed here, reported missing when opened.
        assert_eq!(path_inside_model_dir(&dir, "later/model", "base").unwrap(), dir.join("later/model"));
    }

    #[test]
    fn parent_absolute_and_empty_paths_are_refused() {
        let (_, dir) = model_dir();
        for bad in ["../outside", "good/../../outside", "/tmp", "/etc/passwd", "", "./good"] {
            let err = path_inside_model_dir(&dir, bad, "config.base").unwrap_err();
            assert!(matches!(err, EngineError::InvalidInput(_)), "{bad:?} accepted");
            assert!(err.to_string().contains("config.base"), "{err}");
        }
    }

    #[test]
    fn a_symlink_out_of_model_dir_is_refused() {
        let (base, dir) = model_dir();
        let link = dir.join("escape");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(base.join("outside"), &link).unwrap();
        assert!(path_inside_model_dir(&dir, "escape", "artifact_path").is_err());
        let inner = dir.join("alias");
        let _ = std::fs::remove_file(&inner);
        std::os::unix::fs::symlink(dir.join("good"), &inner).unwrap();
        assert!(path_inside_model_dir(&dir, "alias", "artifact_path").is_ok());
    }
}
