//! Batched inference over many texts, shared by the bi-encoder and the cross-encoder.

use super::error::{EngineError, Result};

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

    #[test]
    fn wrong_result_count_is_an_error() {
        let result: Result<Vec<usize>> = map_in_length_batches(&["a", "b"], 2, |_, _| Ok(()), |_| Ok(vec![1]));
        assert!(result.is_err());
    }
}
