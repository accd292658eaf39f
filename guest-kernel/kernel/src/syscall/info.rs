//! Information calls: the kernel's per-hart counters.

use super::Args;
use crate::task::current_process;
use crate::{machine, stats};
use abi::{Errno, HartStats};

/// `hart_stats(buf, count)`: the counters of up to `count` harts, in hart-id order.
pub fn hart_stats(args: &Args) -> Result<usize, Errno> {
    let [buf, count, ..] = *args;
    let harts: alloc::vec::Vec<usize> = machine::get().harts().collect();
    let process = current_process();
    let space = process.space.lock();
    for (i, &hart) in harts.iter().take(count).enumerate() {
        let snapshot = stats::snapshot(hart);
        // SAFETY: `HartStats` is plain `repr(C)` integers; viewing it as bytes is sound.
        let bytes = unsafe {
            core::slice::from_raw_parts(
                (&snapshot as *const HartStats).cast::<u8>(),
                size_of::<HartStats>(),
            )
        };
        space.write(buf + i * size_of::<HartStats>(), bytes)?;
    }
    Ok(harts.len())
}

/// `hart_count()`.
pub fn hart_count(_: &Args) -> Result<usize, Errno> {
    Ok(machine::get().hart_count())
}
