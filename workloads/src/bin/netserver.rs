//! Network servers on the guest kernel's sockets, for the tests and the network experiments.
//!
//! ```text
//! netserver echo [port] [connections]      TCP echo (RFC 862), a thread per connection
//! netserver echo-async [port] [connections] [path]
//!                                          TCP echo by coroutines with asynchronous reads
//!                                          and writes announced by wake-up `path` (`poll`,
//!                                          the default, `usip`, `uintc`, `taskctl`)
//! netserver udp-echo [port] [datagrams]    UDP echo
//! netserver request [port] [connections]   the load generators' request protocol
//! netserver udp-request [port] [requests] [sample]
//!                                          the same protocol, one request per datagram,
//!                                          served first come first served
//! netserver udp-poll [port] [requests] [sample] [workers] [queues]
//!                                          the same, polling the socket instead of waiting,
//!                                          on `workers` threads (default 1) sharing one
//!                                          socket (`queues` = `shared`, the default),
//!                                          each polling its own port (`own`), or its own
//!                                          and, when empty, the others' (`steal`)
//! netserver matrix [port] [connections]    the same, multiplying each request's matrix
//! ```
//!
//! `echo-async` first accepts its `connections` (which must be > 0) on the thread, then
//! serves each by a coroutine of one executor.
//!
//! The experiment runner's form `netserver mode=M [port=P] [count=N] [path=W] [sample=K]
//! [workers=C] [queues=Q]` means the same.
//!
//! With `connections` (or `datagrams`) > 0 the server ends after serving that many, which
//! ends the machine when it is the first process; 0 (the default) serves for ever. The
//! request server reads each request (an `abi::net::RequestHeader` and the rest of its
//! `request_bytes`), spends the requested `service_ns` spinning on the clock, and answers
//! with `response_bytes` bytes that start with the request's header. The matrix server (after
//! ATS-INTC's TCP benchmark, ../shared/reference/task-controllers.md §7.2) reads the body as
//! an N×N matrix of `u32` (N the largest with 4·N² ≤ body bytes), squares it, and answers
//! with the product after the header (cut or zero-padded to `response_bytes`).
//!
//! `udp-request` is the degenerate server of the queueing validation (experiments/README.md,
//! "Queueing theory"): one thread takes the datagrams in arrival order, spins for each
//! request's `service_ns` and sends the response to the request's sender. With `sample` K it
//! records, per request, sample K = the time it held the hart for the request (from its
//! datagram's receipt to the return of the response's send) and sample K + 1 = the time from
//! the previous response's send to this receipt (a receive that found the datagram waiting
//! while the server was busy, or the idle time before it came), both in nanoseconds.
//!
//! `udp-poll` is the same server polling its socket without ever waiting, as the µs-scale
//! servers of the literature (ZygOS, Shinjuku) poll their queues: an idle server finds a
//! request within one poll (two system calls, the clock's and the receive's) with no wake-up,
//! so every request costs the hart the same work whether or not it found the server idle. Its
//! sample K covers every cycle the hart spends on the request: from the start of the poll
//! that found it to the start of the first poll after its response was sent (the kernel's
//! taking in of the frame from the card included: with `net=poll` the kernel takes frames in
//! when a receive finds its socket empty, or at a timer tick). A busy period is thus cut into
//! its requests' samples with nothing left over. Sample K + 1 is the time the server polled
//! in vain before the request (zero when the request waited).
//!
//! With `workers` C > 1, `udp-poll` runs C such polling threads (the kernel gives each a hart
//! of its own when the machine has C harts). With `queues = shared` they all poll the one
//! socket of `port`, whose queue of datagrams is then a single FIFO that the first idle worker
//! takes the head of: c-FCFS, M/G/c. With `queues = own` worker k polls a socket of its own
//! on port `port + k`, and the client steers each request to one of the ports at random
//! (`net.client.ports`): d-FCFS with random steering, C independent M/G/1 queues. With
//! `queues = steal` a worker whose own socket is empty polls the others' in turn (from the
//! next worker's on) and takes the first request it finds: d-FCFS with work stealing. Each
//! worker samples its own requests as above (sample K + 1, its vain polling, per worker).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use ulib::abi::net::{RequestHeader, ECHO_PORT, REQUEST_HEADER_BYTES, REQUEST_PORT};
use ulib::abi::Errno;
use ulib::coroutine::{self, io::WakePath};
use ulib::net::{TcpListener, TcpStream, UdpSocket};
use ulib::{eprintln, println, thread, time};

ulib::main!(main);

fn main(args: &[&str]) -> i32 {
    // The experiment runner's form, `mode=M port=P count=N path=W` (and `seed=S`, unused),
    // becomes the positional one.
    let keyed: Vec<&str> = if args.iter().skip(1).any(|a| a.contains('=')) {
        let get = |key: &str| {
            args.iter()
                .skip(1)
                .find_map(|a| a.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        };
        let mode = get("mode").unwrap_or("echo");
        let port = get("port").unwrap_or(
            if matches!(mode, "request" | "matrix" | "udp-request" | "udp-poll") {
                "8000"
            } else {
                "7"
            },
        );
        alloc::vec![
            args[0],
            mode,
            port,
            get("count").unwrap_or("0"),
            if matches!(mode, "udp-request" | "udp-poll") {
                get("sample").unwrap_or("none")
            } else {
                get("path").unwrap_or("poll")
            },
            get("workers").unwrap_or("1"),
            get("queues").unwrap_or("shared")
        ]
    } else {
        args.to_vec()
    };
    let args = &keyed[..];
    let number = |i: usize, default: usize| -> Option<usize> {
        args.get(i).map_or(Some(default), |a| a.parse().ok())
    };
    let (Some(port), Some(count)) = (
        number(
            2,
            if matches!(
                args.get(1).copied(),
                Some("request" | "matrix" | "udp-request" | "udp-poll")
            ) {
                REQUEST_PORT as usize
            } else {
                ECHO_PORT as usize
            },
        ),
        number(3, 0),
    ) else {
        eprintln!("netserver: bad arguments (see its documentation)");
        return 2;
    };
    let port = port as u16;
    let result = match args.get(1).copied() {
        Some("echo") => serve_tcp(port, count, echo),
        Some("request") => serve_tcp(port, count, answer_requests),
        Some("matrix") => serve_tcp(port, count, answer_matrices),
        Some("udp-echo") => udp_echo(port, count),
        Some(mode @ ("udp-request" | "udp-poll")) => {
            let sample = match args.get(4).copied().unwrap_or("none") {
                "none" => Ok(None),
                k => match k.parse::<u64>() {
                    Ok(k) if k + 1 < ulib::sim::SAMPLE_KEYS => Ok(Some(k)),
                    _ => Err(Errno::Invalid),
                },
            };
            let workers = number(5, 1).filter(|w| (1..=MAX_WORKERS).contains(w));
            let queues = match args.get(6).copied().unwrap_or("shared") {
                "shared" => Some(Queues::Shared),
                "own" => Some(Queues::Own),
                "steal" => Some(Queues::Steal),
                _ => None,
            };
            match (sample, workers, queues) {
                (Ok(sample), _, _) if mode == "udp-request" => udp_requests(port, count, sample),
                (Ok(sample), Some(workers), Some(queues)) => {
                    udp_requests_polled(port, count, sample, workers, queues)
                }
                _ => {
                    eprintln!(
                        "netserver: bad sample, workers (1..={MAX_WORKERS}) or queues (shared | own | steal)"
                    );
                    return 2;
                }
            }
        }
        Some("echo-async") => match WakePath::from_name(args.get(4).copied().unwrap_or("poll")) {
            Some(path) if count > 0 => echo_async(port, count, path),
            _ => Err(Errno::Invalid),
        },
        _ => {
            eprintln!(
                "netserver: echo | udp-echo | request | udp-request | udp-poll [port] [count]"
            );
            return 2;
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("netserver: {e:?}");
            1
        }
    }
}

/// Accepts connections on `port`, each served by `serve` on a thread of its own; after
/// `count` connections (0: never) waits for them to end and returns.
fn serve_tcp(
    port: u16,
    count: usize,
    serve: fn(&TcpStream) -> Result<(), Errno>,
) -> Result<(), Errno> {
    let listener = TcpListener::bind(port, 16)?;
    println!("netserver: listening on port {port}");
    let mut threads = Vec::new();
    let mut accepted = 0;
    while count == 0 || accepted < count {
        let stream = listener.accept()?;
        accepted += 1;
        threads.push(thread::spawn(move || {
            if let Err(e) = serve(&stream) {
                eprintln!("netserver: connection: {e:?}");
            }
        }));
    }
    for t in threads {
        t.join()?;
    }
    println!("netserver: served {accepted} connections");
    Ok(())
}

/// Sends back everything until the peer closes.
fn echo(stream: &TcpStream) -> Result<(), Errno> {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n])?;
    }
}

/// Answers requests until the peer closes.
fn answer_requests(stream: &TcpStream) -> Result<(), Errno> {
    serve_requests(stream, |_| {})
}

/// Answers requests with the square of their matrix until the peer closes.
fn answer_matrices(stream: &TcpStream) -> Result<(), Errno> {
    serve_requests(stream, workloads::matrix::square)
}

/// Reads requests until the peer closes; for each, `work` turns the body into the response's
/// body, the requested service time is spent spinning, and the response goes back.
fn serve_requests(stream: &TcpStream, work: impl Fn(&mut Vec<u8>)) -> Result<(), Errno> {
    let mut header = [0u8; REQUEST_HEADER_BYTES];
    let mut body = Vec::new();
    let mut response = Vec::new();
    loop {
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(Errno::ConnReset) => return Ok(()),
            Err(e) => return Err(e),
        }
        let request = RequestHeader::decode(&header).ok_or(Errno::Invalid)?;
        body.resize(request.request_bytes as usize - REQUEST_HEADER_BYTES, 0);
        stream.read_exact(&mut body)?;
        work(&mut body);
        let end = time::now_ns() + request.service_ns;
        while time::now_ns() < end {}
        response.clear();
        response.extend_from_slice(&header);
        response.extend_from_slice(&body);
        response.resize(request.response_bytes as usize, 0);
        stream.write_all(&response)?;
    }
}

/// Sends every datagram back to its sender; after `count` (0: never) returns.
fn udp_echo(port: u16, count: usize) -> Result<(), Errno> {
    let socket = UdpSocket::bind(port)?;
    println!("netserver: udp on port {port}");
    let mut buf = vec![0u8; 2048];
    let mut served = 0;
    while count == 0 || served < count {
        let (n, addr, from) = socket.recv_from(&mut buf)?;
        socket.send_to(&buf[..n], addr, from)?;
        served += 1;
    }
    println!("netserver: echoed {served} datagrams");
    Ok(())
}

/// The largest UDP payload of one Ethernet frame.
const UDP_PAYLOAD: usize = 1472;

/// Answers request datagrams in arrival order, spinning for each one's service time; after
/// `count` (0: never) returns. With `sample`, records each request's time on the hart and
/// the time before it (see the module's documentation).
fn udp_requests(port: u16, count: usize, sample: Option<u64>) -> Result<(), Errno> {
    let socket = UdpSocket::bind(port)?;
    println!("netserver: udp requests on port {port}");
    let mut buf = vec![0u8; 2048];
    let mut response = Vec::new();
    let mut served = 0;
    let mut finished = time::now_ns();
    while count == 0 || served < count {
        let (n, addr, from) = socket.recv_from(&mut buf)?;
        let begun = time::now_ns();
        let Some(request) = RequestHeader::decode(&buf[..n.min(REQUEST_HEADER_BYTES)]) else {
            continue;
        };
        answer(&socket, &buf, &mut response, request, begun, addr, from)?;
        let done = time::now_ns();
        if let Some(key) = sample {
            ulib::sim::sample(key, done - begun);
            ulib::sim::sample(key + 1, begun - finished);
        }
        finished = done;
        served += 1;
    }
    println!("netserver: served {served} request datagrams");
    Ok(())
}

/// Most polling workers of `udp-poll`.
const MAX_WORKERS: usize = 64;

/// How `udp-poll`'s workers share the requests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Queues {
    /// One socket polled by all (c-FCFS).
    Shared,
    /// A socket per worker (d-FCFS).
    Own,
    /// A socket per worker, the others' polled when it is empty (d-FCFS with stealing).
    Steal,
}

/// [`udp_requests`] polling on `workers` threads sharing the requests as `queues` says
/// (worker k's own port is `port + k`); after `count` requests in all (0: never) returns.
/// See [`poll_requests`] for the samples.
fn udp_requests_polled(
    port: u16,
    count: usize,
    sample: Option<u64>,
    workers: usize,
    queues: Queues,
) -> Result<(), Errno> {
    let first = Arc::new(UdpSocket::bind(port)?);
    let mut sockets = vec![first.clone()];
    for k in 1..workers {
        sockets.push(if queues == Queues::Shared {
            first.clone()
        } else {
            Arc::new(UdpSocket::bind(port + k as u16)?)
        });
    }
    println!(
        "netserver: udp requests on port {port}, polled by {workers} worker(s), {} queue(s)",
        if queues == Queues::Shared { 1 } else { workers }
    );
    // Worker k's sockets: its own, then (stealing) the others' from k + 1 on.
    let polled_by = |k: usize| -> Vec<Arc<UdpSocket>> {
        let n = if queues == Queues::Steal { workers } else { 1 };
        (0..n).map(|i| sockets[(k + i) % workers].clone()).collect()
    };
    static SERVED: AtomicUsize = AtomicUsize::new(0);
    let mut threads = Vec::new();
    for k in 1..workers {
        let mine = polled_by(k);
        threads.push(thread::try_spawn(move || {
            poll_requests(&mine, count, sample, &SERVED)
        })?);
    }
    let result = poll_requests(&polled_by(0), count, sample, &SERVED);
    for t in threads {
        t.join()??;
    }
    result?;
    println!(
        "netserver: served {} request datagrams",
        SERVED.load(Ordering::Relaxed)
    );
    Ok(())
}

/// One polling worker: serves the datagrams of `sockets` (each poll tries them in order and
/// takes the first datagram found) until `served` (counting every worker's) reaches `count`
/// (0: never). The hart's time is cut into each request's span
/// (from the start of the poll that found it to the start of the first poll after its
/// response) and the idle polls between, so the spans of a busy period tile it with nothing
/// left out, the recording of the previous request's samples included.
fn poll_requests(
    sockets: &[Arc<UdpSocket>],
    count: usize,
    sample: Option<u64>,
    served: &AtomicUsize,
) -> Result<(), Errno> {
    let mut buf = vec![0u8; 2048];
    let mut response = Vec::new();
    let done = || count != 0 && served.load(Ordering::Relaxed) >= count;
    // The start of the last request's span and of the first poll after it.
    let mut last: Option<u64> = None;
    let mut idle_from = time::now_ns();
    while !done() {
        let mut polled = time::now_ns();
        if let Some(begun) = last.take() {
            idle_from = polled;
            if let Some(key) = sample {
                ulib::sim::sample(key, polled - begun);
            }
        }
        let (socket, (n, addr, from)) = 'poll: loop {
            for socket in sockets {
                if let Some(got) = socket.try_recv_from(&mut buf)? {
                    break 'poll (socket, got);
                }
            }
            if done() {
                return Ok(());
            }
            polled = time::now_ns();
        };
        if let Some(key) = sample {
            ulib::sim::sample(key + 1, polled - idle_from);
        }
        let Some(request) = RequestHeader::decode(&buf[..n.min(REQUEST_HEADER_BYTES)]) else {
            continue;
        };
        answer(
            socket,
            &buf,
            &mut response,
            request,
            time::now_ns(),
            addr,
            from,
        )?;
        last = Some(polled);
        served.fetch_add(1, Ordering::Relaxed);
    }
    if let (Some(begun), Some(key)) = (last, sample) {
        ulib::sim::sample(key, time::now_ns() - begun);
    }
    Ok(())
}

/// Spins until `request`'s service time from `received` has passed, then sends its response
/// (its header and `response_bytes` in all, at most one frame) to `addr`:`port`.
fn answer(
    socket: &UdpSocket,
    buf: &[u8],
    response: &mut Vec<u8>,
    request: RequestHeader,
    received: u64,
    addr: [u8; 4],
    port: u16,
) -> Result<(), Errno> {
    let end = received + request.service_ns;
    while time::now_ns() < end {}
    response.clear();
    response.extend_from_slice(&buf[..REQUEST_HEADER_BYTES]);
    // One datagram: at most one Ethernet frame's UDP payload.
    response.resize((request.response_bytes as usize).min(UDP_PAYLOAD), 0);
    socket.send_to(response, addr, port)?;
    Ok(())
}

/// Accepts `count` connections, then echoes each in a coroutine with asynchronous calls.
fn echo_async(port: u16, count: usize, path: WakePath) -> Result<(), Errno> {
    let listener = TcpListener::bind(port, 16)?;
    println!("netserver: listening on port {port}");
    let streams = (0..count)
        .map(|_| listener.accept())
        .collect::<Result<Vec<_>, _>>()?;
    let served = coroutine::block_on(async move {
        coroutine::io::setup(path)?;
        static DONE: AtomicUsize = AtomicUsize::new(0);
        for stream in streams {
            coroutine::spawn(
                async move {
                    let mut buf = vec![0u8; 256];
                    loop {
                        let (read, back) = coroutine::io::read(stream.fd(), buf).await;
                        let n = match read {
                            Ok(n) if n > 0 => n,
                            _ => break,
                        };
                        let mut out = back;
                        out.truncate(n);
                        let (written, back) = coroutine::io::write(stream.fd(), out).await;
                        if written != Ok(n) {
                            break;
                        }
                        buf = back;
                        buf.resize(256, 0);
                    }
                    drop(stream);
                    DONE.fetch_add(1, Ordering::Release);
                },
                coroutine::MAIN_PRIORITY,
            );
        }
        while DONE.load(Ordering::Acquire) < count {
            coroutine::yield_now().await;
        }
        Ok::<usize, Errno>(count)
    })?;
    println!("netserver: served {served} connections asynchronously");
    Ok(())
}
