//! hartlab's simulator-control device (`hartlab,sim-control`; `docs/hardware/sim-control.md`):
//! its register offsets and the values of its trace registers. The simulator's model of the
//! device (`devices::sim_control`), the kernel and `ulib::sim` all take them from here, so
//! the three cannot disagree.

/// TIMING: 1 timed, 0 functional (R/W).
pub const TIMING: usize = 0x00;
/// EVENT: records an event id (W).
pub const EVENT: usize = 0x10;
/// STATS: 1 resets the statistics, 2 dumps them (W).
pub const STATS: usize = 0x18;
/// NOW_PS: the hart's simulated time in picoseconds (R).
pub const NOW_PS: usize = 0x20;
/// SPAN_BEGIN: opens a timeline span named by a [`trace`] value on the storing hart (W).
pub const SPAN_BEGIN: usize = 0x28;
/// SPAN_END: closes the innermost open span of the stored value's kind (W).
pub const SPAN_END: usize = 0x30;
/// TRACE_EVENT: marks a point on the storing hart's timeline, named by a [`trace`]
/// value (W).
pub const TRACE_EVENT: usize = 0x38;
/// Sample register 0; sample `k` is at `SAMPLE + 8 * k`.
pub const SAMPLE: usize = 0x100;
/// Number of sample keys.
pub const SAMPLE_KEYS: usize = 480;
/// STATS value that resets the statistics.
pub const STATS_RESET: u64 = 1;
/// STATS value that dumps the statistics.
pub const STATS_DUMP: u64 = 2;

/// Values of SPAN_BEGIN, SPAN_END and TRACE_EVENT: a kind in bits 63..48 and an
/// argument in bits 47..0. The kinds below are named on the simulator's timeline; others
/// show as `span K` / `event K` with their argument.
pub mod trace {
    /// Where the kind starts.
    pub const KIND_SHIFT: u32 = 48;
    /// The argument's bits.
    pub const ARG_MASK: u64 = (1 << KIND_SHIFT) - 1;

    /// Span: a thread runs on the hart (from its switch-in to its switch-out); the
    /// argument is [`thread`]`(pid, tid)`.
    pub const THREAD: u16 = 1;
    /// Span: a coroutine is polled; the argument is its id.
    pub const COROUTINE: u16 = 2;
    /// Event: a blocked thread is made ready (woken); the argument is
    /// [`thread`]`(pid, tid)`.
    pub const WAKE: u16 = 3;

    /// The names of the known kinds.
    pub const NAMES: [(u16, &str); 3] =
        [(THREAD, "thread"), (COROUTINE, "coroutine"), (WAKE, "wake")];

    /// The value of kind `kind` with argument `arg` (truncated to 48 bits).
    pub const fn value(kind: u16, arg: u64) -> u64 {
        (kind as u64) << KIND_SHIFT | (arg & ARG_MASK)
    }

    /// The kind of `value`.
    pub const fn kind(value: u64) -> u16 {
        (value >> KIND_SHIFT) as u16
    }

    /// The argument of `value`.
    pub const fn arg(value: u64) -> u64 {
        value & ARG_MASK
    }

    /// The argument naming thread `tid` of process `pid` (24 bits each).
    pub const fn thread(pid: usize, tid: usize) -> u64 {
        ((pid as u64 & 0xff_ffff) << 24) | (tid as u64 & 0xff_ffff)
    }

    /// The (pid, tid) of a [`thread`] argument.
    pub const fn thread_ids(arg: u64) -> (u64, u64) {
        ((arg >> 24) & 0xff_ffff, arg & 0xff_ffff)
    }
}
