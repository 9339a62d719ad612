//! Batched inference over many texts, shared by the bi-encoder and the cross-encoder:
//! texts grouped into batches by length, and a batch's forward pass run in slices small
//! enough that a cancel is noticed promptly.

use candle_core::Tensor;

use super::error::{EngineError, Result};
use super::tokenization::TokenBatch;

/// Tokens (padding included) one slice of a forward pass holds per matmul thread
/// (RAYON_NUM_THREADS, which `resonance.threads` sets). The forward pass asks its
/// `Interrupt` before each half of each layer of each slice, so half a layer of one slice
/// is the longest a cancel waits. Measured with batches of 32 texts of 256 tokens on this
/// 2-core VM (best of 5, interleaved): with 1 thread, slices of 1,024 tokens encode as fast
/// as whole batches (10.2 against 9.5 texts/s) and wait at most 47-66 ms, where whole
/// batches wait 350-420 ms; with 2 threads, 2,048-token slices keep the speed (16.5
/// against 16.4) while 1,024-token ones lose 8 % (more, smaller matmuls, each paying the
/// threads' start-up).
pub const SLICE_TOKENS_PER_THREAD: usize = 1024;

/// The slice size for the matmul threads in use (`SLICE_TOKENS_PER_THREAD`).
pub fn slice_tokens() -> usize {
    SLICE_TOKENS_PER_THREAD * candle_core::utils::get_num_threads().max(1)
}

/// Runs `forward` over the rows of `batch` in consecutive slices of at most `max_tokens`
/// tokens each, padding included (one row at least, however long), and stacks the results
/// along the first dimension, so one result row per batch row comes back in order.
pub fn forward_in_slices<F>(batch: &TokenBatch, max_tokens: usize, mut forward: F) -> Result<Tensor>
where
    F: FnMut(&TokenBatch) -> Result<Tensor>,
{
    let mut outputs = Vec::new();
    let mut start = 0;
    while start < batch.lengths.len() {
        let mut end = start + 1;
        let mut width = batch.lengths[start];
        while end < batch.lengths.len() && (end + 1 - start) * width.max(batch.lengths[end]) <= max_tokens {
            width = width.max(batch.lengths[end]);
            end += 1;
        }
        outputs.push(forward(&batch.rows(start..end)?)?);
        start = end;
    }
    Ok(Tensor::cat(&outputs, 0)?)
}

/// Runs `batch` over `items` in chunks of `batch_size`, grouped by byte length so a chunk
/// pads little, and returns one result per item in input order. `between_batches`
/// (done, total) runs before each chunk and may stop the work by returning an error.
/// Byte length is a cheap stand-in for token count; exact counts would tokenise twice.
pub fn map_in_length_batches<T, R, F, B>(
    items: &[T],
    batch_size: usize,
    mut between_batches: F,
    mut batch: B,
) -> Result<Vec<R>>
where
    T: AsRef<str> + Copy,
    R: Clone + Default,
    F: FnMut(usize, usize) -> Result<()>,
    B: FnMut(&[T]) -> Result<Vec<R>>,
{
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items[i].as_ref().len());
    let mut out = vec![R::default(); items.len()];
    let mut done = 0;
    for chunk in order.chunks(batch_size.max(1)) {
        between_batches(done, items.len())?;
        let chunk_items: Vec<T> = chunk.iter().map(|&i| items[i]).collect();
        let results = batch(&chunk_items)?;
        if results.len() != chunk.len() {
            return Err(EngineError::InvalidInput(format!("{} results for {} inputs", results.len(), chunk.len())));
        }
        for (&i, result) in chunk.iter().zip(results) {
            out[i] = result;
        }
        done += chunk.len();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_batches_come_back_in_input_order() {
        let items = ["ccc", "a", "bb", "dddd", ""];
        let lengths =
            map_in_length_batches(&items, 2, |_, _| Ok(()), |chunk| Ok(chunk.iter().map(|s| s.len()).collect()))
                .unwrap();
        assert_eq!(lengths, vec![3, 1, 2, 4, 0]);
    }

    #[test]
    fn length_batches_report_progress_and_can_stop() {
        let items = ["a", "b", "c"];
        let mut seen = Vec::new();
        let result: Result<Vec<usize>> = map_in_length_batches(
            &items,
            1,
            |done, total| {
                seen.push((done, total));
                if done == 2 {
                    Err(EngineError::Canceled)
                } else {
                    Ok(())
                }
            },
            |chunk| Ok(vec![0; chunk.len()]),
        );
        assert!(matches!(result, Err(EngineError::Canceled)));
        assert_eq!(seen, vec![(0, 3), (1, 3), (2, 3)]);
    }

    /// A padded batch whose row i holds the token id i, with these real lengths.
    fn padded_batch(lengths: &[usize]) -> TokenBatch {
        use candle_core::Device;
        let width = lengths.iter().copied().max().unwrap();
        let (mut ids, mut mask) = (Vec::new(), Vec::new());
        for (row, &len) in lengths.iter().enumerate() {
            ids.extend((0..width).map(|c| if c < len { row as u32 } else { 0 }));
            mask.extend((0..width).map(|c| if c < len { 1f32 } else { 0. }));
        }
        let shape = (lengths.len(), width);
        TokenBatch {
            input_ids: Tensor::from_vec(ids.clone(), shape, &Device::Cpu).unwrap(),
            token_type_ids: Tensor::from_vec(vec![0u32; ids.len()], shape, &Device::Cpu).unwrap(),
            attention_mask: Tensor::from_vec(mask, shape, &Device::Cpu).unwrap(),
            lengths: lengths.to_vec(),
        }
    }

    #[test]
    fn slices_hold_at_most_max_tokens_without_spare_padding_and_stack_in_order() {
        let batch = padded_batch(&[3, 3, 5, 2, 8, 12]);
        let mut seen = Vec::new();
        let first_ids = forward_in_slices(&batch, 10, |slice| {
            seen.push(slice.input_ids.dims().to_vec());
            slice.input_ids.narrow(1, 0, 1)?.squeeze(1).map_err(Into::into)
        })
        .unwrap();
        // 2 rows of width 3; 2 of width 5; then 8 alone, and 12 alone although over the limit.
        assert_eq!(seen, vec![vec![2, 3], vec![2, 5], vec![1, 8], vec![1, 12]]);
        assert_eq!(first_ids.to_vec1::<u32>().unwrap(), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn wrong_result_count_is_an_error() {
        let result: Result<Vec<usize>> = map_in_length_batches(&["a", "b"], 2, |_, _| Ok(()), |_| Ok(vec![1]));
        assert!(result.is_err());
    }
}
