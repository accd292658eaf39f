//! The guest's network: the same guest image serves a client written with Python's standard
//! library over QEMU's `virtio-net-device` and user-mode network (`hostfwd`): a TCP/IP stack
//! nobody here wrote talks to the guest's, in both notification modes.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

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
    let mut qemu = Command::new("timeout")
        .args(["--signal=KILL", "120", "qemu-system-riscv64"])
        .args([
            "-machine",
            "virt",
            "-bios",
            "none",
            "-nographic",
            "-monitor",
            "none",
        ])
        .args(["-serial", "stdio", "-m", "256M", "-smp", "2"])
        .args(["-global", "virtio-mmio.force-legacy=false"])
        .args(["-netdev", &netdev, "-device", "virtio-net-device,netdev=n0"])
        .arg("-kernel")
        .arg(image)
        .args(["-append", bootargs])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn qemu");
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
    out.read_to_string(&mut console)
        .expect("read qemu's console");
    let status = qemu.wait().expect("wait for qemu").code();
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
        "run netserver udp-echo 7 20",
        "netserver: udp on port 7",
        &["udp", "20", "1000"],
    );
    assert!(
        client.contains("udp echo: 20 of 20 datagrams echoed 1000 bytes"),
        "{client}\n{console}"
    );
    assert!(
        console.contains("netserver: echoed 20 datagrams"),
        "{console}"
    );
    assert_eq!(status, Some(0), "{console}");
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
fn without_a_card_the_guest_says_so_and_sockets_fail_cleanly() {
    let o = support::hartlab_cli(&["boot", "--bootargs", "run netserver echo"]);
    let console = String::from_utf8_lossy(&o.stdout);
    assert!(console.contains("net: no virtio-net card"), "{console}");
    assert!(console.contains("netserver: NoDevice"), "{console}");
    assert_eq!(o.status.code(), Some(1), "{console}");
}
