//! The guest's network: the same guest image serves a client written with Python's standard
//! library over QEMU's `virtio-net-device` and user-mode network (`hostfwd`): a TCP/IP stack
//! nobody here wrote talks to the guest's, in both notification modes.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A free TCP port on the host (for `hostfwd`; UDP uses the same number).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Boots the guest image on QEMU with a virtio-net card forwarding host `port` (TCP and
/// UDP) to guest port 7, runs `bootargs`, and once the guest prints `ready` runs the Python
/// client with `client_args` (after the host and port). Returns QEMU's exit status, the
/// console and the client's output.
fn serve_on_qemu(
    bootargs: &str,
    ready: &str,
    client_args: &[&str],
) -> (Option<i32>, String, String) {
    let image = Path::new(env!("HARTLAB_GUEST_IMAGE"));
    let port = free_port();
    let netdev =
        format!("user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:7,hostfwd=udp:127.0.0.1:{port}-:7");
    let qemu = support::qemu_command(
        image,
        2,
        Duration::from_secs(120),
        &[
            "-global",
            "virtio-mmio.force-legacy=false",
            "-netdev",
            &netdev,
            "-device",
            "virtio-net-device,netdev=n0",
            "-append",
            bootargs,
        ],
    );
    serve(qemu, port, ready, client_args)
}

/// Runs `machine` (a guest whose port 7 is forwarded from host `port`), waits for `ready` on
/// its console, runs the Python client against the port, and waits for the machine to end.
fn serve(
    mut machine: Command,
    port: u16,
    ready: &str,
    client_args: &[&str],
) -> (Option<i32>, String, String) {
    let mut qemu = machine
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the machine");
    let mut out = BufReader::new(qemu.stdout.take().expect("qemu's stdout"));
    let mut console = String::new();
    let mut line = String::new();
    while out.read_line(&mut line).expect("read qemu's console") > 0 {
        console.push_str(&line);
        let up = line.contains(ready);
        line.clear();
        if up {
            break;
        }
    }
    assert!(
        console.contains(ready),
        "the guest never got ready:\n{console}"
    );
    let script = support::repo_root().join("tests/net/echo_client.py");
    let client = Command::new("python3")
        .arg(script)
        .arg(client_args[0])
        .arg("127.0.0.1")
        .arg(port.to_string())
        .args(&client_args[1..])
        .output()
        .expect("run python3");
    if client_args[0] == "udp" {
        // The UDP server serves for ever: a datagram sent again after a lost or late reply
        // would make a counting server end early.
        // `timeout` passes SIGTERM on to the machine (SIGKILL would leave it running).
        let _ = Command::new("kill")
            .args(["-TERM", &qemu.id().to_string()])
            .status();
    }
    out.read_to_string(&mut console).expect("read the console");
    let status = qemu.wait().expect("wait for the machine").code();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&client.stdout),
        String::from_utf8_lossy(&client.stderr)
    );
    (status, console, report)
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn a_python_client_is_echoed_over_tcp_by_the_guest_on_qemu_with_interrupts_and_polling() {
    for (mode, notified) in [("irq", "interrupts"), ("poll", "polled")] {
        let bootargs = format!("net={mode} run netserver echo 7 6");
        let (status, console, client) = serve_on_qemu(
            &bootargs,
            "netserver: listening on port 7",
            &["tcp", "6", "20000"],
        );
        assert!(
            console.contains(&format!(
                "net: virtio-net 52:54:00:12:34:56, 10.0.2.15/24, {notified}"
            )),
            "{console}"
        );
        assert!(
            client.contains("tcp echo: 6 of 6 connections echoed 20000 bytes"),
            "{client}\n{console}"
        );
        assert!(
            console.contains("netserver: served 6 connections"),
            "{console}"
        );
        assert_eq!(status, Some(0), "{console}");
    }
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn coroutines_echo_a_python_client_with_asynchronous_socket_calls_on_qemu() {
    let (status, console, client) = serve_on_qemu(
        "run netserver echo-async 7 4 poll",
        "netserver: listening on port 7",
        &["tcp", "4", "5000"],
    );
    assert!(
        client.contains("tcp echo: 4 of 4 connections echoed 5000 bytes"),
        "{client}\n{console}"
    );
    assert!(
        console.contains("netserver: served 4 connections asynchronously"),
        "{console}"
    );
    assert_eq!(status, Some(0), "{console}");
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn a_python_client_is_echoed_over_udp_by_the_guest_on_qemu() {
    let (status, console, client) = serve_on_qemu(
        "run netserver udp-echo 7 0",
        "netserver: udp on port 7",
        &["udp", "20", "1000"],
    );
    assert!(
        client.contains("udp echo: 20 of 20 datagrams echoed 1000 bytes"),
        "{client}\n{console}"
    );
    // Ended by a signal once the client is done (QEMU then exits with 0).
    assert!(status.is_some(), "{console}");
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn the_matrix_server_answers_requests_in_the_load_generators_protocol_on_qemu() {
    let (status, console, client) = serve_on_qemu(
        "run netserver matrix 7 1",
        "netserver: listening on port 7",
        &["matrix", "20", "8"],
    );
    assert!(
        client.contains("matrix: 20 of 20 8x8 products right"),
        "{client}\n{console}"
    );
    assert_eq!(status, Some(0), "{console}");
}

#[test]
fn hartlab_live_mode_forwards_a_host_port_to_the_guest_for_a_python_client() {
    let port = free_port();
    let mut hartlab = Command::new("timeout");
    hartlab
        .args(["--signal=KILL", "120"])
        .arg(env!("CARGO_BIN_EXE_hartlab"))
        .args([
            "boot",
            "--harts",
            "2",
            "--hostfwd",
            &format!("tcp:{port}-:7"),
        ])
        .args(["--bootargs", "run netserver echo 7 3"]);
    let (status, console, client) = serve(
        hartlab,
        port,
        "netserver: listening on port 7",
        &["tcp", "3", "3000"],
    );
    assert!(
        client.contains("tcp echo: 3 of 3 connections echoed 3000 bytes"),
        "{client}\n{console}"
    );
    assert!(
        console.contains("netserver: served 3 connections"),
        "{console}"
    );
    assert_eq!(status, Some(0), "{console}");
}

#[test]
fn without_a_card_the_guest_says_so_and_sockets_fail_cleanly() {
    let o = support::hartlab_cli(&["boot", "--bootargs", "run netserver echo"]);
    let console = String::from_utf8_lossy(&o.stdout);
    assert!(console.contains("net: no virtio-net card"), "{console}");
    assert!(console.contains("netserver: NoDevice"), "{console}");
    assert_eq!(o.status.code(), Some(1), "{console}");
}

/// Boots the guest on hartlab with a network card whose simulated client host runs `client`
/// (the lines of a `[net.client]` table), the kernel command line `bootargs`; returns the
/// console and the statistics' `virtio-net` counters.
fn serve_on_hartlab(
    name: &str,
    harts: usize,
    client: &str,
    bootargs: &str,
) -> (Option<i32>, String, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!("hartlab-net-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("machine.toml");
    std::fs::write(
        &config,
        format!("[machine]\nharts = {harts}\n\n[net]\nenabled = true\n\n[net.client]\n{client}\n"),
    )
    .expect("write the config");
    let stats = dir.join("stats.json");
    let o = support::hartlab_cli(&[
        "boot",
        "--config",
        config.to_str().expect("utf-8 path"),
        "--bootargs",
        bootargs,
        "--stats",
        stats.to_str().expect("utf-8 path"),
    ]);
    let console = String::from_utf8_lossy(&o.stdout).into_owned();
    let stats: serde_json::Value = std::fs::read(&stats)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    let card = stats["devices"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["name"] == "virtio-net"))
        .map(|d| d["counters"].clone())
        .unwrap_or(serde_json::Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
    (o.status.code(), console, card)
}

#[test]
fn the_guest_answers_the_simulated_clients_in_every_notification_mode() {
    // Eight connections of 20 echoes each, closed by the client at the end: the server
    // sees every peer close and ends (the client does not stop the run).
    let client =
        "kind = \"echo\"\nconnections = 8\nrequests = 20\nrequest_bytes = 300\nstart_us = 3000\nstop_when_done = false";
    for mode in ["poll", "irq", "taskctl"] {
        let (status, console, card) = serve_on_hartlab(
            mode,
            2,
            client,
            &format!("net={mode} run netserver echo 7 8"),
        );
        assert!(
            console.contains("netserver: served 8 connections"),
            "{mode}:\n{console}"
        );
        assert_eq!(status, Some(0), "{mode}:\n{console}");
        assert_eq!(card["client.completed"], 160, "{mode}: {card}");
        assert_eq!(card["client.mismatched"], 0, "{mode}: {card}");
        assert_eq!(card["client.bytes_received"], 160 * 300, "{mode}: {card}");
    }
}

#[test]
fn pings_and_requests_are_answered_and_identical_runs_give_identical_results() {
    let ping = "kind = \"ping\"\nrequests = 30\nrequest_bytes = 1000\ninterval_us = 50.0\nstart_us = 3000\nstop_when_done = true";
    let (status, console, card) = serve_on_hartlab("ping", 1, ping, "run netserver echo 7 0");
    assert_eq!(status, Some(0), "{console}");
    assert_eq!(card["client.completed"], 30, "{card}");
    assert_eq!(card["client.dropped"], 0, "{card}");
    let matrix = "kind = \"closed\"\nconnections = 2\nrequests = 25\nrequest_bytes = 288\nresponse_bytes = 0\nservice = \"exponential\"\nservice_ns = 20000\nstart_us = 3000\nstop_when_done = true";
    let first = serve_on_hartlab(
        "matrix-a",
        2,
        matrix,
        "net=taskctl run netserver matrix 8000 0",
    );
    let second = serve_on_hartlab(
        "matrix-b",
        2,
        matrix,
        "net=taskctl run netserver matrix 8000 0",
    );
    assert_eq!(first.0, Some(0), "{}", first.1);
    assert_eq!(first.2["client.completed"], 50, "{}", first.2);
    assert_eq!(first.2["client.mismatched"], 0, "{}", first.2);
    assert_eq!(first.1, second.1);
    assert_eq!(first.2, second.2);
}
