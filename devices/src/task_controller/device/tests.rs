//! Unit tests of the task controller: registers, queues, wake-ups, lines, costs, statistics,
//! checkpoints, and model-based checks against a reference model.

use super::*;
use crate::mip;
use crate::testutil::Env;
use crate::virt;
use proptest::prelude::*;

/// Picoseconds per cycle of the 1 GHz test clock.
const CYCLE: SimTime = 1000;
const WAKE: u64 = 7;
const NONE: u64 = u64::MAX;

fn config(harts: usize) -> TaskControllerConfig {
    let mut c = TaskControllerConfig::new(harts, Clock::new(1_000_000_000));
    c.sets = 4;
    c
}

fn setup_with(c: &TaskControllerConfig) -> (Env, TaskController) {
    (
        Env::new(c.harts, virt::PLIC_SOURCES),
        TaskController::new(c),
    )
}

fn setup(harts: usize) -> (Env, TaskController) {
    setup_with(&config(harts))
}

/// A task id: record number `n`, priority `prio`, preempt flag.
fn task(n: u64, prio: u64, preempt: bool) -> u64 {
    (n << 6) | (prio << 1) | preempt as u64
}

fn sreg(s: usize, off: u64) -> u64 {
    REGION * (1 + s as u64) + off
}

fn q(base: u64, lq: usize) -> u64 {
    base + 8 * lq as u64
}

fn alloc(env: &mut Env, tc: &mut TaskController) -> usize {
    let s = env.read(tc, 0, global::ALLOC, 8);
    assert!(s < tc.sets() as u64, "allocation failed");
    s as usize
}

fn alloc_policy(env: &mut Env, tc: &mut TaskController, p: Policy) -> usize {
    let s = alloc(env, tc);
    env.write(tc, 0, sreg(s, set::CTRL), 8, p.code());
    s
}

fn enq(env: &mut Env, tc: &mut TaskController, s: usize, lq: usize, t: u64) {
    env.write(tc, lq, sreg(s, q(set::ENQUEUE, lq)), 8, t);
}

fn deq(env: &mut Env, tc: &mut TaskController, hart: usize, s: usize, lq: usize) -> u64 {
    env.read(tc, hart, sreg(s, q(set::DEQUEUE, lq)), 8)
}

fn set_error(env: &mut Env, tc: &mut TaskController, s: usize) -> u64 {
    env.read(tc, 0, sreg(s, set::ERROR), 8)
}

/// Read and clear set `s`'s ERROR.
fn take_error(env: &mut Env, tc: &mut TaskController, s: usize) -> u64 {
    let e = set_error(env, tc, s);
    env.write(tc, 0, sreg(s, set::ERROR), 8, e);
    e
}

fn take_global_error(env: &mut Env, tc: &mut TaskController) -> u64 {
    let e = env.read(tc, 0, global::ERROR, 8);
    env.write(tc, 0, global::ERROR, 8, e);
    e
}

fn counter(tc: &TaskController, key: &str) -> u64 {
    tc.counters()
        .into_iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no counter {key}"))
        .1
}

fn grant_irq(env: &mut Env, tc: &mut TaskController, s: usize, source: u64) {
    env.write(tc, 0, global::IRQ_GRANT, 8, ((s as u64) << 32) | source);
}

fn grant_cap(env: &mut Env, tc: &mut TaskController, from: usize, to: usize, c: u64) {
    let v = ((from as u64) << 32) | ((to as u64) << 16) | c;
    env.write(tc, 0, global::CAP, 8, v);
}

/// Raise (or lower) platform source `n` at the env's current time and let the controller
/// see it.
fn source(env: &mut Env, tc: &mut TaskController, n: usize, level: bool) {
    env.irq.set_now(env.now);
    env.irq.set_source(n, level);
    env.sources_changed(tc);
}

fn lines(env: &Env, hart: usize) -> u64 {
    env.irq.hart_lines(hart)
}

#[test]
fn geometry_id_and_config() {
    let (mut env, mut tc) = setup(3);
    assert_eq!(tc.name(), "task-controller");
    assert_eq!(tc.size(), 5 * 0x4000);
    assert_eq!(env.read(&mut tc, 0, global::ID, 8), ID);
    assert_eq!(
        env.read(&mut tc, 0, global::CONFIG, 8),
        4 | (64 << 16) | (8 << 32) | (64 << 40) | (3 << 48)
    );
    // Out-of-range parameters are clamped, never trusted.
    let mut c = config(0);
    (c.sets, c.priorities, c.capacity) = (1000, 99, 5000);
    let big = TaskController::new(&c);
    assert_eq!(big.sets(), MAX_SETS);
    assert_eq!(big.size(), 0x40_4000);
    assert_eq!((big.harts, big.priorities, big.capacity), (1, 32, 1024));
    (c.sets, c.priorities, c.capacity) = (0, 0, 0);
    let small = TaskController::new(&c);
    assert_eq!((small.sets(), small.priorities, small.capacity), (1, 1, 1));
}

#[test]
fn sets_are_allocated_lowest_first_and_freed() {
    let (mut env, mut tc) = setup(1);
    for i in 0..4 {
        assert_eq!(env.read(&mut tc, 0, global::ALLOC, 8), i);
    }
    assert_eq!(env.read(&mut tc, 0, global::ALLOC, 8), NONE);
    assert_eq!(take_global_error(&mut env, &mut tc), error::QUEUE_FULL);
    assert_eq!(
        env.read(&mut tc, 0, global::ERROR, 8),
        0,
        "write-1-to-clear"
    );
    env.write(&mut tc, 0, global::FREE, 8, 2);
    assert_eq!(env.read(&mut tc, 0, sreg(2, set::STATUS), 8) & 1, 0);
    assert_eq!(env.read(&mut tc, 0, sreg(1, set::STATUS), 8) & 1, 1);
    assert_eq!(env.read(&mut tc, 0, global::ALLOC, 8), 2);
    // Freeing a free set or a set that does not exist.
    env.write(&mut tc, 0, global::FREE, 8, 3);
    env.write(&mut tc, 0, global::FREE, 8, 3);
    assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
    env.write(&mut tc, 0, global::FREE, 8, 4);
    env.write(&mut tc, 0, global::FREE, 8, u64::MAX);
    assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
    assert_eq!(counter(&tc, "allocs"), 5);
    assert_eq!(counter(&tc, "alloc_failures"), 1);
    assert_eq!(counter(&tc, "frees"), 2);
    assert_eq!(counter(&tc, "set2.allocations"), 2);
    // Writes to read-only registers are ignored, reads of write-only ones return 0.
    env.write(&mut tc, 0, global::ID, 8, 0);
    env.write(&mut tc, 0, global::ALLOC, 8, 0);
    assert_eq!(env.read(&mut tc, 0, global::ID, 8), ID);
    assert_eq!(env.read(&mut tc, 0, global::FREE, 8), 0);
    assert_eq!(env.read(&mut tc, 0, global::PULSE, 8), 0);
}

#[test]
fn highest_priority_first_fifo_within_a_priority() {
    let (mut env, mut tc) = setup(1);
    let s = alloc(&mut env, &mut tc);
    let order = [
        (1, 5),
        (2, 0),
        (3, 7),
        (4, 5),
        (5, 0),
        (6, 3),
        (7, 7),
        (8, 0),
    ];
    for (n, p) in order {
        enq(&mut env, &mut tc, s, 0, task(n, p, false));
    }
    assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 0)), 8), 8);
    assert_eq!(
        env.read(&mut tc, 0, sreg(s, set::STATUS), 8),
        1 | (2 << 1) | (8 << 16)
    );
    let got: Vec<u64> = (0..9).map(|_| deq(&mut env, &mut tc, 0, s, 0)).collect();
    let want: Vec<u64> = [
        (2, 0),
        (5, 0),
        (8, 0),
        (6, 3),
        (1, 5),
        (4, 5),
        (3, 7),
        (7, 7),
    ]
    .iter()
    .map(|&(n, p)| task(n, p, false))
    .chain([0])
    .collect();
    assert_eq!(got, want, "0 once empty");
    // The id comes back exactly as written, flags included.
    enq(&mut env, &mut tc, s, 0, task(0x3ff_ffff_ffff, 2, true));
    assert_eq!(
        deq(&mut env, &mut tc, 0, s, 0),
        task(0x3ff_ffff_ffff, 2, true)
    );
    assert_eq!(counter(&tc, "set0.enqueues"), 9);
    assert_eq!(counter(&tc, "set0.dequeues"), 9);
    assert_eq!(counter(&tc, "set0.empty_dequeues"), 1);
    assert_eq!(counter(&tc, "set0.high_water"), 8);
}

#[test]
fn best_reports_the_most_urgent_queued_priority_of_the_whole_set_and_the_free_entries() {
    let (mut env, mut tc) = setup(2);
    let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
    let best = |env: &mut Env, tc: &mut TaskController| env.read(tc, 0, sreg(s, set::BEST), 8);
    let field = |prio: u64, free: u64| prio | free << 16;
    assert_eq!(best(&mut env, &mut tc), field(8, 64), "empty: `priorities`");
    enq(&mut env, &mut tc, s, 0, task(1, 5, false));
    assert_eq!(best(&mut env, &mut tc), field(5, 63));
    // Across local queues, whatever the policy lets a hart take.
    enq(&mut env, &mut tc, s, 1, task(2, 2, false));
    enq(&mut env, &mut tc, s, 0, task(3, 6, false));
    assert_eq!(best(&mut env, &mut tc), field(2, 61));
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(2, 2, false));
    assert_eq!(best(&mut env, &mut tc), field(5, 62));
    // A wake-up in flight takes an entry but is not queued until it is ready.
    grant_irq(&mut env, &mut tc, s, 10);
    env.write(
        &mut tc,
        1,
        sreg(s, set::IRQ_HANDLER + 8 * 10),
        8,
        task(4, 0, false),
    );
    env.now = 1_000_000;
    source(&mut env, &mut tc, 10, true);
    assert_eq!(best(&mut env, &mut tc), field(5, 61));
    env.now += WAKE * CYCLE;
    assert_eq!(best(&mut env, &mut tc), field(0, 61));
    for (hart, want) in [(1, task(4, 0, false)), (0, task(1, 5, false))] {
        assert_eq!(deq(&mut env, &mut tc, hart, s, hart), want);
    }
    assert_eq!(best(&mut env, &mut tc), field(6, 63));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(3, 6, false));
    assert_eq!(best(&mut env, &mut tc), field(8, 64));
    assert_eq!(take_error(&mut env, &mut tc, s), 0);
    // A free set's BEST reads 0 with NOT_INIT; a write is ignored.
    env.write(&mut tc, 0, sreg(s, set::BEST), 8, 3);
    assert_eq!(best(&mut env, &mut tc), field(8, 64));
    env.write(&mut tc, 0, global::FREE, 8, s as u64);
    assert_eq!(best(&mut env, &mut tc), 0);
    assert_eq!(take_error(&mut env, &mut tc, s), error::NOT_INIT);
}

#[test]
fn errors_name_the_cause_and_change_nothing() {
    let mut c = config(2);
    (c.priorities, c.capacity) = (4, 3);
    let (mut env, mut tc) = setup_with(&c);
    // Not allocated.
    enq(&mut env, &mut tc, 1, 0, task(1, 0, false));
    assert_eq!(deq(&mut env, &mut tc, 0, 1, 0), 0);
    assert_eq!(take_error(&mut env, &mut tc, 1), error::NOT_INIT);
    let s = alloc(&mut env, &mut tc);
    assert_eq!(s, 0);
    // Priority beyond the configured levels, local queue beyond the harts, task 0.
    enq(&mut env, &mut tc, s, 0, task(1, 4, false));
    assert_eq!(take_error(&mut env, &mut tc, s), error::BAD_INDEX);
    enq(&mut env, &mut tc, s, 2, task(1, 0, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 2), 0);
    assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 511)), 8), 0);
    assert_eq!(take_error(&mut env, &mut tc, s), error::BAD_INDEX);
    enq(&mut env, &mut tc, s, 0, 0);
    assert_eq!(take_error(&mut env, &mut tc, s), error::BAD_TASK);
    // Capacity is per set, over all local queues.
    enq(&mut env, &mut tc, s, 0, task(1, 0, false));
    enq(&mut env, &mut tc, s, 1, task(2, 0, false));
    enq(&mut env, &mut tc, s, 0, task(3, 3, false));
    assert_eq!(set_error(&mut env, &mut tc, s), 0);
    enq(&mut env, &mut tc, s, 1, task(4, 0, false));
    assert_eq!(take_error(&mut env, &mut tc, s), error::QUEUE_FULL);
    // Errors accumulate until cleared; clearing one bit leaves the others.
    enq(&mut env, &mut tc, s, 1, task(4, 0, false));
    enq(&mut env, &mut tc, s, 1, 0);
    assert_eq!(
        set_error(&mut env, &mut tc, s),
        error::QUEUE_FULL | error::BAD_TASK
    );
    env.write(&mut tc, 0, sreg(s, set::ERROR), 8, error::BAD_TASK);
    assert_eq!(set_error(&mut env, &mut tc, s), error::QUEUE_FULL);
    // Nothing was dropped or added.
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 0, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(3, 3, false));
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(2, 0, false));
    assert_eq!(counter(&tc, "set0.errors"), 8);
    assert!(!tc.counters().iter().any(|(k, _)| k.starts_with("set1.")));
}

#[test]
fn d_fcfs_keeps_every_task_on_its_hart() {
    let (mut env, mut tc) = setup(3);
    let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
    enq(&mut env, &mut tc, s, 1, task(1, 0, false));
    enq(&mut env, &mut tc, s, 1, task(2, 0, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
    assert_eq!(deq(&mut env, &mut tc, 2, s, 2), 0);
    assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 1)), 8), 2);
    assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3);
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(1, 0, false));
    assert_eq!(counter(&tc, "set0.steals"), 0);
    assert_eq!(counter(&tc, "set0.empty_dequeues"), 2);
}

#[test]
fn steal_one_takes_the_best_task_from_another_queue() {
    let (mut env, mut tc) = setup(4);
    let s = alloc_policy(&mut env, &mut tc, Policy::StealOne);
    enq(&mut env, &mut tc, s, 1, task(1, 4, false));
    enq(&mut env, &mut tc, s, 2, task(2, 2, false));
    enq(&mut env, &mut tc, s, 3, task(3, 2, false));
    enq(&mut env, &mut tc, s, 3, task(4, 6, false));
    // Own queue first, even at a lower priority than what the others hold.
    enq(&mut env, &mut tc, s, 0, task(5, 7, false));
    assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(5, 7, false));
    // Empty: the best priority elsewhere (2), lowest queue on ties (2 before 3), one task.
    assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3 + 2);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(2, 2, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(3, 2, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 4, false));
    assert_eq!(deq(&mut env, &mut tc, 2, s, 2), task(4, 6, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0, "all empty");
    assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3);
    assert_eq!(counter(&tc, "set0.steals"), 4);
    assert_eq!(counter(&tc, "set0.dequeues"), 5);
    assert_eq!(counter(&tc, "set0.empty_dequeues"), 1);
}

#[test]
fn c_fcfs_shares_one_queue() {
    let (mut env, mut tc) = setup(3);
    let s = alloc_policy(&mut env, &mut tc, Policy::CFcfs);
    assert_eq!(env.read(&mut tc, 0, sreg(s, set::CTRL), 8), 3);
    enq(&mut env, &mut tc, s, 2, task(1, 1, false));
    enq(&mut env, &mut tc, s, 0, task(2, 1, false));
    enq(&mut env, &mut tc, s, 1, task(3, 0, false));
    for lq in 0..3 {
        assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, lq)), 8), 3);
    }
    assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 1)), false), 3);
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(3, 0, false));
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(1, 1, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(2, 1, false));
    assert_eq!(counter(&tc, "set0.steals"), 0);
}

#[test]
fn switching_to_c_fcfs_merges_the_local_queues_in_order() {
    let (mut env, mut tc) = setup(3);
    let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
    enq(&mut env, &mut tc, s, 2, task(1, 3, false));
    enq(&mut env, &mut tc, s, 1, task(2, 3, false));
    enq(&mut env, &mut tc, s, 0, task(3, 3, false));
    enq(&mut env, &mut tc, s, 2, task(4, 1, false));
    env.write(&mut tc, 0, sreg(s, set::CTRL), 8, 3);
    let got: Vec<u64> = (0..5).map(|_| deq(&mut env, &mut tc, 2, s, 2)).collect();
    let want = [
        task(4, 1, false),
        task(3, 3, false),
        task(2, 3, false),
        task(1, 3, false),
        0,
    ];
    assert_eq!(got, want);
    // Back to per-hart queues: what is enqueued now stays local again.
    env.write(&mut tc, 0, sreg(s, set::CTRL), 8, 1);
    enq(&mut env, &mut tc, s, 1, task(5, 0, false));
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
    // Writing 0 restores the device default; reserved CTRL bits are ignored.
    env.write(&mut tc, 0, sreg(s, set::CTRL), 8, 0xfc);
    assert_eq!(
        env.read(&mut tc, 0, sreg(s, set::CTRL), 8),
        Policy::StealOne.code()
    );
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(5, 0, false));
    // A freshly allocated set starts with the device default.
    let mut c = config(1);
    c.policy = Policy::CFcfs;
    let (mut env, mut tc) = setup_with(&c);
    let s = alloc(&mut env, &mut tc);
    assert_eq!(env.read(&mut tc, 0, sreg(s, set::CTRL), 8), 3);
}

#[test]
fn a_wake_up_already_due_is_still_reported_until_delivered() {
    // A hart asks for the next event from a time past the wake-up's ready time (its
    // store took longer than the wake-up latency): the wake-up is still reported, so the
    // machine delivers it at once rather than at some later event.
    let (mut env, mut tc) = setup(1);
    let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
    grant_irq(&mut env, &mut tc, s, 10);
    env.write(
        &mut tc,
        0,
        sreg(s, set::IRQ_HANDLER + 8 * 10),
        8,
        task(0x42, 1, true),
    );
    env.now = 1_000_000;
    source(&mut env, &mut tc, 10, true);
    let ready = env.now + WAKE * CYCLE;
    assert_eq!(tc.next_event(ready + 5 * CYCLE, &env.timebase), Some(ready));
    env.advance(&mut tc, ready + 5 * CYCLE);
    assert_eq!(tc.next_event(env.now, &env.timebase), None);
}

#[test]
fn an_interrupt_wakes_its_handler_after_the_latency_without_a_hart_interrupt() {
    let (mut env, mut tc) = setup(2);
    let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
    grant_irq(&mut env, &mut tc, s, 10);
    let h = task(0x42, 1, false);
    // Hart 1 registers: the handler wakes into hart 1's queue.
    env.write(&mut tc, 1, sreg(s, set::IRQ_HANDLER + 8 * 10), 8, h);
    assert_eq!(
        env.read(&mut tc, 1, sreg(s, set::IRQ_HANDLER + 8 * 10), 8),
        h
    );
    env.now = 1_000_000;
    source(&mut env, &mut tc, 10, true);
    let ready = env.now + WAKE * CYCLE;
    assert_eq!(tc.next_event(env.now, &env.timebase), Some(ready));
    assert_eq!(
        env.read(&mut tc, 1, sreg(s, set::STATUS), 8) >> 32,
        1,
        "in flight"
    );
    // Not visible before the wake-up latency has passed.
    env.now = ready - 1;
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), 0);
    env.advance(&mut tc, ready);
    assert_eq!(tc.next_event(env.now, &env.timebase), None);
    assert_eq!(env.read(&mut tc, 1, sreg(s, q(set::COUNT, 1)), 8), 1);
    assert_eq!(lines(&env, 0) | lines(&env, 1), 0, "no hart interrupt");
    // The binding was consumed.
    assert_eq!(
        env.read(&mut tc, 1, sreg(s, set::IRQ_HANDLER + 8 * 10), 8),
        0
    );
    env.now = ready + 50 * CYCLE;
    assert_eq!(deq(&mut env, &mut tc, 1, s, 1), h);
    assert_eq!(counter(&tc, "set0.wakeups"), 1);
    assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles.32-63"), 1);
    assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles_sum"), 57);
    assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles_max"), 57);
    assert_eq!(counter(&tc, "source_edges"), 1);
}

#[test]
fn an_edge_without_a_handler_is_latched_until_one_is_bound() {
    let (mut env, mut tc) = setup(1);
    let s = alloc(&mut env, &mut tc);
    grant_irq(&mut env, &mut tc, s, 5);
    let h = task(7, 0, false);
    env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, h);
    source(&mut env, &mut tc, 5, true);
    // The level staying high is no new edge; lowering and raising is.
    source(&mut env, &mut tc, 5, true);
    source(&mut env, &mut tc, 5, false);
    env.now = 10 * CYCLE;
    source(&mut env, &mut tc, 5, true);
    env.advance(&mut tc, 100 * CYCLE);
    assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 0)), 8), 1);
    // Re-registering fires at once (registration time + latency).
    env.write(
        &mut tc,
        0,
        sreg(s, set::IRQ_HANDLER + 8 * 5),
        8,
        h | (1 << 6),
    );
    assert_eq!(
        tc.next_event(env.now, &env.timebase),
        Some(env.now + WAKE * CYCLE)
    );
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), h);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), h | (1 << 6));
    // A cancelled binding does not fire; the next edge is latched instead.
    env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, h);
    env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, 0);
    source(&mut env, &mut tc, 5, false);
    source(&mut env, &mut tc, 5, true);
    env.advance(&mut tc, env.now + 100 * CYCLE);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
    // A new grant clears the latch.
    grant_irq(&mut env, &mut tc, s, 5);
    env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, h);
    env.advance(&mut tc, env.now + 100 * CYCLE);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
    assert_eq!(counter(&tc, "set0.registrations"), 5);
}

#[test]
fn binding_needs_a_grant_and_a_valid_source_and_priority() {
    let (mut env, mut tc) = setup(1);
    let a = alloc(&mut env, &mut tc);
    let b = alloc(&mut env, &mut tc);
    let h = task(9, 0, false);
    env.write(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8, h);
    assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
    grant_irq(&mut env, &mut tc, a, 10);
    env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8, h);
    assert_eq!(take_error(&mut env, &mut tc, b), error::NO_PERMISSION);
    for n in [0u64, 96, 127] {
        env.write(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * n), 8, h);
        assert_eq!(
            take_error(&mut env, &mut tc, a),
            error::BAD_INDEX,
            "source {n}"
        );
    }
    env.write(
        &mut tc,
        0,
        sreg(a, set::IRQ_HANDLER + 8 * 10),
        8,
        task(1, 8, false),
    );
    assert_eq!(take_error(&mut env, &mut tc, a), error::BAD_INDEX);
    assert_eq!(
        env.read(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8),
        0
    );
    // Grants: bad source, bad or free set.
    env.write(&mut tc, 0, global::IRQ_GRANT, 8, 96);
    env.write(&mut tc, 0, global::IRQ_GRANT, 8, 0);
    env.write(&mut tc, 0, global::IRQ_GRANT, 8, (9 << 32) | 3);
    assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
    grant_irq(&mut env, &mut tc, 3, 3);
    assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
    // Moving or revoking a grant drops the binding.
    env.write(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8, h);
    grant_irq(&mut env, &mut tc, b, 10);
    assert_eq!(
        env.read(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8),
        0
    );
    env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8, h);
    env.write(
        &mut tc,
        0,
        global::IRQ_GRANT,
        8,
        (1 << 63) | ((a as u64) << 32) | 10,
    );
    assert_eq!(
        env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8),
        h,
        "not a's"
    );
    env.write(
        &mut tc,
        0,
        global::IRQ_GRANT,
        8,
        (1 << 63) | ((b as u64) << 32) | 10,
    );
    assert_eq!(
        env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8),
        0
    );
    source(&mut env, &mut tc, 10, true);
    env.advance(&mut tc, 1_000_000);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), 0);
    assert_eq!(take_global_error(&mut env, &mut tc), 0);
}

#[test]
fn pulse_is_an_edge() {
    let (mut env, mut tc) = setup(1);
    let s = alloc(&mut env, &mut tc);
    grant_irq(&mut env, &mut tc, s, 95);
    env.write(
        &mut tc,
        0,
        sreg(s, set::IRQ_HANDLER + 8 * 95),
        8,
        task(1, 0, false),
    );
    env.now = 500;
    env.write(&mut tc, 0, global::PULSE, 8, 95);
    assert_eq!(tc.next_event(500, &env.timebase), Some(500 + WAKE * CYCLE));
    env.now += WAKE * CYCLE;
    // An access at or after the ready time sees it without an advance.
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 0, false));
    env.write(&mut tc, 0, global::PULSE, 8, 0);
    env.write(&mut tc, 0, global::PULSE, 8, 96);
    assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
    assert_eq!(counter(&tc, "pulses"), 1);
}

#[test]
fn zero_wake_latency_is_immediate() {
    let mut c = config(1);
    c.wake_latency = 0;
    let (mut env, mut tc) = setup_with(&c);
    let s = alloc(&mut env, &mut tc);
    grant_irq(&mut env, &mut tc, s, 1);
    env.write(
        &mut tc,
        0,
        sreg(s, set::IRQ_HANDLER + 8),
        8,
        task(1, 0, false),
    );
    source(&mut env, &mut tc, 1, true);
    assert_eq!(tc.next_event(env.now, &env.timebase), None);
    assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 0)), 8), 1);
    assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 0, false));
    assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles.0"), 1);
}

#[test]
fn preempt_raises_ssip_for_the_kernel_set_until_dequeue_or_ack() {
    let (mut env, mut tc) = setup(2);
    let k = alloc(&mut env, &mut tc);
    env.write(&mut tc, 0, global::HART_KSET + 8, 8, k as u64);
    assert_eq!(env.read(&mut tc, 0, global::HART_KSET + 8, 8), k as u64);
    assert_eq!(env.read(&mut tc, 0, global::HART_KSET, 8), NONE);
    grant_irq(&mut env, &mut tc, k, 10);
    env.write(
        &mut tc,
        1,
        sreg(k, set::IRQ_HANDLER + 8 * 10),
        8,
        task(1, 0, true),
    );
    env.now = 2_000_000;
    source(&mut env, &mut tc, 10, true);
    let ready = env.now + WAKE * CYCLE;
    env.advance(&mut tc, ready);
    assert_eq!(lines(&env, 1), mip::SSIP);
    assert_eq!(lines(&env, 0), 0);
    assert_eq!(env.irq.rise_time(1, 1), Some(ready));
    assert_eq!(env.irq.hart_lines_at(1, ready - 1), 0);
    // Hart 0 dequeuing (stealing it) does not acknowledge hart 1's line.
    assert_eq!(deq(&mut env, &mut tc, 0, k, 0), task(1, 0, true));
    assert_eq!(lines(&env, 1), mip::SSIP);
    // Hart 1's dequeue does, even of an empty queue.
    assert_eq!(deq(&mut env, &mut tc, 1, k, 1), 0);
    assert_eq!(lines(&env, 1), 0);
    // Again, acknowledged through ACK this time.
    env.write(
        &mut tc,
        1,
        sreg(k, set::IRQ_HANDLER + 8 * 10),
        8,
        task(2, 0, true),
    );
    source(&mut env, &mut tc, 10, false);
    source(&mut env, &mut tc, 10, true);
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(lines(&env, 1), mip::SSIP);
    env.write(&mut tc, 0, sreg(k, set::ACK), 8, 0);
    assert_eq!(lines(&env, 1), mip::SSIP, "ACK from another hart");
    env.write(&mut tc, 1, sreg(k, set::ACK), 8, 0);
    assert_eq!(lines(&env, 1), 0);
    assert_eq!(counter(&tc, "set0.preempts"), 2);
    // Without the preempt bit nothing is raised.
    env.write(
        &mut tc,
        1,
        sreg(k, set::IRQ_HANDLER + 8 * 10),
        8,
        task(3, 0, false),
    );
    env.write(&mut tc, 0, global::PULSE, 8, 10);
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(lines(&env, 1), 0);
    assert_eq!(deq(&mut env, &mut tc, 1, k, 1), task(2, 0, true));
    assert_eq!(deq(&mut env, &mut tc, 1, k, 1), task(3, 0, false));
}

#[test]
fn preempt_raises_usip_for_the_user_set_and_waits_while_it_is_offline() {
    let (mut env, mut tc) = setup(2);
    let k = alloc(&mut env, &mut tc);
    let u = alloc(&mut env, &mut tc);
    let v = alloc(&mut env, &mut tc);
    env.write(&mut tc, 0, global::HART_KSET, 8, k as u64);
    env.write(&mut tc, 0, global::HART_USET, 8, v as u64);
    grant_irq(&mut env, &mut tc, u, 7);
    env.write(
        &mut tc,
        0,
        sreg(u, set::IRQ_HANDLER + 8 * 7),
        8,
        task(1, 0, true),
    );
    env.write(&mut tc, 0, global::PULSE, 8, 7);
    env.advance(&mut tc, WAKE * CYCLE);
    // u is not running on hart 0: no line, the task waits in u's queue.
    assert_eq!(lines(&env, 0), 0);
    assert_eq!(env.read(&mut tc, 0, sreg(u, q(set::COUNT, 0)), 8), 1);
    // The kernel switches hart 0 to u: the request raises USIP now.
    env.now = 50 * CYCLE;
    env.write(&mut tc, 0, global::HART_USET, 8, u as u64);
    assert_eq!(lines(&env, 0), mip::USIP);
    assert_eq!(env.irq.rise_time(0, 0), Some(50 * CYCLE));
    // Switched away before acknowledging: the line drops and the request goes with u.
    env.write(&mut tc, 0, global::HART_USET, 8, v as u64);
    assert_eq!(lines(&env, 0), 0);
    env.write(&mut tc, 0, global::HART_USET, 8, NONE);
    assert_eq!(env.read(&mut tc, 0, global::HART_USET, 8), NONE);
    assert_eq!(lines(&env, 0), 0);
    env.write(&mut tc, 0, global::HART_USET, 8, u as u64);
    assert_eq!(lines(&env, 0), mip::USIP);
    assert_eq!(deq(&mut env, &mut tc, 0, u, 0), task(1, 0, true));
    assert_eq!(lines(&env, 0), 0);
    // While online, a preempt wake raises USIP directly; SSIP stays low.
    env.write(
        &mut tc,
        0,
        sreg(u, set::IRQ_HANDLER + 8 * 7),
        8,
        task(2, 0, true),
    );
    env.write(&mut tc, 0, global::PULSE, 8, 7);
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(lines(&env, 0), mip::USIP);
    // Bad online-table writes.
    env.write(&mut tc, 0, global::HART_USET + 16, 8, u as u64);
    env.write(&mut tc, 0, global::HART_USET, 8, 17);
    assert_eq!(env.read(&mut tc, 0, global::HART_KSET + 8 * 511, 8), 0);
    assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
    env.write(&mut tc, 0, global::HART_USET, 8, 3);
    assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
    assert_eq!(
        env.read(&mut tc, 0, global::HART_USET, 8),
        u as u64,
        "unchanged"
    );
    // Freeing the set takes it offline and drops its line.
    env.write(&mut tc, 0, global::FREE, 8, u as u64);
    assert_eq!(lines(&env, 0), 0);
    assert_eq!(env.read(&mut tc, 0, global::HART_USET, 8), NONE);
    assert_eq!(env.read(&mut tc, 0, global::HART_KSET, 8), k as u64);
}

#[test]
fn ipc_needs_a_capability() {
    let (mut env, mut tc) = setup(1);
    let a = alloc(&mut env, &mut tc);
    let b = alloc(&mut env, &mut tc);
    let h = task(0x77, 2, false);
    env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8 * 5), 8, h);
    assert_eq!(
        env.read(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8 * 5), 8),
        h
    );
    let to_b5 = ((b as u64) << 16) | 5;
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
    assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
    assert_eq!(set_error(&mut env, &mut tc, b), 0);
    // The capability is for one channel and one direction.
    grant_cap(&mut env, &mut tc, a, b, 4);
    grant_cap(&mut env, &mut tc, b, a, 5);
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
    assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
    grant_cap(&mut env, &mut tc, a, b, 5);
    env.now = 1000 * CYCLE;
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
    assert_eq!(set_error(&mut env, &mut tc, a), 0);
    assert_eq!(
        tc.next_event(env.now, &env.timebase),
        Some(env.now + WAKE * CYCLE)
    );
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
    assert_eq!(
        deq(&mut env, &mut tc, 0, a, 0),
        0,
        "nothing in the sender's set"
    );
    // No handler bound: the send is latched and fires on binding.
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_PENDING), 8), 1 << 5);
    env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8 * 5), 8, h);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_PENDING), 8), 0);
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
    // Revoked.
    env.write(
        &mut tc,
        0,
        global::CAP,
        8,
        (1 << 63) | ((a as u64) << 32) | to_b5,
    );
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
    assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
    // Bad channel or set, a free receiver.
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5 + 59);
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, (4 << 16) | 1);
    assert_eq!(take_error(&mut env, &mut tc, a), error::BAD_INDEX);
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, (3 << 16) | 1);
    assert_eq!(take_error(&mut env, &mut tc, a), error::NOT_INIT);
    // Capability registration errors.
    grant_cap(&mut env, &mut tc, a, b, 64);
    grant_cap(&mut env, &mut tc, 9, b, 1);
    assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
    grant_cap(&mut env, &mut tc, a, 2, 1);
    assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
    // Channel binding errors.
    env.write(
        &mut tc,
        0,
        sreg(b, set::CHAN_HANDLER + 8 * 5),
        8,
        task(1, 9, false),
    );
    assert_eq!(take_error(&mut env, &mut tc, b), error::BAD_INDEX);
    assert_eq!(counter(&tc, "set0.sends"), 2);
    assert_eq!(counter(&tc, "set0.sends_denied"), 3);
    assert_eq!(counter(&tc, "set1.wakeups"), 2);
}

#[test]
fn an_offline_set_receives_a_send_and_sees_it_when_online() {
    let (mut env, mut tc) = setup(1);
    let a = alloc(&mut env, &mut tc);
    let b = alloc(&mut env, &mut tc);
    env.write(&mut tc, 0, global::HART_USET, 8, a as u64);
    grant_cap(&mut env, &mut tc, a, b, 0);
    let h = task(3, 0, true);
    env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER), 8, h);
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, (b as u64) << 16);
    env.advance(&mut tc, 100 * CYCLE);
    assert_eq!(lines(&env, 0), 0, "b is offline");
    assert_eq!(
        env.read(&mut tc, 0, sreg(b, set::STATUS), 8) >> 16 & 0xffff,
        1
    );
    env.write(&mut tc, 0, global::HART_USET, 8, b as u64);
    assert_eq!(lines(&env, 0), mip::USIP);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
    assert_eq!(lines(&env, 0), 0);
}

#[test]
fn a_wake_up_into_a_full_set_is_reported_and_the_binding_kept() {
    let mut c = config(1);
    c.capacity = 2;
    let (mut env, mut tc) = setup_with(&c);
    let a = alloc(&mut env, &mut tc);
    let b = alloc(&mut env, &mut tc);
    grant_irq(&mut env, &mut tc, b, 3);
    grant_cap(&mut env, &mut tc, a, b, 1);
    let h = task(1, 0, false);
    env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 24), 8, h);
    // A wake-up in flight holds its entry: only one more enqueue fits.
    env.write(&mut tc, 0, global::PULSE, 8, 3);
    enq(&mut env, &mut tc, b, 0, task(2, 0, false));
    enq(&mut env, &mut tc, b, 0, task(3, 0, false));
    assert_eq!(take_error(&mut env, &mut tc, b), error::QUEUE_FULL);
    env.advance(&mut tc, WAKE * CYCLE);
    // Full: the edge is reported, the handler stays bound.
    env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 24), 8, h);
    env.write(&mut tc, 0, global::PULSE, 8, 3);
    assert_eq!(take_error(&mut env, &mut tc, b), error::QUEUE_FULL);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 24), 8), h);
    // A send into the full set fails for sender and receiver alike.
    env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8), 8, h);
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, ((b as u64) << 16) | 1);
    assert_eq!(take_error(&mut env, &mut tc, a), error::QUEUE_FULL);
    assert_eq!(take_error(&mut env, &mut tc, b), error::QUEUE_FULL);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8), 8), h);
    assert_eq!(counter(&tc, "set1.wake_lost"), 2);
    assert_eq!(counter(&tc, "set1.high_water"), 2);
    // Room again: the next edge gets through. (The first wake-up entered the queue when
    // it was delivered, after the enqueue.)
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), task(2, 0, false));
    env.write(&mut tc, 0, global::PULSE, 8, 3);
    env.advance(&mut tc, env.now + WAKE * CYCLE);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
    assert_eq!(deq(&mut env, &mut tc, 0, b, 0), 0);
}

#[test]
fn free_discards_everything_of_the_set() {
    let (mut env, mut tc) = setup(2);
    let a = alloc(&mut env, &mut tc);
    let b = alloc(&mut env, &mut tc);
    grant_irq(&mut env, &mut tc, b, 4);
    grant_cap(&mut env, &mut tc, a, b, 0);
    grant_cap(&mut env, &mut tc, b, a, 0);
    env.write(
        &mut tc,
        0,
        sreg(b, set::IRQ_HANDLER + 32),
        8,
        task(1, 0, false),
    );
    env.write(
        &mut tc,
        0,
        sreg(b, set::CHAN_HANDLER + 8),
        8,
        task(2, 0, false),
    );
    enq(&mut env, &mut tc, b, 1, task(3, 0, false));
    env.write(&mut tc, 0, global::PULSE, 8, 4);
    env.write(&mut tc, 0, global::HART_KSET + 8, 8, b as u64);
    env.write(&mut tc, 0, global::FREE, 8, b as u64);
    assert_eq!(
        tc.next_event(0, &env.timebase),
        None,
        "the wake-up in flight is gone"
    );
    assert_eq!(counter(&tc, "set1.discarded"), 2);
    assert_eq!(env.read(&mut tc, 0, global::HART_KSET + 8, 8), NONE);
    // Reallocated, it starts empty, ungranted, without capabilities.
    assert_eq!(alloc(&mut env, &mut tc), b);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::STATUS), 8), 1 | (2 << 1));
    assert_eq!(deq(&mut env, &mut tc, 1, b, 1), 0);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8), 8), 0);
    env.write(
        &mut tc,
        0,
        sreg(b, set::IRQ_HANDLER + 32),
        8,
        task(1, 0, false),
    );
    assert_eq!(take_error(&mut env, &mut tc, b), error::NO_PERMISSION);
    env.write(&mut tc, 0, sreg(a, set::SEND), 8, (b as u64) << 16);
    assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
    env.write(&mut tc, 0, sreg(b, set::SEND), 8, a as u64);
    assert_eq!(take_error(&mut env, &mut tc, b), error::NO_PERMISSION);
    // Operations on a freed set fail with NOT_INIT.
    env.write(&mut tc, 0, global::FREE, 8, b as u64);
    env.write(&mut tc, 0, sreg(b, set::SEND), 8, a as u64);
    env.write(&mut tc, 0, sreg(b, set::CTRL), 8, 1);
    env.write(&mut tc, 0, sreg(b, set::ACK), 8, 1);
    assert_eq!(env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 32), 8), 0);
    assert_eq!(take_error(&mut env, &mut tc, b), error::NOT_INIT);
}

#[test]
fn operations_are_priced_as_configured() {
    let mut c = config(2);
    c.costs = Costs {
        enqueue: 11,
        dequeue: 13,
        steal: 17,
        register: 19,
        send: 23,
    };
    let (mut env, mut tc) = setup_with(&c);
    let s = alloc(&mut env, &mut tc);
    let cost = |tc: &TaskController, off: u64, w: bool| tc.access_cycles(off, w);
    assert_eq!(cost(&tc, sreg(s, q(set::ENQUEUE, 1)), true), 11);
    assert_eq!(cost(&tc, sreg(s, q(set::DEQUEUE, 1)), false), 13);
    enq(&mut env, &mut tc, s, 0, task(1, 0, false));
    assert_eq!(cost(&tc, sreg(s, q(set::DEQUEUE, 1)), false), 13 + 17);
    assert_eq!(cost(&tc, sreg(s, q(set::DEQUEUE, 0)), false), 13);
    for off in [
        global::FREE,
        global::CAP,
        global::IRQ_GRANT,
        global::HART_KSET,
        global::HART_USET + 8,
    ] {
        assert_eq!(cost(&tc, off, true), 19, "{off:#x}");
        assert_eq!(cost(&tc, off, false), 0, "{off:#x}");
    }
    assert_eq!(cost(&tc, global::ALLOC, false), 19);
    for off in [set::CTRL, set::IRQ_HANDLER + 80, set::CHAN_HANDLER + 8] {
        assert_eq!(cost(&tc, sreg(s, off), true), 19, "{off:#x}");
    }
    assert_eq!(cost(&tc, sreg(s, set::SEND), true), 23);
    for off in [
        set::STATUS,
        set::ERROR,
        set::ACK,
        set::CHAN_PENDING,
        set::BEST,
        q(set::COUNT, 1),
    ] {
        assert_eq!(cost(&tc, sreg(s, off), true), 0);
        assert_eq!(cost(&tc, sreg(s, off), false), 0);
    }
    assert_eq!(cost(&tc, global::ID, false), 0);
    assert_eq!(cost(&tc, global::PULSE, true), 0);
    assert_eq!(cost(&tc, tc.size(), false), 0);
    assert_eq!(cost(&tc, 0x40, false), 0);
    // The defaults are TAIC's.
    assert_eq!(
        Costs::default(),
        Costs {
            enqueue: 3,
            dequeue: 3,
            steal: 2,
            register: 9,
            send: 9
        }
    );
    assert_eq!(config(1).wake_latency, 7 * CYCLE);
}

#[test]
fn bad_sizes_and_offsets_fault_without_effect() {
    let (mut env, mut tc) = setup(1);
    let s = alloc(&mut env, &mut tc);
    for size in [0, 1, 2, 4, 16, u32::MAX] {
        assert_eq!(env.try_read(&mut tc, 0, global::ALLOC, size), Err(BusFault));
        assert_eq!(
            env.try_write(
                &mut tc,
                0,
                sreg(s, q(set::ENQUEUE, 0)),
                size,
                task(1, 0, false)
            ),
            Err(BusFault)
        );
    }
    for off in [
        1,
        4,
        0x40,
        0x800,
        0x3000,
        0x3ff8,
        sreg(s, 0x38),
        sreg(s, 0x3f8),
        sreg(s, 0xa00),
        sreg(s, 0xff8),
        tc.size(),
        u64::MAX - 7,
    ] {
        assert_eq!(env.try_read(&mut tc, 0, off, 8), Err(BusFault), "{off:#x}");
        assert_eq!(
            env.try_write(&mut tc, 0, off, 8, 1),
            Err(BusFault),
            "{off:#x}"
        );
    }
    assert_eq!(env.read(&mut tc, 0, sreg(s, set::STATUS), 8), 1 | (2 << 1));
    assert_eq!(
        env.read(&mut tc, 0, global::ALLOC, 8),
        1,
        "only one allocation before"
    );
    let last = tc.size() - 8;
    assert_eq!(env.read(&mut tc, 0, last, 8), 0, "last COUNT register");
}

#[test]
fn counters_and_histogram_buckets() {
    assert_eq!(bucket(0), 0);
    assert_eq!(bucket(1), 1);
    assert_eq!(bucket(2), 2);
    assert_eq!(bucket(3), 2);
    assert_eq!(bucket(4), 3);
    assert_eq!(bucket(u64::MAX), 64);
    assert_eq!(bucket_label(0), "0");
    assert_eq!(bucket_label(1), "1");
    assert_eq!(bucket_label(2), "2-3");
    assert_eq!(bucket_label(5), "16-31");
    assert_eq!(bucket_label(64), format!("{}-{}", 1u64 << 63, u64::MAX));
    let (mut env, mut tc) = setup(1);
    assert_eq!(
        tc.counters(),
        [
            "allocs",
            "alloc_failures",
            "frees",
            "errors",
            "source_edges",
            "pulses"
        ]
        .map(|k| (k.to_string(), 0))
        .to_vec()
    );
    let s = alloc(&mut env, &mut tc);
    grant_irq(&mut env, &mut tc, s, 2);
    for (i, wait) in [0u64, 1, 3, 100].into_iter().enumerate() {
        env.write(
            &mut tc,
            0,
            sreg(s, set::IRQ_HANDLER + 16),
            8,
            task(i as u64 + 1, 0, false),
        );
        env.write(&mut tc, 0, global::PULSE, 8, 2);
        env.now += wait * CYCLE;
        // Software-enqueued tasks are not in the histogram.
        enq(&mut env, &mut tc, s, 0, task(50, 7, false));
        env.now += WAKE * CYCLE;
        assert_ne!(deq(&mut env, &mut tc, 0, s, 0), 0);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(50, 7, false));
    }
    let c: std::collections::BTreeMap<String, u64> = tc.counters().into_iter().collect();
    for (k, v) in [
        ("set0.wake_to_dequeue_cycles.4-7", 1),
        ("set0.wake_to_dequeue_cycles.8-15", 2),
        ("set0.wake_to_dequeue_cycles.64-127", 1),
        ("set0.wake_to_dequeue_cycles_sum", 4 * 7 + 104),
        ("set0.wake_to_dequeue_cycles_max", 107),
        ("set0.dequeues", 8),
        ("set0.enqueues", 4),
        ("set0.wakeups", 4),
        ("set0.registrations", 4),
        ("pulses", 4),
    ] {
        assert_eq!(c.get(k), Some(&v), "{k}");
    }
    assert_eq!(c.keys().filter(|k| k.contains("cycles.")).count(), 3);
}

// ---- model-based checks ------------------------------------------------------------

/// The queue semantics written the slow, obvious way.
#[derive(Default)]
struct Model {
    /// Per local queue: (priority, sequence, task).
    lqs: Vec<Vec<(u64, u64, u64)>>,
    seq: u64,
    policy: Option<Policy>,
}

impl Model {
    fn lq(&self, lq: usize) -> usize {
        if self.policy == Some(Policy::CFcfs) {
            0
        } else {
            lq
        }
    }

    fn best(&self, lq: usize) -> Option<usize> {
        let v = &self.lqs[lq];
        (0..v.len()).min_by_key(|&i| (v[i].0, v[i].1))
    }

    fn dequeue(&mut self, lq: usize) -> u64 {
        let lq = self.lq(lq);
        if let Some(i) = self.best(lq) {
            return self.lqs[lq].remove(i).2;
        }
        if self.policy != Some(Policy::StealOne) {
            return 0;
        }
        let victim = (0..self.lqs.len())
            .filter(|&v| v != lq)
            .filter_map(|v| self.best(v).map(|i| (self.lqs[v][i].0, v, i)))
            .min();
        match victim {
            Some((_, v, i)) => self.lqs[v].remove(i).2,
            None => 0,
        }
    }
}

#[derive(Debug, Clone)]
enum QOp {
    Enqueue { lq: usize, prio: u64 },
    Dequeue { hart: usize, lq: usize },
    Policy(u64),
}

fn qop() -> impl Strategy<Value = QOp> {
    prop_oneof![
        5 => (0usize..3, 0u64..4).prop_map(|(lq, prio)| QOp::Enqueue { lq, prio }),
        5 => (0usize..3, 0usize..3).prop_map(|(hart, lq)| QOp::Dequeue { hart, lq }),
        1 => (1u64..4).prop_map(QOp::Policy),
    ]
}

proptest! {
    /// Enqueue, dequeue, stealing and policy switches agree with the obvious model.
    #[test]
    fn queues_match_the_model(ops in prop::collection::vec(qop(), 1..200), first in 1u64..4) {
        let mut c = config(3);
        (c.priorities, c.capacity) = (4, 16);
        let (mut env, mut tc) = setup_with(&c);
        let s = alloc(&mut env, &mut tc);
        env.write(&mut tc, 0, sreg(s, set::CTRL), 8, first);
        let mut m = Model {
            lqs: vec![Vec::new(); 3],
            policy: Policy::from_code(first),
            ..Model::default()
        };
        let mut n = 0;
        for op in ops {
            match op {
                QOp::Enqueue { lq, prio } => {
                    n += 1;
                    let t = task(n, prio, n % 3 == 0);
                    enq(&mut env, &mut tc, s, lq, t);
                    let total: usize = m.lqs.iter().map(Vec::len).sum();
                    if total < 16 {
                        let l = m.lq(lq);
                        m.lqs[l].push((prio, m.seq, t));
                        m.seq += 1;
                    }
                }
                QOp::Dequeue { hart, lq } => {
                    let want = m.dequeue(lq);
                    prop_assert_eq!(deq(&mut env, &mut tc, hart, s, lq), want);
                }
                QOp::Policy(code) => {
                    env.write(&mut tc, 0, sreg(s, set::CTRL), 8, code);
                    let p = Policy::from_code(code);
                    if p == Some(Policy::CFcfs) && m.policy != Some(Policy::CFcfs) {
                        // Merge in local-queue order, keeping FIFO order per priority.
                        let mut all: Vec<(u64, u64, u64)> = Vec::new();
                        for v in &mut m.lqs {
                            all.append(v);
                        }
                        for (i, e) in all.iter_mut().enumerate() {
                            e.1 = i as u64;
                        }
                        m.seq = all.len() as u64;
                        m.lqs[0] = all;
                    }
                    m.policy = p;
                }
            }
            for lq in 0..3 {
                let want = m.lqs[m.lq(lq)].len() as u64;
                prop_assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, lq)), 8), want);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Read { off: u64 },
    Write { off: u64, value: u64 },
    Source { n: usize, level: bool },
    Advance { dt: SimTime },
}

fn op() -> impl Strategy<Value = Op> {
    // Registers of the global region and of sets 0..3, indices near the interesting
    // ranges.
    let reg = prop_oneof![
        (0u64..8).prop_map(|r| r * 8),
        (0u64..3).prop_map(|h| global::HART_KSET + 8 * h),
        (0u64..3).prop_map(|h| global::HART_USET + 8 * h),
        (0u64..4, 0u64..6).prop_map(|(s, r)| REGION * (1 + s) + 8 * r),
        (0u64..4, 0u64..12).prop_map(|(s, n)| REGION * (1 + s) + set::IRQ_HANDLER + 8 * n),
        (0u64..4, 0u64..4).prop_map(|(s, c)| REGION * (1 + s) + set::CHAN_HANDLER + 8 * c),
        (0u64..4, 0u64..4, 1u64..4).prop_map(|(s, lq, r)| REGION * (1 + s) + 0x1000 * r + 8 * lq),
        any::<u64>(),
    ];
    let value = prop_oneof![
        0u64..4,
        (0u64..16, 0u64..4, any::<bool>()).prop_map(|(n, p, f)| task(n, p, f)),
        (0u64..4, 0u64..4, 0u64..4).prop_map(|(a, b, c)| (a << 32) | (b << 16) | c),
        (0u64..4, 0u64..12).prop_map(|(s, n)| (s << 32) | n),
        Just(u64::MAX),
        any::<u64>(),
    ];
    prop_oneof![
        4 => reg.clone().prop_map(|off| Op::Read { off }),
        8 => (reg, value).prop_map(|(off, value)| Op::Write { off, value }),
        1 => (1usize..12, any::<bool>()).prop_map(|(n, level)| Op::Source { n, level }),
        1 => (0u64..20_000).prop_map(|dt| Op::Advance { dt }),
    ]
}

proptest! {
    /// Random register traffic never panics, never exceeds a set's capacity, reports no
    /// event in the past, and the lines it drives are exactly the ones it thinks are up.
    #[test]
    fn random_traffic_keeps_the_invariants(ops in prop::collection::vec(op(), 1..300)) {
        let mut c = config(3);
        (c.priorities, c.capacity) = (4, 3);
        let (mut env, mut tc) = setup_with(&c);
        for (i, op) in ops.into_iter().enumerate() {
            let hart = i % 3;
            match op {
                Op::Read { off } => {
                    let _ = env.try_read(&mut tc, hart, off, 8);
                }
                Op::Write { off, value } => {
                    let _ = env.try_write(&mut tc, hart, off, 8, value);
                }
                Op::Source { n, level } => source(&mut env, &mut tc, n, level),
                Op::Advance { dt } => {
                    let now = env.now + dt;
                    env.advance(&mut tc, now);
                }
            }
            for (s, set) in tc.sets.iter().enumerate() {
                prop_assert!(set.used() <= 3, "set {s} over capacity");
                let counted: usize = set.q.count.iter().map(|&c| c as usize).sum();
                prop_assert_eq!(counted, set.q.len);
                let inflight = tc.pending.iter().filter(|w| w.0.set as usize == s).count();
                prop_assert_eq!(inflight, set.reserved);
            }
            if let Some(t) = tc.next_event(env.now, &env.timebase) {
                prop_assert!(t > env.now);
            }
            for h in 0..3 {
                let [k, u] = tc.line_up[h];
                let want = (k as u64 * mip::SSIP) | (u as u64 * mip::USIP);
                prop_assert_eq!(lines(&env, h), want);
            }
        }
    }
}
