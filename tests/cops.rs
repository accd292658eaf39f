//! COPS's matrix server (`workloads/src/bin/cops.rs`) over its in-guest transport, two pipes
//! per connection to a client process: every concurrency model answers every request on
//! hartlab, with a latency sample per request at the priority's key, identically on two
//! runs; and the same program runs on QEMU under every model. (The TCP transport is checked
//! by the experiments `connections.toml` and `priority.toml` against their baselines.)

mod support;

use std::path::Path;
use std::time::Duration;

/// Connections, priorities and requests of the runs here: 6 connections over 3 priorities,
/// one 8×8 matrix each every 20 ms for 100 ms (5 requests per connection).
const ARGS: &str = "transport=pipe connections=6 priorities=3 interval_us=20000 \
                    duration_us=100000 matrix=8";

#[test]
fn every_model_answers_every_request_over_pipes_with_a_sample_per_priority() {
    let dir = support::tempfile_dir("cops-pipes");
    let experiment = dir.join("cops-pipes.toml");
    let words: String = ARGS
        .split_whitespace()
        .map(|w| {
            let (k, v) = w.split_once('=').unwrap();
            match v.parse::<u64>() {
                Ok(n) => format!("{k} = {n}\n"),
                Err(_) => format!("{k} = \"{v}\"\n"),
            }
        })
        .collect();
    std::fs::write(
        &experiment,
        format!(
            "[experiment]\nname = \"cops-pipes\"\nmax_sim_time = \"1s\"\n\n\
             [machine]\nharts = 2\n\n[workload]\nkind = \"kernel\"\nprogram = \"cops\"\n\
             {words}\n[sweep]\n\"workload.model\" = [\"kcuc\", \"kcut\", \"ktut\", \"ktuc\"]\n\n\
             [metrics]\nlatency = {{ key = 400, unit = \"ns\", classes = 3, class = \"priority\" }}\n"
        ),
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = support::hartlab_cli(&[
        "experiment",
        experiment.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", support::output_text(&out));
    let summary = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    for model in ["kcuc", "kcut", "ktut", "ktuc"] {
        for priority in 0..3 {
            let row = summary
                .lines()
                .find(|l| {
                    l.starts_with("group,")
                        && l.contains(&format!(",{model},"))
                        && l.contains(&format!(",latency_priority{priority},"))
                })
                .unwrap_or_else(|| panic!("{model} priority {priority}: no row in\n{summary}"));
            // 2 connections × 5 requests per priority; the count column follows the unit.
            assert!(
                row.contains(",ns,10,"),
                "{model} priority {priority}: {row}"
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn the_pipe_transport_runs_on_qemu() {
    let image = Path::new(env!("HARTLAB_GUEST_IMAGE"));
    for model in ["kcuc", "kcut", "ktut", "ktuc"] {
        let bootargs = format!("run cops model={model} {ARGS}");
        let run =
            support::run_qemu_with(image, 4, Duration::from_secs(120), &["-append", &bootargs]);
        assert_eq!(run.status, Some(0), "{model}: {}", run.console);
        assert!(
            run.console.contains("cops: the client is done"),
            "{model}: {}",
            run.console
        );
    }
}

/// KCUC with COPS's wake-up path (`usip`: the kernel sets the receiver's `sip.USIP`) at 32
/// connections on the FPGA preset, where the server used to livelock: a switch-out that found
/// the software bit still set left the hart's inject request behind, and the next thread on
/// that hart (no receiver) took the user interrupt in S mode for ever (experiments/README.md,
/// "Without a network").
#[test]
fn kcuc_with_usip_wake_ups_ends_at_32_connections_on_the_fpga_preset() {
    let out = support::hartlab_cli(&[
        "boot",
        "--config",
        "configs/fpga-100mhz.toml",
        "--harts",
        "4",
        // About 81 million instructions when it ends; a livelock would run on for ever.
        "--max-insns",
        "400000000",
        "--bootargs",
        "run cops seed=1 model=kcuc path=usip transport=pipe connections=32 \
         interval_us=100000 duration_us=1000000 drain_us=500000 matrix=15",
    ]);
    let text = support::output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("cops: the client is done"), "{text}");
}
