//! Splitting an occupation's alternative titles into an index half (what inference may
//! see) and a held-out half (what measures it). The split hashes the title's normalised key,
//! so a title written two ways, or shared by two occupations, lands in one half only: no
//! held-out title is ever in the index under another spelling or occupation.

use resonance_engine::hash::fnv1a_64;
use resonance_engine::skills::occupation::title_key;

/// Which half a title belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    Index,
    HeldOut,
}

/// Share of titles held out: half, so both the index and the measurement keep enough
/// titles per occupation (ESCO ICT occupations have about 7 alternative labels).
const HELD_OUT_PER_MILLE: u64 = 500;

/// The half of `title`, decided by FNV-1a of its [`title_key`].
pub fn half(title: &str) -> Half {
    if fnv1a_64(title_key(title).as_bytes()) % 1000 < HELD_OUT_PER_MILLE {
        Half::HeldOut
    } else {
        Half::Index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_title_share_a_half() {
        assert_eq!(half("Registered Nurses"), half("registered nurse"));
        assert_eq!(half("Senior Loan Processor"), half("loan processors"));
    }

    #[test]
    fn both_halves_are_used() {
        let titles = ["nurse", "welder", "cook", "baker", "pilot", "driver", "clerk", "teacher", "plumber", "painter"];
        let held = titles.iter().filter(|t| half(t) == Half::HeldOut).count();
        assert!(held > 0 && held < titles.len(), "{held}");
    }
}
