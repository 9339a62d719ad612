//! The process's Rust allocator: mimalloc, with purging of freed memory off.
//!
//! candle allocates a fresh buffer for every tensor op. glibc hands large freed blocks
//! back to the kernel, so the next op page-faults them in again: a 256-token batch spent
//! a third of its time in page faults (README, "Speed facts"). mimalloc keeps them (7.2 -> 15.1
//! texts/s there), and with purging off it never returns them, which keeps a backend's
//! RSS at its peak batch size: the price of the speed.

use std::sync::Once;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v2's `mi_option_e` (include/mimalloc.h), which
/// libmimalloc-sys 0.1.49 builds but does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Turns purging off, once per process; called before the first model load.
/// Measured with encode_bench (2 threads, 256 tokens): 12.2 -> 14.0 texts/s.
pub fn keep_freed_memory() {
    static ONCE: Once = Once::new();
    // SAFETY: mi_option_set only stores an integer option; -1 means "never purge".
    ONCE.call_once(|| unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) });
}
