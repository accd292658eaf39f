//! The simulator-control device's measurement registers seen from a guest: samples, events,
//! NOW_PS and statistics dumps reach the run's report, and a sample store costs a timed loop
//! nothing beyond its issue slot (a NOP's) unless `[sim_control] access_cycles` says so.

mod support;

use hartlab::run::RunReport;

/// Iterations of each timed loop in measure.S.
const LOOPS: u64 = 100;

fn measure(toml: &str) -> RunReport {
    let elf = support::build_asm_guest("simctl", "measure", "", &[]);
    let run = support::run_hartlab_toml(&elf, toml, 10_000_000);
    assert_eq!(
        run.status,
        0,
        "measure.S {}",
        support::describe_status(&run)
    );
    run.report
}

/// Values of sample `key`, in order.
fn values(report: &RunReport, key: u16) -> Vec<u64> {
    report
        .recording
        .samples
        .iter()
        .filter(|s| s.key == key)
        .map(|s| s.value)
        .collect()
}

fn one(report: &RunReport, key: u16) -> u64 {
    let v = values(report, key);
    assert_eq!(v.len(), 1, "key {key}: {v:?}");
    v[0]
}

#[test]
fn samples_events_time_and_dumps_reach_the_report() {
    let r = measure("");
    let rec = &r.recording;
    assert_eq!(values(&r, 3), [0, 1, 2, 3, 4]);
    assert!(rec.samples.iter().all(|s| s.hart == 0));
    assert!(
        rec.samples.windows(2).all(|w| w[0].time_ps <= w[1].time_ps),
        "samples in time order"
    );
    // NOW_PS read just before the sample store that recorded it.
    let now = rec.samples.iter().find(|s| s.key == 20).unwrap();
    assert!(
        now.value <= now.time_ps && now.time_ps - now.value < 500_000,
        "NOW_PS {} vs the store at {}",
        now.value,
        now.time_ps
    );
    let ids: Vec<u64> = rec.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2]);
    for e in &rec.events {
        assert_eq!(e.time_ps, e.cycle * 1000, "1 GHz: {e:?}");
    }
    assert!(rec.events[0].cycle < rec.events[1].cycle);
    assert_eq!((rec.samples_dropped, rec.events_dropped), (0, 0));
    // STATS: reset, 1000 two-instruction iterations, two dumps.
    assert_eq!(r.dumps.len(), 2);
    let (d0, d1) = (&r.dumps[0].harts[0], &r.dumps[1].harts[0]);
    assert!(
        (2000..2010).contains(&d0.instret),
        "instructions since the reset: {}",
        d0.instret
    );
    assert!(d1.instret > d0.instret && d1.instret < d0.instret + 5);
    assert!(r.dumps[0].sim_seconds > 0.0 && r.dumps[0].sim_seconds < 1e-5);
    assert!(r.stats_since > 0);
    assert!(
        r.stats.harts[0].instret > d1.instret && r.stats.harts[0].instret < 10_000,
        "the final statistics count from the reset too"
    );
    let sc = r
        .stats
        .devices
        .iter()
        .find(|d| d.name == "sim-control")
        .unwrap();
    assert_eq!(sc.counters.get("events"), Some(&2));
}

#[test]
fn a_sample_store_costs_a_timed_loop_nothing_but_its_issue_slot() {
    let r = measure("");
    let (sample, ram, nop, device) = (one(&r, 10), one(&r, 11), one(&r, 12), one(&r, 13));
    assert_eq!(sample, nop, "sample store vs NOP");
    assert_eq!(ram, nop, "cached store vs NOP");
    // An ordinary device register pays the 20-cycle interconnect round trip.
    assert!(
        device >= nop + 20 * LOOPS,
        "TIMING store loop {device} vs {nop}"
    );
    assert_eq!(values(&r, 30).len() as u64, 2 * LOOPS);
    // A configured cost is charged exactly, still without the round trip.
    let r = measure("[sim_control]\naccess_cycles = 5\n");
    assert_eq!(one(&r, 10), one(&r, 12) + 5 * LOOPS);
    // A larger round trip does not touch the measurement registers.
    let r = measure("[interconnect]\nmmio_cycles = 50\n");
    assert_eq!(one(&r, 10), one(&r, 12));
    assert!(one(&r, 13) >= one(&r, 12) + 50 * LOOPS);
}

#[test]
fn sample_cap_drops_and_counts_instead_of_growing() {
    let r = measure("[sim_control]\nmax_samples = 4\nmax_events = 1\nmax_dumps = 1\n");
    let rec = &r.recording;
    assert_eq!(rec.samples.len(), 4);
    assert!(rec.samples_dropped > 200, "{}", rec.samples_dropped);
    assert_eq!((rec.events.len(), rec.events_dropped), (1, 1));
    assert_eq!((r.dumps.len(), r.dumps_dropped), (1, 1));
}
