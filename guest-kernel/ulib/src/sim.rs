//! hartlab's simulator-control device, for programs that measure themselves.
//!
//! On hartlab the device lets a guest mark events and record samples in the simulator's
//! statistics, read simulated time in picoseconds, switch the timing model and reset or dump
//! the statistics. Its registers are mapped on first use with
//! `map_device(abi::device::SIM_CONTROL)`; on a machine without it (QEMU) that fails, and
//! then every function here does nothing ([`now_ps`] returns `None`).
//!
//! | offset | access | register |
//! | --- | --- | --- |
//! | `0x00` | store | timing: 1 timed, 0 functional |
//! | `0x10` | store | event: records an event id at the current time |
//! | `0x18` | store | statistics: 1 resets them, 2 dumps them |
//! | `0x20` | load | simulated time in picoseconds |
//! | `0x28` | store | opens a timeline span ([`span_begin`]) |
//! | `0x30` | store | closes a timeline span ([`span_end`]) |
//! | `0x38` | store | marks a point on the timeline ([`trace_event`]) |
//! | `0x100 + 8 * key` | store | sample `key` (0..[`SAMPLE_KEYS`]): records the value |
//!
//! The offsets come from `abi::sim_control`, shared with the kernel and the simulator.

use crate::syscall;
use abi::sim_control::{
    trace, EVENT, NOW_PS, SAMPLE as SAMPLES, SPAN_BEGIN, SPAN_END, STATS, STATS_DUMP, STATS_RESET,
    TIMING, TRACE_EVENT,
};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Number of sample keys.
pub const SAMPLE_KEYS: u64 = abi::sim_control::SAMPLE_KEYS as u64;

/// The registers' address; `NOT_MAPPED` until the first use, `ABSENT` if there is no device.
static BASE: AtomicUsize = AtomicUsize::new(NOT_MAPPED);
const NOT_MAPPED: usize = 0;
const ABSENT: usize = 1;

/// The registers' address, mapping them on first use.
fn base() -> Option<usize> {
    let mut base = BASE.load(Ordering::Acquire);
    if base == NOT_MAPPED {
        let mapped = syscall::map_device(abi::device::SIM_CONTROL).unwrap_or(ABSENT);
        // If another thread got there first, use its mapping (ours stays unused).
        base = match BASE.compare_exchange(NOT_MAPPED, mapped, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => mapped,
            Err(theirs) => theirs,
        };
    }
    (base != ABSENT).then_some(base)
}

fn store(offset: usize, value: u64) {
    if let Some(base) = base() {
        // SAFETY: `base` maps the device's registers, and `offset` is one of them.
        unsafe { ((base + offset) as *mut u64).write_volatile(value) }
    }
}

/// Whether the machine has the device (hartlab: yes, QEMU: no).
pub fn present() -> bool {
    base().is_some()
}

/// Records `value` as a sample for `key`.
///
/// # Panics
/// If `key` is not below [`SAMPLE_KEYS`].
pub fn sample(key: u64, value: u64) {
    assert!(key < SAMPLE_KEYS, "sample key {key} out of range");
    store(SAMPLES + 8 * key as usize, value)
}

/// Records event `id` at the current simulated time.
pub fn event(id: u64) {
    store(EVENT, id)
}

/// Simulated time in picoseconds, or `None` without the device.
pub fn now_ps() -> Option<u64> {
    // SAFETY: as in `store`.
    base().map(|base| unsafe { ((base + NOW_PS) as *const u64).read_volatile() })
}

/// Switches the timing model on (`true`) or to functional mode (`false`).
pub fn set_timed(timed: bool) {
    store(TIMING, timed as u64)
}

/// Resets the simulator's statistics.
pub fn reset_stats() {
    store(STATS, STATS_RESET)
}

/// Makes the simulator dump its statistics.
pub fn dump_stats() {
    store(STATS, STATS_DUMP)
}

/// Opens a span of `kind` (an `abi::sim_control::trace` kind, or a program's own above them)
/// with argument `arg` on this hart's timeline, when the simulator records one
/// (`hartlab run --trace`); it costs what a sample store costs either way.
pub fn span_begin(kind: u16, arg: u64) {
    store(SPAN_BEGIN, trace::value(kind, arg))
}

/// Closes the innermost open span of `kind` on this hart's timeline.
pub fn span_end(kind: u16) {
    store(SPAN_END, trace::value(kind, 0))
}

/// Marks a point of `kind` with argument `arg` on this hart's timeline.
pub fn trace_event(kind: u16, arg: u64) {
    store(TRACE_EVENT, trace::value(kind, arg))
}
