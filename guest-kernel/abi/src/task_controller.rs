//! hartlab's task controller (`hartlab,task-controller`; `docs/hardware/task-controller.md`):
//! its register map and the encodings of its register values. The simulator's model
//! (`devices::task_controller`), the kernel, `ulib::taskctl` and the C test header all take
//! them from here, so adding a register is a change to this file (and the device's behaviour).
//!
//! The window is [`REGION`] bytes of global registers, then one region per queue set (set `s`
//! at `REGION * (1 + s)`). Every register is 8 bytes; an array register `R` has its element
//! `i` at `R + 8 * i`, below its `_END`.
//!
//! Global region (kernel only):
//!
//! | Offset | Register | Access |
//! |---|---|---|
//! | 0x000 | ID: `"TASKCTL"` and version 1 (`0x5441_534b_4354_4c01`) | R |
//! | 0x008 | CONFIG: `[15:0]` sets, `[31:16]` capacity, `[39:32]` priorities, `[47:40]` channels per set, `[63:48]` harts | R |
//! | 0x010 | ALLOC: allocates the lowest free set and returns its index (all ones and QUEUE_FULL if none) | R |
//! | 0x018 | FREE: frees set `data` (its tasks, wake-ups in flight, bindings, capabilities and online slots go) | W |
//! | 0x020 | ERROR: sticky error bits of global operations; write 1s to clear | R/W1C |
//! | 0x028 | CAP: `[31:16]` receiver set, `[15:0]` channel, `[47:32]` sender set, `[63]` revoke: the sender may send to that channel | W |
//! | 0x030 | IRQ_GRANT: `[15:0]` source, `[47:32]` set, `[63]` revoke: the set may bind that PLIC source (clears its latch) | W |
//! | 0x038 | PULSE: an edge on source `data`, as if the device had raised it (ATS-INTC's simulated interrupt) | W |
//! | 0x1000 + 8h | HART_KSET\[h\]: the set hart h serves in S mode (all ones = none) | R/W |
//! | 0x2000 + 8h | HART_USET\[h\]: the set hart h serves in U mode (all ones = none) | R/W |
//!
//! Set region (at `0x4000 * (1 + s)`; mapped into the set's owner):
//!
//! | Offset | Register | Access |
//! |---|---|---|
//! | 0x000 | CTRL: `[1:0]` policy (write 0 = the device default, 1 d-FCFS, 2 steal-one, 3 c-FCFS; reads the policy in force, 0 if the set is free) | R/W |
//! | 0x008 | STATUS: `[0]` allocated, `[2:1]` policy, `[31:16]` tasks queued, `[47:32]` wake-ups in flight (0 if the set is free) | R |
//! | 0x010 | ERROR: sticky error bits of this set's operations; write 1s to clear | R/W1C |
//! | 0x018 | SEND: notify channel `[15:0]` of set `[31:16]` (needs a capability) | W |
//! | 0x020 | ACK: lower the preempt line this set raised on the accessing hart | W |
//! | 0x028 | CHAN_PENDING: channels notified while no handler was bound (bit c) | R |
//! | 0x030 | BEST: `[7:0]` the priority of the most urgent task queued in any local queue (`priorities` when none), `[31:16]` free entries (capacity minus queued and in flight) | R |
//! | 0x400 + 8n | IRQ_HANDLER\[n\]: bind a handler task to PLIC source n (0 cancels); reads the bound task | R/W |
//! | 0x800 + 8c | CHAN_HANDLER\[c\]: bind a handler task to IPC channel c < 64 (0 cancels) | R/W |
//! | 0x1000 + 8q | ENQUEUE\[q\]: enqueue a task into local queue q | W |
//! | 0x2000 + 8q | DEQUEUE\[q\]: dequeue from local queue q (0 = nothing ready) | R |
//! | 0x3000 + 8q | COUNT\[q\]: tasks queued in local queue q | R |
//!
//! Error bits: 1 QUEUE_FULL, 2 NOT_INIT (set not allocated), 4 NO_PERMISSION (send without a
//! capability, binding an ungranted source), 8 BAD_INDEX (set, hart, queue, priority, source
//! or channel out of range), 16 BAD_TASK (task id 0). A failing operation changes nothing
//! else; a failing read returns 0.

/// Bytes of the global region and of each set's region.
pub const REGION: u64 = 0x4000;
/// The ID register's value: "TASKCTL", version 1.
pub const ID_VALUE: u64 = 0x5441_534b_4354_4c01;
/// What ALLOC returns when no set is free, and what HART_KSET / HART_USET hold for "no set".
pub const NONE: u64 = u64::MAX;

/// IPC channels of each set.
pub const CHANNELS: usize = 64;
/// Most queue sets.
pub const MAX_SETS: usize = 256;
/// Most priority levels (the 5-bit priority field of a task id).
pub const MAX_PRIORITIES: usize = 32;
/// Most entries per set.
pub const MAX_CAPACITY: usize = 1024;
/// Most harts (local queues per set): one 4 KiB page of 8-byte registers.
pub const MAX_HARTS: usize = 512;
/// Most interrupt sources a set can bind (the IRQ_HANDLER array).
pub const MAX_SOURCES: usize = ((set::IRQ_HANDLER_END - set::IRQ_HANDLER) / 8) as usize;

/// Global register offsets (region 0; kernel only).
pub mod global {
    use crate::Register;

    /// ID: [`super::ID_VALUE`] (R).
    pub const ID: u64 = 0x000;
    /// CONFIG: geometry, fields in [`super::config`] (R).
    pub const CONFIG: u64 = 0x008;
    /// ALLOC: allocates the lowest free set and returns its index, [`super::NONE`] if none (R).
    pub const ALLOC: u64 = 0x010;
    /// FREE: frees the set written (W).
    pub const FREE: u64 = 0x018;
    /// ERROR: sticky [`super::error`] bits of global operations; write 1s to clear (R/W1C).
    pub const ERROR: u64 = 0x020;
    /// CAP: grants or revokes an IPC capability, [`super::cap`] (W).
    pub const CAP: u64 = 0x028;
    /// IRQ_GRANT: grants or revokes a set's binding of a source, [`super::grant`] (W).
    pub const IRQ_GRANT: u64 = 0x030;
    /// PULSE: an edge on the source written, as if its device had raised it (W).
    pub const PULSE: u64 = 0x038;
    /// HART_KSET\[h\]: the set hart `h` serves in S mode ([`super::NONE`]: none) (R/W).
    pub const HART_KSET: u64 = 0x1000;
    /// End of the HART_KSET array.
    pub const HART_KSET_END: u64 = HART_KSET + 8 * super::MAX_HARTS as u64;
    /// HART_USET\[h\]: the set hart `h` serves in U mode ([`super::NONE`]: none) (R/W).
    pub const HART_USET: u64 = 0x2000;
    /// End of the HART_USET array.
    pub const HART_USET_END: u64 = HART_USET + 8 * super::MAX_HARTS as u64;

    /// Every global register, for generated headers.
    pub const REGISTERS: &[Register] = &[
        Register::one("ID", ID),
        Register::one("CONFIG", CONFIG),
        Register::one("ALLOC", ALLOC),
        Register::one("FREE", FREE),
        Register::one("ERROR", ERROR),
        Register::one("CAP", CAP),
        Register::one("IRQ_GRANT", IRQ_GRANT),
        Register::one("PULSE", PULSE),
        Register::array("HART_KSET", HART_KSET, HART_KSET_END),
        Register::array("HART_USET", HART_USET, HART_USET_END),
    ];
}

/// Set register offsets (relative to the set's region; mapped into the set's owner).
pub mod set {
    use crate::Register;

    /// CTRL: `[1:0]` the [`super::policy`] (write 0 = the device default) (R/W).
    pub const CTRL: u64 = 0x000;
    /// STATUS: fields in [`super::status`] (R).
    pub const STATUS: u64 = 0x008;
    /// ERROR: sticky [`super::error`] bits of this set's operations; write 1s to clear (R/W1C).
    pub const ERROR: u64 = 0x010;
    /// SEND: notifies a channel, [`super::channel`] (needs a capability) (W).
    pub const SEND: u64 = 0x018;
    /// ACK: lowers the preempt line this set raised on the accessing hart (W).
    pub const ACK: u64 = 0x020;
    /// CHAN_PENDING: channels notified while no handler was bound (bit c) (R).
    pub const CHAN_PENDING: u64 = 0x028;
    /// BEST: fields in [`super::best`] (R).
    pub const BEST: u64 = 0x030;
    /// IRQ_HANDLER\[n\]: the handler task bound to source `n` (0 cancels) (R/W).
    pub const IRQ_HANDLER: u64 = 0x400;
    /// End of the IRQ_HANDLER array.
    pub const IRQ_HANDLER_END: u64 = 0x800;
    /// CHAN_HANDLER\[c\]: the handler task bound to channel `c` (0 cancels) (R/W).
    pub const CHAN_HANDLER: u64 = 0x800;
    /// End of the CHAN_HANDLER array.
    pub const CHAN_HANDLER_END: u64 = CHAN_HANDLER + 8 * super::CHANNELS as u64;
    /// ENQUEUE\[q\]: enqueues the task written into local queue `q` (W).
    pub const ENQUEUE: u64 = 0x1000;
    /// End of the ENQUEUE array.
    pub const ENQUEUE_END: u64 = ENQUEUE + 8 * super::MAX_HARTS as u64;
    /// DEQUEUE\[q\]: dequeues from local queue `q` (0: nothing ready) (R).
    pub const DEQUEUE: u64 = 0x2000;
    /// End of the DEQUEUE array.
    pub const DEQUEUE_END: u64 = DEQUEUE + 8 * super::MAX_HARTS as u64;
    /// COUNT\[q\]: tasks queued in local queue `q` (R).
    pub const COUNT: u64 = 0x3000;
    /// End of the COUNT array.
    pub const COUNT_END: u64 = COUNT + 8 * super::MAX_HARTS as u64;

    /// Every set register, for generated headers.
    pub const REGISTERS: &[Register] = &[
        Register::one("CTRL", CTRL),
        Register::one("STATUS", STATUS),
        Register::one("ERROR", ERROR),
        Register::one("SEND", SEND),
        Register::one("ACK", ACK),
        Register::one("CHAN_PENDING", CHAN_PENDING),
        Register::one("BEST", BEST),
        Register::array("IRQ_HANDLER", IRQ_HANDLER, IRQ_HANDLER_END),
        Register::array("CHAN_HANDLER", CHAN_HANDLER, CHAN_HANDLER_END),
        Register::array("ENQUEUE", ENQUEUE, ENQUEUE_END),
        Register::array("DEQUEUE", DEQUEUE, DEQUEUE_END),
        Register::array("COUNT", COUNT, COUNT_END),
    ];
}

/// Error bits (global and set ERROR).
pub mod error {
    /// The set (or, for ALLOC, the device) has no free entry.
    pub const QUEUE_FULL: u64 = 1 << 0;
    /// The set is not allocated.
    pub const NOT_INIT: u64 = 1 << 1;
    /// A send without a capability, or binding a source not granted to the set.
    pub const NO_PERMISSION: u64 = 1 << 2;
    /// A set, hart, queue, priority, source or channel out of range.
    pub const BAD_INDEX: u64 = 1 << 3;
    /// Task id 0 where a task is needed.
    pub const BAD_TASK: u64 = 1 << 4;

    /// Every error bit, for generated headers.
    pub const BITS: &[(&str, u64)] = &[
        ("QUEUE_FULL", QUEUE_FULL),
        ("NOT_INIT", NOT_INIT),
        ("NO_PERMISSION", NO_PERMISSION),
        ("BAD_INDEX", BAD_INDEX),
        ("BAD_TASK", BAD_TASK),
    ];
}

/// Task id flags: bit 0 preempt, bits 5:1 priority (0 highest); the rest is the task's own.
pub mod task {
    /// Bit 0: the task preempts the running one when woken.
    pub const PREEMPT: u64 = 1 << 0;
    /// Bits 5:1: priority (0 highest).
    pub const PRIORITY_SHIFT: u32 = 1;
    /// Mask of the priority field after shifting.
    pub const PRIORITY_MASK: u64 = 0x1f;

    /// The priority field of task id `task`.
    pub const fn priority(task: u64) -> u64 {
        (task >> PRIORITY_SHIFT) & PRIORITY_MASK
    }
}

/// CTRL / STATUS policy codes.
pub mod policy {
    /// Written to CTRL: the device's default policy.
    pub const DEFAULT: u64 = 0;
    /// d-FCFS: every hart dequeues only its own local queue.
    pub const DFCFS: u64 = 1;
    /// Steal-one: an empty local queue steals one task from another.
    pub const STEAL: u64 = 2;
    /// c-FCFS: one queue shared by all harts.
    pub const CFCFS: u64 = 3;
    /// The CTRL field's mask.
    pub const MASK: u64 = 0x3;
}

/// Fields of CONFIG: `[15:0]` sets, `[31:16]` capacity, `[39:32]` priorities, `[47:40]`
/// channels per set, `[63:48]` harts.
pub mod config {
    /// Where the sets field starts.
    pub const SETS_SHIFT: u32 = 0;
    /// Where the capacity field starts.
    pub const CAPACITY_SHIFT: u32 = 16;
    /// Where the priorities field starts.
    pub const PRIORITIES_SHIFT: u32 = 32;
    /// Where the channels field starts (8 bits).
    pub const CHANNELS_SHIFT: u32 = 40;
    /// Where the harts field starts.
    pub const HARTS_SHIFT: u32 = 48;
}

/// Fields of a set's STATUS: `[0]` allocated, `[2:1]` policy, `[31:16]` tasks queued,
/// `[47:32]` wake-ups in flight (0 if the set is free).
pub mod status {
    /// The allocated bit.
    pub const ALLOCATED: u64 = 1 << 0;
    /// Where the policy field starts.
    pub const POLICY_SHIFT: u32 = 1;
    /// Where the queued-tasks field starts.
    pub const QUEUED_SHIFT: u32 = 16;
    /// Where the in-flight field starts.
    pub const IN_FLIGHT_SHIFT: u32 = 32;
}

/// Fields of a set's BEST: `[7:0]` the priority of the most urgent task queued in the set (the
/// device's priorities when none), `[31:16]` its free entries.
pub mod best {
    /// The priority field's mask.
    pub const PRIORITY_MASK: u64 = 0xff;
    /// Where the free-entries field starts.
    pub const FREE_SHIFT: u32 = 16;
}

/// The REVOKE bit of CAP and IRQ_GRANT.
pub const REVOKE: u64 = 1 << 63;

/// SEND's value (and a capability's target): channel `channel` of set `set`.
pub const fn channel(set: u64, channel: u64) -> u64 {
    (set << 16) | channel
}

/// CAP's value: set `from` may send to channel `channel` of set `to` (OR [`REVOKE`] to revoke).
pub const fn cap(from: u64, to: u64, channel: u64) -> u64 {
    (from << 32) | self::channel(to, channel)
}

/// IRQ_GRANT's value: set `set` may bind source `source` (OR [`REVOKE`] to revoke).
pub const fn grant(set: u64, source: u64) -> u64 {
    (set << 32) | source
}

/// The first register of set `s`'s region, as an offset in the window.
pub const fn set_region(s: u64) -> u64 {
    REGION * (1 + s)
}

/// Bytes of a window with `sets` queue sets.
pub const fn window_size(sets: u64) -> u64 {
    REGION * (1 + sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_fit_their_region_and_do_not_overlap() {
        for regs in [global::REGISTERS, set::REGISTERS] {
            for (i, a) in regs.iter().enumerate() {
                assert!(a.end <= REGION && a.offset % 8 == 0, "{}", a.name);
                for b in &regs[i + 1..] {
                    assert!(
                        a.end <= b.offset || b.end <= a.offset,
                        "{} {}",
                        a.name,
                        b.name
                    );
                }
            }
        }
        assert_eq!(MAX_SOURCES, 128);
    }
}
