//! The threads a process gives model inference.

/// Makes model inference use `n` threads for the matmuls and the fused kernels
/// (RAYON_NUM_THREADS: candle's gemm reads it on every call, rayon when its pool starts) and
/// only the calling thread for candle's element-wise ops (CANDLE_NUM_THREADS = 1, read when
/// candle's element-wise pool starts). That pool's workers and its caller wait on a spinning
/// barrier: with both pools at 2 threads on 2 cores, a profile of encode_bench spent 27 % in
/// the barrier, and on the shared cores one 64-token text took 32-60 ms against 26-47 ms with
/// the element-wise ops on the caller (alternated runs, scripts/bench_onnx.sh's texts).
/// The expensive element-wise work (GELU, softmax) runs in `kernels` on the rayon pool.
pub fn set_inference_threads(n: usize) {
    let n = n.max(1).to_string();
    if std::env::var("RAYON_NUM_THREADS").ok().as_deref() != Some(n.as_str()) {
        std::env::set_var("RAYON_NUM_THREADS", &n);
    }
    std::env::set_var("CANDLE_NUM_THREADS", "1");
}

