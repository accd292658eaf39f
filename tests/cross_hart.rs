//! Cross-hart effects at the simulated time the timing model gives them, whatever the hart
//! ids and whatever the quantum (sim-core/TIMING.md, "Time across harts").
//!
//! Each test runs `tests/guest/cross/signal.S` with the signal going from hart 1 to hart 0
//! and from hart 0 to hart 1, with several quanta, and requires the same cycles every time;
//! where the model gives a closed form (an IPI), the cycles must equal it. With
//! `interleave = "quantum"` the old behaviour is kept on purpose, and pinned: a receiver sees
//! the signal up to a quantum late.

mod support;

use std::path::PathBuf;

use support::{build_asm_guest, describe_status, run_hartlab_toml};

/// How the sender signals (the guest's MECH).
#[derive(Debug, Clone, Copy)]
enum Mech {
    Ipi = 1,
    Poll = 2,
    PingPong = 3,
    TaskController = 4,
}

fn guest(mech: Mech, sender: u32) -> PathBuf {
    let defines = [
        format!("-DMECH={}", mech as u32),
        format!("-DSENDER={sender}"),
    ];
    let defines: Vec<&str> = defines.iter().map(String::as_str).collect();
    build_asm_guest(
        "cross",
        "signal",
        &format!("-m{}-s{sender}", mech as u32),
        &defines,
    )
}

/// The cycles the guest measured, on a two-hart machine with `extra` TOML.
fn latency(mech: Mech, sender: u32, extra: &str) -> u64 {
    let toml = format!("[machine]\nharts = 2\n{extra}");
    let r = run_hartlab_toml(&guest(mech, sender), &toml, 50_000_000);
    assert_eq!(
        r.status,
        0,
        "{mech:?} from hart {sender} on {toml:?}: {}",
        describe_status(&r)
    );
    let line = r
        .console
        .lines()
        .find_map(|l| l.strip_prefix("latency=0x"))
        .unwrap_or_else(|| panic!("no latency printed: {}", r.console));
    u64::from_str_radix(line.trim(), 16).unwrap()
}

/// The same figure in both directions and with every quantum; returns it.
fn independent_of_order_and_quantum(mech: Mech) -> u64 {
    let mut seen = Vec::new();
    for sender in [0, 1] {
        for quantum in ["", "quantum_ns = 10\n", "quantum_ns = 100000\n"] {
            seen.push((sender, quantum, latency(mech, sender, quantum)));
        }
    }
    let first = seen[0].2;
    assert!(
        seen.iter().all(|s| s.2 == first),
        "{mech:?}: (sender, quantum, cycles) {seen:?}"
    );
    first
}

/// An IPI through the CLINT: the sender's `csrr cycle` reads S (the cycle its store issues);
/// the store reaches the CLINT at S + 1 + 2 + 20/2 (issue, the L1 D lookup, half the
/// interconnect round trip), raising MSIP then; the spinning receiver takes it at that
/// boundary, the trap costs 3 + 2 + 2 (flush, M entry, interrupt), and the handler's
/// `csrr cycle` reads its own issue cycle + 1.
#[test]
fn an_ipi_takes_the_same_cycles_to_a_lower_or_higher_hart() {
    let cycles = independent_of_order_and_quantum(Mech::Ipi);
    assert_eq!(cycles, 1 + (2 + 10) + (3 + 2 + 2) + 1);
}

/// A task-controller SEND waking a preempting handler on the other hart: the SEND reaches
/// the controller as the IPI's store reaches the CLINT, the handler is ready `wake_cycles`
/// (7) later, its preempt flag raises SSIP on the receiver's hart then, and the trap is the
/// IPI's.
#[test]
fn a_task_controller_wake_up_takes_the_same_cycles_to_a_lower_or_higher_hart() {
    let cycles = independent_of_order_and_quantum(Mech::TaskController);
    assert_eq!(cycles, 1 + (2 + 10) + 7 + (3 + 2 + 2) + 1);
}

/// A polled store needs the receiver's load to miss once the store has invalidated its copy;
/// it is seen at the same cycle whichever hart stores.
#[test]
fn a_polled_store_is_seen_after_the_same_cycles_in_both_directions() {
    let cycles = independent_of_order_and_quantum(Mech::Poll);
    // The store's upgrade (L1 + L2 = 14) and the receiver's miss (14) are both on the path.
    assert!((28..60).contains(&cycles), "{cycles}");
}

/// A two-hart ping-pong on one line: the round trip is the machine's, not the knob's.
#[test]
fn a_ping_pong_round_trip_does_not_depend_on_who_serves_or_on_the_quantum() {
    let cycles = independent_of_order_and_quantum(Mech::PingPong);
    assert!((56..120).contains(&cycles), "{cycles}");
}

/// Quantum interleaving, kept as an explicit approximation, is what exactness removes: a
/// hart checks for interrupts raised by another hart only when its round starts, so an IPI
/// is taken up to a quantum late (here a 1 us quantum: up to 1000 cycles), by an amount that
/// depends on the quantum and the hart order.
#[test]
fn quantum_interleaving_sees_a_signal_up_to_a_quantum_late() {
    let exact = latency(Mech::Ipi, 0, "");
    let mut late = Vec::new();
    for sender in [0, 1] {
        for quantum_ns in [1000, 300] {
            let toml = format!("interleave = \"quantum\"\nquantum_ns = {quantum_ns}\n");
            let cycles = latency(Mech::Ipi, sender, &toml);
            assert!(
                cycles >= exact && cycles <= exact + quantum_ns,
                "from hart {sender}, quantum {quantum_ns} ns: {cycles} vs {exact}"
            );
            late.push(cycles);
        }
    }
    assert!(late.iter().any(|&c| c != exact), "{late:?} vs {exact}");
}
