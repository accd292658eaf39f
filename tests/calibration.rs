//! The calibration experiment (`experiments/calibration.toml`, workload `calibrate`,
//! docs/calibration.md): its regression check passes against the committed baseline, and a
//! dearer controller operation fails it for that operation alone.

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
