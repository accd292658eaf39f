//! The queueing validation (`experiments/queueing.toml`, guest server `netserver
//! udp-poll`): one group of its quick profile gives byte-identical points with `--jobs 1`
//! and `--jobs 2`, the server loses no request, and it samples its time on the hart for every
//! request, on one hart and on two polling a port each (the client steering at random). (The quick profile's check against theory and baseline is `scripts/check-
//! experiments`'.)

mod support;

use experiments::store::read_points;
use support::{hartlab_cli as hartlab, output_text as text, repo_root, tempfile_dir};

#[test]
fn queueing_points_are_identical_whatever_the_jobs_and_lose_no_request() {
    let file = repo_root().join("experiments/queueing.toml");
    let dir = tempfile_dir("queueing-jobs");
    let only = "net.client.service=exponential,net.client.interval_us=66.0";
    for jobs in ["1", "2"] {
        let out = dir.join(jobs);
        let o = hartlab(&[
            "experiment",
            file.to_str().unwrap(),
            "--quick",
            "--only",
            only,
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let points = |jobs: &str| std::fs::read(dir.join(jobs).join("points.jsonl")).unwrap();
    assert!(
        points("1") == points("2"),
        "points.jsonl differs between --jobs 1 and --jobs 2"
    );
    let records = read_points(&dir.join("1")).unwrap();
    assert_eq!(records.len(), 4, "four seeds of one group");
    for r in &records {
        assert!(r.ok(), "{:?}", r.reason);
        let client = r.stats["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "virtio-net")
            .expect("the card's statistics")["counters"]
            .clone();
        for counter in ["client.dropped", "client.unanswered", "client.mismatched"] {
            assert_eq!(client[counter], 0, "{counter}: {client}");
        }
        assert_eq!(client["client.completed"], 2000, "{client}");
        // 2000 requests, the first 200 the warm-up; the server samples each (the run may
        // end before it stores the last one).
        assert_eq!(r.metrics["sojourn"].count, 1800);
        assert!(
            r.metrics["service"].count >= 1999,
            "{:?}",
            r.metrics["service"]
        );
        // Its time on the hart covers the requested 20 µs on average, plus its overhead.
        assert!(r.metrics["service"].mean > 20_000.0);
    }
}

#[test]
fn two_polling_harts_with_a_queue_each_serve_every_request_and_share_them() {
    let file = repo_root().join("experiments/queueing.toml");
    let dir = tempfile_dir("queueing-harts");
    let o = hartlab(&[
        "experiment",
        file.to_str().unwrap(),
        "--quick",
        "--only",
        "workload.queues=own,net.client.interval_us=22.5",
        "--jobs",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let records = read_points(&dir).unwrap();
    assert_eq!(records.len(), 4, "four seeds of one group");
    for r in &records {
        assert!(r.ok(), "{:?}", r.reason);
        let client = r.stats["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "virtio-net")
            .expect("the card's statistics")["counters"]
            .clone();
        for counter in ["client.dropped", "client.unanswered", "client.mismatched"] {
            assert_eq!(client[counter], 0, "{counter}: {client}");
        }
        assert_eq!(client["client.completed"], 500, "{client}");
        assert_eq!(r.metrics["sojourn"].count, 450);
        // Both workers sample their requests; the last of each may not be stored.
        assert!(
            r.metrics["service"].count >= 498,
            "{:?}",
            r.metrics["service"]
        );
        // At ρ ≈ 0.8 over two queues the sojourn stays bounded: a server polling one port
        // only would leave the other's requests unanswered (counted above).
        assert!(r.metrics["service"].mean > 20_000.0);
    }
}
