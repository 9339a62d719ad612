//! Bi-encoder embeddings kept on disk, so programs that evaluate or train over the same texts
//! embed them once: a fixed list of texts in one safetensors file, or ([`EmbeddingStore`])
//! any texts, keyed by the text, in shards that grow as runs ask for new ones.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};

use resonance_engine::weights::{load_delta, write_failed};
use resonance_engine::bi_encoder::{BiEncoder, DEFAULT_BATCH_SIZE};
use resonance_engine::error::Result;
use resonance_engine::interrupt::Uninterrupted;

/// Embeddings of `texts`, read from `cache` when it holds as many rows, else computed
/// (calling `progress` between batches) and written there.
pub fn cached_embeddings(
    encoder: &BiEncoder,
    texts: &[String],
    cache: &Path,
    progress: impl FnMut(usize, usize) -> Result<()>,
) -> Result<Vec<Vec<f32>>> {
    if let Ok(stored) = load_delta(cache) {
        if let Some(t) = stored.get("embeddings").filter(|t| t.dims().first() == Some(&texts.len())) {
            return Ok(t.to_vec2::<f32>()?);
        }
    }
    let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let rows = encoder.encode(&strs, DEFAULT_BATCH_SIZE, &Uninterrupted, progress)?;
    let tensor = Tensor::new(rows.clone(), &Device::Cpu)?;
    candle_core::safetensors::save(&HashMap::from([("embeddings".to_string(), tensor)]), cache)
        .map_err(|e| write_failed(cache, e))?;
    Ok(rows)
}

/// Bi-encoder embeddings of any texts, keyed by the text, kept in a directory as shards
/// (`shard-NNNNN.safetensors` with the vectors, `shard-NNNNN.jsonl` with the texts, one JSON
/// string a line). Unlike [`cached_embeddings`], the text list may grow or change between
/// runs: only texts never embedded are computed, and a killed run keeps every finished shard.
pub struct EmbeddingStore {
    dir: std::path::PathBuf,
    vectors: HashMap<String, Vec<f32>>,
    shards: usize,
}

/// Texts per shard: about ten seconds of encoding here, so little is lost to a kill.
const SHARD_TEXTS: usize = 2048;

impl EmbeddingStore {
    /// The store in `dir` (created if missing), with every complete shard read.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| write_failed(dir, e))?;
        let mut store = Self { dir: dir.to_path_buf(), vectors: HashMap::new(), shards: 0 };
        while let (Ok(tensors), Ok(texts)) = (load_delta(&store.shard(store.shards, "safetensors")), std::fs::read_to_string(store.shard(store.shards, "jsonl"))) {
            let rows = tensors.get("embeddings").map(|t| t.to_vec2::<f32>()).transpose()?.unwrap_or_default();
            let texts: Vec<String> = texts.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
            if texts.len() != rows.len() {
                break; // a shard cut short: embedded again
            }
            store.vectors.extend(texts.into_iter().zip(rows));
            store.shards += 1;
        }
        Ok(store)
    }

    fn shard(&self, n: usize, extension: &str) -> std::path::PathBuf {
        self.dir.join(format!("shard-{n:05}.{extension}"))
    }

    /// Embeds the texts of `texts` the store lacks, a shard at a time (the texts file is
    /// written last, so a shard without it is ignored); returns how many were embedded.
    pub fn embed_missing(&mut self, encoder: &BiEncoder, texts: &[String], batch: usize) -> Result<usize> {
        let mut missing: Vec<&String> = texts.iter().filter(|t| !self.vectors.contains_key(*t)).collect();
        missing.sort();
        missing.dedup();
        let started = std::time::Instant::now();
        for (done, chunk) in missing.chunks(SHARD_TEXTS).enumerate() {
            let strs: Vec<&str> = chunk.iter().map(|t| t.as_str()).collect();
            let rows = encoder.encode(&strs, batch, &Uninterrupted, |_, _| Ok(()))?;
            let path = self.shard(self.shards, "safetensors");
            let tensor = Tensor::new(rows.clone(), &Device::Cpu)?;
            candle_core::safetensors::save(&HashMap::from([("embeddings".to_string(), tensor)]), &path).map_err(|e| write_failed(&path, e))?;
            let lines: String = chunk.iter().map(|t| format!("{}\n", serde_json::Value::from(t.as_str()))).collect();
            let text_path = self.shard(self.shards, "jsonl");
            std::fs::write(&text_path, lines).map_err(|e| write_failed(&text_path, e))?;
            self.vectors.extend(chunk.iter().map(|t| t.to_string()).zip(rows));
            self.shards += 1;
            let embedded = (done * SHARD_TEXTS + chunk.len()) as f64;
            eprintln!("embedded {embedded}/{} texts, {:.0} texts/s", missing.len(), embedded / started.elapsed().as_secs_f64());
        }
        Ok(missing.len())
    }

    /// The embedding of `text`, if stored.
    pub fn get(&self, text: &str) -> Option<&[f32]> {
        self.vectors.get(text).map(Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }
}
