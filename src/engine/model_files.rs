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

/// The bytes of `path`; a missing file and an unreadable one are different errors.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::MissingModelFile { path: path.to_path_buf() },
        _ => EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() },
    })
}
