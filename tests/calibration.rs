//! The calibration experiments with bare-metal or single-operation figures
//! (docs/calibration.md): `experiments/calibration.toml` (workload `calibrate`, user mode on
//! the guest kernel), `experiments/calibration-taic.toml` (the bare-metal
//! `tests/guest/taskctl/taic_bench.S`, TAIC's micro-benchmarks in S and U) and
//! `experiments/calibration-uintc.toml` (`tests/guest/uintr/latency.S` on the 50 MHz preset).
//! Each regression check passes against its committed baseline, and a dearer operation fails
//! it for the figures that operation is part of alone.

mod support;

#[test]
fn calibration_check_passes_and_catches_a_dearer_enqueue() {
    let out = support::check_fails_with("calibration", "[task_controller]\nenqueue_cycles = 5\n");
    assert!(out.contains("check failed: enqueue.p50"), "{out}");
    for other in ["dequeue", "register", "send"] {
        assert!(
            !out.contains(&format!("check failed: {other}.")),
            "{other} moved too:\n{out}"
        );
    }
}

#[test]
#[cfg_attr(
    not(guest_cc),
    ignore = "needs riscv64-unknown-elf-gcc (scripts/install-test-deps)"
)]
fn taic_benchmarks_check_passes_and_catches_a_dearer_s_trap_entry() {
    support::build_asm_guest("taskctl", "taic_bench", "", &[]);
    // Entering S costs one cycle more: every path into S moves, nothing else.
    let out = support::check_fails_with("calibration-taic", "[traps]\nentry_cycles_s = 3\n");
    for moved in ["context_s", "extint_s", "u_to_s", "ebreak"] {
        assert!(
            out.contains(&format!("check failed: {moved}.p50")),
            "{moved} did not move:\n{out}"
        );
    }
    for fixed in [
        "enqueue_s",
        "dequeue_s",
        "register_s",
        "send_s",
        "context_u",
        "extint_u",
        "softint_u",
    ] {
        assert!(
            !out.contains(&format!("check failed: {fixed}.")),
            "{fixed} moved too:\n{out}"
        );
    }
}

#[test]
#[cfg_attr(
    not(guest_cc),
    ignore = "needs riscv64-unknown-elf-gcc (scripts/install-test-deps)"
)]
fn uintc_latency_check_passes_and_catches_a_later_visibility() {
    support::build_asm_guest("uintr", "latency", "", &[]);
    // The SEND's effect reaching the receiving hart later moves the cross-hart figure; the
    // URET does not move.
    let out =
        support::check_fails_with("calibration-uintc", "[uintr]\nsend_visibility_cycles = 2\n");
    assert!(out.contains("check failed: send_to_utvec.p50"), "{out}");
    assert!(!out.contains("check failed: uret."), "{out}");
}
