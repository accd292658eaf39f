//! COPS's matrix server (../shared/reference/seed-systems.md §1.10) under the concurrency
//! models COPS compared, for `experiments/priority.toml`, `connections.toml` and
//! `priority-taskctl.toml`.
//!
//! ```text
//! cops model=kcuc|kcut|ktut|ktuc connections=N [transport=tcp|pipe] [port=8000] [cores=C]
//!      [path=usip|uintc|taskctl|poll] [queues=default|software|taskctl] [seed=S]
//!      [priorities=P interval_us=I duration_us=D drain_us=W matrix=M]   (transport=pipe)
//! ```
//!
//! It first sets up `connections` connections (COPS established every connection before
//! timing): TCP connections from the network's client host (`transport=tcp`, the default),
//! or, with `transport=pipe` (COPS's `connect_test`, which needs no network card and runs
//! on QEMU), two pipes per connection to a client process it starts itself (`cops
//! role=client`: connection i has priority `i % P` and sends an M×M matrix every I µs for
//! D µs from a random phase of the first period, reports each latency as sample 400 +
//! priority in ns, as the network's client does, and ends W µs (default 0.5 s) after its
//! last request, answered or not). Then it serves each connection as
//! COPS's server does: a receiver reads a request (an
//! `abi::net::RequestHeader`, then an N×N matrix of `u32`), a handler squares the matrix
//! (`workloads::matrix`), a sender writes the header and the product back. The three are
//! coroutines or threads, and the kernel does their reads and writes one of four ways:
//!
//! | model | user side | kernel side of `read`/`write` |
//! | --- | --- | --- |
//! | `kcuc` | three coroutines per connection in one executor, polled by `cores` virtual cores (`alloc_cpu`), ready queues `queues` | asynchronous: a kernel coroutine completes the call and wakes the user coroutine by `path` (`usip` is COPS's) |
//! | `kcut` | three threads per connection | a kernel coroutine does the call and unblocks the thread (`abi::BLOCKING_KEY`) |
//! | `ktut` | three threads per connection | the thread blocks in its own kernel context until the copy is done |
//! | `ktuc` | three coroutines per connection, as `kcuc` (`path` unused) | a thread of the server, COPS's kernel thread, waits in `poll_readable` on every open connection and wakes the receivers of the readable ones with the bytes they hold; receivers read those bytes and senders write by synchronous calls, which do not wait |
//!
//! `cores` 0 (the default) means one virtual core per hart. Once every connection is up the
//! server resets hartlab's statistics, so that the measured window (throughput, counters)
//! starts there.
//!
//! Priorities: each request carries its connection's priority (the client's). At a
//! connection's first request its receiver takes that priority and starts the handler and
//! sender at it, so the shared scheduler (`kcuc`, `ktuc`) or the kernel's thread scheduler (`kcut`,
//! `ktut`) serves more urgent connections first. COPS gave connection `i` priority `i % P`
//! when it spawned the coroutines; the client does the same here, and the header carries it.
//!
//! Memory (COPS's "maximum connections for a memory budget"): once every connection's first
//! request has arrived and every task has started (each connection waiting for its next
//! request), the server reports what serving holds beyond what it held just before its
//! tasks started: sample 450, its address space's frames (user stacks, heap pages;
//! `syscall::memory_held`), sample 451, the bytes its heap has handed out (task records,
//! channels, buffers), and sample 452, its threads' kernel stacks. All count this process
//! only, so neither the client nor the network stack's own allocations
//! move them; the kernel objects of the connections (pipes or sockets) are the same for
//! every model and not counted.
//!
//! Over TCP the server runs until the machine stops (the client's `stop_when_done`); a
//! connection the peer closes ends its three tasks, and the server ends when every
//! connection has. Over pipes the process ends when the client does (with its status),
//! whatever the server still has in hand.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use ulib::abi::net::{RequestHeader, REQUEST_HEADER_BYTES, REQUEST_PORT};
use ulib::abi::{Errno, PRIORITIES};
use ulib::args::KeyValues;
use ulib::coroutine::channel::{self, Receiver, Sender};
use ulib::coroutine::io::WakePath;
use ulib::coroutine::{self, Queues};
use ulib::io::{self, Fd};
use ulib::net::{TcpListener, TcpStream};
use ulib::sync::Channel;
use ulib::{println, process, sim, syscall, thread, time};

ulib::main!(main);

/// How the server is built.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Model {
    /// Kernel coroutines, user coroutines.
    Kcuc,
    /// Kernel coroutines, user threads.
    Kcut,
    /// Kernel threads (the caller's own kernel context), user threads.
    Ktut,
    /// A kernel thread polling the connections (`poll_readable`), user coroutines.
    Ktuc,
}

/// A request on its way through a connection's tasks: its header and its body (the matrix,
/// then the product).
struct Request {
    header: [u8; REQUEST_HEADER_BYTES],
    request: RequestHeader,
    body: Vec<u8>,
}

fn main(args: &[&str]) -> i32 {
    match run(args) {
        Ok(()) => 0,
        Err(reason) => {
            println!("cops: {reason}");
            1
        }
    }
}

/// The arguments the server and its pipe client take.
const KEYS: &[&str] = &[
    "role",
    "model",
    "transport",
    "connections",
    "port",
    "cores",
    "path",
    "queues",
    "seed",
    "priorities",
    "interval_us",
    "duration_us",
    "matrix",
    "base",
    "drain_us",
];

fn run(args: &[&str]) -> Result<(), String> {
    let a = KeyValues::parse(args, KEYS)?;
    if a.text("role", "server") == "client" {
        return pipe_client(&a);
    }
    let model = match a.text("model", "kcuc") {
        "kcuc" => Model::Kcuc,
        "kcut" => Model::Kcut,
        "ktut" => Model::Ktut,
        "ktuc" => Model::Ktuc,
        other => return Err(format!("model: `{other}` is not kcuc, kcut, ktut or ktuc")),
    };
    let connections = a.number("connections", 1)? as usize;
    let cores = match a.number("cores", 0)? as usize {
        0 => syscall::hart_count().map_err(|e| format!("hart_count: {e:?}"))?,
        n => n,
    };
    let path = a.text("path", "usip");
    let path = WakePath::from_name(path).ok_or_else(|| format!("path: unknown `{path}`"))?;
    let queues = a.text("queues", "default");
    let queues = Queues::from_name(queues).ok_or_else(|| format!("queues: unknown `{queues}`"))?;
    if connections == 0 {
        return Err(String::from("connections: at least 1"));
    }
    let serve = move |conns: Vec<Conn>| -> Result<(), Errno> {
        MEMORY.start(conns.len());
        // The measured window (throughput, statistics) starts with every connection up.
        sim::reset_stats();
        match model {
            Model::Kcuc => serve_by_coroutines(conns, cores, path, queues),
            Model::Ktuc => serve_by_polling(conns, cores, queues),
            Model::Kcut | Model::Ktut => serve_by_threads(conns, model),
        }
    };
    match a.text("transport", "tcp") {
        "tcp" => {
            serve(accept_tcp(&a, connections)?).map_err(|e| format!("serving: {e:?}"))?;
            println!("cops: every connection closed");
            Ok(())
        }
        "pipe" => {
            // The client decides when the measurement ends (COPS's connect_test ran for a
            // fixed time): the server serves on a thread of its own, and the process ends,
            // every thread with it, when the client has.
            let (conns, pid) = start_pipe_client(args, connections)?;
            thread::try_spawn(move || {
                if let Err(e) = serve(conns) {
                    println!("cops: serving: {e:?}");
                }
            })
            .map_err(|e| format!("thread: {e:?}"))?;
            // This thread only waits; at the most urgent priority it cannot be starved by
            // the server's threads when the client ends (a busy server would keep the run
            // from ending).
            let _ = thread::set_priority(0, 0);
            match process::wait(pid) {
                Ok((_, 0)) => {
                    println!("cops: the client is done");
                    syscall::exit(0)
                }
                Ok((_, status)) => Err(format!("the pipe client exited with {status}")),
                Err(e) => Err(format!("wait: {e:?}")),
            }
        }
        other => Err(format!("transport: `{other}` is not tcp or pipe")),
    }
}

/// Sample keys of the memory serving holds (see the module documentation): the process's
/// frames, its heap's bytes handed out, its threads' kernel stacks.
const FRAMES_HELD: u64 = 450;
const HEAP_HELD: u64 = 451;
const KERNEL_STACKS_HELD: u64 = 452;

/// The memory held before the tasks started (frames, heap, kernel stacks), and how many of
/// the events the reading waits for are still to come: each connection's first request,
/// and the last task started.
struct Memory {
    before: [AtomicUsize; 3],
    waiting: AtomicUsize,
}

static MEMORY: Memory = Memory {
    before: [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ],
    waiting: AtomicUsize::new(0),
};

impl Memory {
    /// The tasks of `connections` connections are about to start.
    fn start(&self, connections: usize) {
        for (before, now) in self.before.iter().zip(memory_now()) {
            before.store(now, Ordering::Relaxed);
        }
        self.waiting.store(connections + 1, Ordering::Release);
    }

    /// A connection's first request has arrived (its tasks started), or the server has
    /// started every task it starts up front; the last of these reports.
    fn reached(&self) {
        if self.waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
            let keys = [FRAMES_HELD, HEAP_HELD, KERNEL_STACKS_HELD];
            for ((key, before), now) in keys.iter().zip(&self.before).zip(memory_now()) {
                let held = now.saturating_sub(before.load(Ordering::Relaxed));
                sim::sample(*key, held as u64);
            }
        }
    }
}

/// The process's frames, heap bytes handed out and kernel stacks (0 where the kernel cannot
/// say).
fn memory_now() -> [usize; 3] {
    [
        syscall::memory_held(ulib::abi::memory::FRAMES).unwrap_or(0),
        ulib::heap::allocated(),
        syscall::memory_held(ulib::abi::memory::KERNEL_STACKS).unwrap_or(0),
    ]
}

/// One connection's two directions: a TCP socket (both the same descriptor) or two pipes,
/// which it closes when dropped.
struct Conn {
    read: Fd,
    write: Fd,
    socket: Option<TcpStream>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.socket.is_none() {
            let _ = io::close(self.read);
            let _ = io::close(self.write);
        }
    }
}

/// Accepts `connections` TCP connections on `port`.
fn accept_tcp(a: &KeyValues, connections: usize) -> Result<Vec<Conn>, String> {
    let port = u16::try_from(a.number("port", u64::from(REQUEST_PORT))?)
        .map_err(|_| String::from("port: above 65535"))?;
    let listener =
        TcpListener::bind(port, connections.min(BACKLOG)).map_err(|e| format!("bind: {e:?}"))?;
    println!("cops: {connections} connections, listening on port {port}");
    (0..connections)
        .map(|_| {
            let stream = listener.accept().map_err(|e| format!("accept: {e:?}"))?;
            Ok(Conn {
                read: stream.fd(),
                write: stream.fd(),
                socket: Some(stream),
            })
        })
        .collect()
}

/// The listener's backlog (the kernel's most).
const BACKLOG: usize = 256;

/// The priority a request asks for, within the machine's.
fn priority_of(request: &RequestHeader) -> usize {
    (request.priority as usize).min(PRIORITIES - 1)
}

/// The response to `r`: its header, the product, cut or zero-padded to the response size.
fn response(r: Request) -> Vec<u8> {
    let mut out = Vec::with_capacity(r.request.response_bytes as usize);
    out.extend_from_slice(&r.header);
    out.extend_from_slice(&r.body);
    out.resize(r.request.response_bytes as usize, 0);
    out
}

// ---- kcuc: coroutines, asynchronous calls ----

/// Serves every connection by three coroutines, polled by `cores` virtual cores.
fn serve_by_coroutines(
    conns: Vec<Conn>,
    cores: usize,
    path: WakePath,
    queues: Queues,
) -> Result<(), Errno> {
    let options = coroutine::Options {
        queues,
        ..coroutine::Options::default()
    };
    coroutine::try_block_on_with(options, async move {
        // A machine without user interrupts (QEMU) has only the polled path.
        if coroutine::io::setup(path) == Err(Errno::NoDevice) {
            println!("cops: no user interrupts here: completions are polled");
            coroutine::io::setup(WakePath::Poll)?;
        }
        if cores > 1 {
            coroutine::alloc_cpu(cores - 1)?;
        }
        let count = conns.len();
        let (closed, all_closed) = channel::channel();
        for conn in conns {
            coroutine::spawn(receiver(conn, closed.clone()), coroutine::MAIN_PRIORITY);
        }
        drop(closed);
        MEMORY.reached();
        for _ in 0..count {
            all_closed.recv().await;
        }
        Ok(())
    })?
}

/// Reads requests from `conn` and passes them to the connection's handler, which it starts
/// (with the sender) at the first request's priority.
async fn receiver(conn: Conn, closed: Sender<()>) {
    let fd = conn.read;
    let mut pipeline = Pipeline::new(conn.write, Writes::Asynchronous);
    while let Ok(header) = read_async(fd, REQUEST_HEADER_BYTES).await {
        let Some(request) = RequestHeader::decode(&header) else {
            break;
        };
        let body_bytes = (request.request_bytes as usize).saturating_sub(REQUEST_HEADER_BYTES);
        let Ok(body) = read_async(fd, body_bytes).await else {
            break;
        };
        let mut header_bytes = [0u8; REQUEST_HEADER_BYTES];
        header_bytes.copy_from_slice(&header);
        pipeline.pass(Request {
            header: header_bytes,
            request,
            body,
        });
    }
    pipeline.finish().await;
    drop(conn);
    closed.send(());
}

/// How a connection's sender coroutine writes its responses.
#[derive(Clone, Copy)]
enum Writes {
    /// Asynchronous calls completed by kernel coroutines (KCUC).
    Asynchronous,
    /// Synchronous calls in the virtual core's own kernel context (KTUC): a response fits
    /// the socket's or pipe's buffer, so the call does not wait unless the peer stops reading.
    Synchronous,
}

/// A connection's handler and sender coroutines, started at its first request's priority.
struct Pipeline {
    write: Fd,
    writes: Writes,
    to_handler: Option<Sender<Request>>,
    finished: Option<Receiver<()>>,
}

impl Pipeline {
    fn new(write: Fd, writes: Writes) -> Pipeline {
        Pipeline {
            write,
            writes,
            to_handler: None,
            finished: None,
        }
    }

    /// Passes `r` to the handler, starting it and the sender (and taking the request's
    /// priority for the calling coroutine) at the first request.
    fn pass(&mut self, r: Request) {
        let handler = self.to_handler.get_or_insert_with(|| {
            let priority = priority_of(&r.request);
            let _ = coroutine::set_priority(coroutine::current(), priority);
            let (to_handler, requests) = channel::channel();
            let (to_sender, responses) = channel::channel();
            let (done, finished) = channel::channel();
            coroutine::spawn(handler(requests, to_sender), priority);
            coroutine::spawn(sender(self.write, self.writes, responses, done), priority);
            self.finished = Some(finished);
            MEMORY.reached();
            to_handler
        });
        handler.send(r);
    }

    /// Ends the handler (its requests end) and waits for the sender (its responses end).
    async fn finish(mut self) {
        drop(self.to_handler.take());
        if let Some(finished) = &self.finished {
            finished.recv().await;
        }
    }
}

/// Squares each request's matrix and passes it on.
async fn handler(requests: Receiver<Request>, to_sender: Sender<Request>) {
    while let Some(mut r) = requests.recv().await {
        workloads::matrix::square(&mut r.body);
        to_sender.send(r);
    }
}

/// Writes each response.
async fn sender(fd: Fd, writes: Writes, responses: Receiver<Request>, done: Sender<()>) {
    while let Some(r) = responses.recv().await {
        let mut out = response(r);
        if let Writes::Synchronous = writes {
            if io::write_all(fd, &out).is_err() {
                break;
            }
            continue;
        }
        loop {
            let (written, back) = coroutine::io::write(fd, out).await;
            match written {
                // Every call slot is in flight: let one complete.
                Err(Errno::Again) => {
                    out = back;
                    coroutine::yield_now().await;
                }
                _ => break,
            }
        }
    }
    done.send(());
}

/// Reads exactly `n` bytes from `fd` by asynchronous calls.
async fn read_async(fd: Fd, n: usize) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; n];
    while out.len() < n {
        buf.resize(n - out.len(), 0);
        let (read, back) = coroutine::io::read(fd, buf).await;
        buf = back;
        match read {
            Ok(0) => return Err(Errno::ConnReset),
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(Errno::Again) => coroutine::yield_now().await,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

// ---- ktuc: a polling thread, coroutines ----

/// Serves every connection by three coroutines, polled by `cores` virtual cores; a thread of
/// its own (COPS's kernel thread: its kernel context waits in `poll_readable` on every open
/// connection) wakes a connection's receiver with the bytes that came.
fn serve_by_polling(conns: Vec<Conn>, cores: usize, queues: Queues) -> Result<(), Errno> {
    let options = coroutine::Options {
        queues,
        ..coroutine::Options::default()
    };
    coroutine::try_block_on_with(options, async move {
        if cores > 1 {
            coroutine::alloc_cpu(cores - 1)?;
        }
        let count = conns.len();
        let fds: Vec<Fd> = conns.iter().map(|c| c.read).collect();
        let acks: Arc<Channel<Ack>> = Arc::new(Channel::new());
        let (closed, all_closed) = channel::channel();
        let mut wake_ups = Vec::with_capacity(count);
        for (index, conn) in conns.into_iter().enumerate() {
            let (wake_up, woken) = channel::channel();
            wake_ups.push(wake_up);
            let receiver = polled_receiver(index, conn, woken, acks.clone(), closed.clone());
            coroutine::spawn(receiver, coroutine::MAIN_PRIORITY);
        }
        drop(closed);
        thread::try_spawn(move || poller(&fds, wake_ups, &acks))?;
        MEMORY.reached();
        for _ in 0..count {
            all_closed.recv().await;
        }
        Ok(())
    })?
}

/// A receiver's word to the poller once it has taken the bytes it was woken for: its
/// connection, and whether that is still open.
struct Ack {
    index: usize,
    open: bool,
}

/// The polling thread: waits for any open connection to become readable, wakes each
/// readable one's receiver with the bytes it holds, and waits for those receivers to take
/// them before it polls again (the poll reports a stream as long as it holds bytes).
fn poller(fds: &[Fd], wake_ups: Vec<Sender<usize>>, acks: &Channel<Ack>) {
    // More urgent than any connection: it only waits, and every request passes through it.
    let _ = thread::set_priority(0, 0);
    let mut open: Vec<usize> = (0..fds.len()).collect();
    let mut watched: Vec<Fd> = fds.to_vec();
    let mut ready = vec![[0usize; 2]; fds.len()];
    while !open.is_empty() {
        let n = match syscall::poll_readable(&watched, &mut ready) {
            Ok(n) => n,
            Err(e) => {
                println!("cops: poll_readable: {e:?}");
                break;
            }
        };
        for &[at, bytes] in &ready[..n] {
            wake_ups[open[at]].send(bytes);
        }
        let mut closed = false;
        for _ in 0..n {
            let ack = acks.recv();
            if !ack.open {
                open.retain(|&i| i != ack.index);
                closed = true;
            }
        }
        if closed {
            watched = open.iter().map(|&i| fds[i]).collect();
        }
    }
    // Dropping the wake-ups ends the receivers of connections the poller gave up.
}

/// Reads `conn`'s requests when the poller says bytes came (a read of that many never
/// waits), and passes each whole request to the connection's handler.
async fn polled_receiver(
    index: usize,
    conn: Conn,
    woken: Receiver<usize>,
    acks: Arc<Channel<Ack>>,
    closed: Sender<()>,
) {
    let mut pipeline = Pipeline::new(conn.write, Writes::Synchronous);
    let mut pending = Vec::new();
    while let Some(available) = woken.recv().await {
        // The end of the stream, a failed read or a malformed request ends the connection.
        let open = available > 0
            && read_available(conn.read, available, &mut pending).is_ok()
            && take_requests(&mut pending, &mut pipeline).is_ok();
        acks.send(Ack { index, open });
        if !open {
            break;
        }
    }
    pipeline.finish().await;
    drop(conn);
    closed.send(());
}

/// Appends the `available` bytes `fd` holds to `pending` by synchronous reads.
fn read_available(fd: Fd, available: usize, pending: &mut Vec<u8>) -> Result<(), Errno> {
    let start = pending.len();
    pending.resize(start + available, 0);
    let mut got = start;
    while got < pending.len() {
        match syscall::read(fd, &mut pending[got..])? {
            0 => return Err(Errno::ConnReset),
            n => got += n,
        }
    }
    Ok(())
}

/// Passes every whole request at the front of `pending` to `pipeline`; `Err` if a header is
/// malformed.
fn take_requests(pending: &mut Vec<u8>, pipeline: &mut Pipeline) -> Result<(), ()> {
    while pending.len() >= REQUEST_HEADER_BYTES {
        let request = RequestHeader::decode(&pending[..REQUEST_HEADER_BYTES]).ok_or(())?;
        let bytes = (request.request_bytes as usize).max(REQUEST_HEADER_BYTES);
        if pending.len() < bytes {
            break;
        }
        let mut header = [0u8; REQUEST_HEADER_BYTES];
        header.copy_from_slice(&pending[..REQUEST_HEADER_BYTES]);
        let body = pending[REQUEST_HEADER_BYTES..bytes].to_vec();
        pending.drain(..bytes);
        pipeline.pass(Request {
            header,
            request,
            body,
        });
    }
    Ok(())
}

// ---- kcut, ktut: threads ----

/// Serves every connection by three threads whose reads and writes are done as `model`
/// says.
fn serve_by_threads(conns: Vec<Conn>, model: Model) -> Result<(), Errno> {
    let calls = ThreadIo(model);
    let mut threads = Vec::new();
    for conn in conns {
        let stream = Arc::new(conn);
        let requests: Arc<Channel<Option<Request>>> = Arc::new(Channel::new());
        let responses: Arc<Channel<Option<Request>>> = Arc::new(Channel::new());
        let (input, to_handler) = (stream.clone(), requests.clone());
        threads.push(thread::try_spawn(move || {
            let mut priority = None;
            while let Ok(r) = calls.read_request(&input) {
                if priority.is_none() {
                    MEMORY.reached();
                }
                take_priority(&mut priority, &r.request);
                to_handler.send(Some(r));
            }
            to_handler.send(None);
        })?);
        let to_sender = responses.clone();
        threads.push(thread::try_spawn(move || {
            let mut priority = None;
            while let Some(mut r) = requests.recv() {
                take_priority(&mut priority, &r.request);
                workloads::matrix::square(&mut r.body);
                to_sender.send(Some(r));
            }
            to_sender.send(None);
        })?);
        threads.push(thread::try_spawn(move || {
            let mut priority = None;
            while let Some(r) = responses.recv() {
                take_priority(&mut priority, &r.request);
                if calls.write_all(&stream, &response(r)).is_err() {
                    break;
                }
            }
        })?);
    }
    MEMORY.reached();
    for t in threads {
        t.join()?;
    }
    Ok(())
}

/// Gives the calling thread the request's priority the first time.
fn take_priority(current: &mut Option<usize>, request: &RequestHeader) {
    if current.is_none() {
        let priority = priority_of(request);
        let _ = thread::set_priority(0, priority);
        *current = Some(priority);
    }
}

/// How a thread's reads and writes reach the kernel.
#[derive(Clone, Copy)]
struct ThreadIo(Model);

impl ThreadIo {
    fn read(self, conn: &Conn, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.0 {
            Model::Kcut => syscall::read_by_kernel_coroutine(conn.read, buf),
            _ => syscall::read(conn.read, buf),
        }
    }

    fn read_exact(self, stream: &Conn, mut buf: &mut [u8]) -> Result<(), Errno> {
        while !buf.is_empty() {
            match self.read(stream, buf)? {
                0 => return Err(Errno::ConnReset),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    fn read_request(self, stream: &Conn) -> Result<Request, Errno> {
        let mut header = [0u8; REQUEST_HEADER_BYTES];
        self.read_exact(stream, &mut header)?;
        let request = RequestHeader::decode(&header).ok_or(Errno::Invalid)?;
        let mut body =
            vec![0u8; (request.request_bytes as usize).saturating_sub(REQUEST_HEADER_BYTES)];
        self.read_exact(stream, &mut body)?;
        Ok(Request {
            header,
            request,
            body,
        })
    }

    fn write_all(self, conn: &Conn, mut buf: &[u8]) -> Result<(), Errno> {
        match self.0 {
            Model::Kcut => {
                while !buf.is_empty() {
                    match syscall::write_by_kernel_coroutine(conn.write, buf)? {
                        0 => return Err(Errno::BrokenPipe),
                        n => buf = &buf[n..],
                    }
                }
                Ok(())
            }
            _ => io::write_all(conn.write, buf),
        }
    }
}

// ---- the in-guest transport: a client process over pipes (COPS's `connect_test`) ----

/// Makes two pipes per connection, starts the client process (`role=client`, with this
/// server's arguments) on them and keeps the server's ends.
fn start_pipe_client(args: &[&str], connections: usize) -> Result<(Vec<Conn>, usize), String> {
    let mut ends = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (request_read, request_write) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
        let (response_read, response_write) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
        ends.push([request_read, request_write, response_read, response_write]);
    }
    // The client finds connection i's ends at base + 4i (+1: requests, +2: responses).
    let base = ends[0][0];
    if ends
        .iter()
        .enumerate()
        .any(|(i, e)| (0..4).any(|k| e[k] != base + 4 * i + k))
    {
        return Err(String::from("pipe descriptors are not consecutive"));
    }
    let mut words: Vec<String> = args
        .iter()
        .skip(1)
        .filter(|w| !w.starts_with("role=") && !w.starts_with("base="))
        .map(|w| String::from(*w))
        .collect();
    words.push(String::from("role=client"));
    words.push(format!("base={base}"));
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let pid = process::spawn("cops", &words).map_err(|e| format!("spawn: {e:?}"))?;
    let conns = ends
        .into_iter()
        .map(
            |[request_read, request_write, response_read, response_write]| {
                let _ = io::close(request_write);
                let _ = io::close(response_read);
                Conn {
                    read: request_read,
                    write: response_write,
                    socket: None,
                }
            },
        )
        .collect();
    println!("cops: {connections} connections over pipes to client {pid}");
    Ok((conns, pid))
}

/// The client of the pipe transport: per connection (priority `i % priorities`), a thread
/// that sends an N×N matrix (`matrix`) every `interval_us` for `duration_us`, from a random
/// phase of the first period (seeded), and a thread that reads the responses and reports
/// each latency, from the request's due time to its response's last byte, as sample
/// 400 + priority (in ns, as the network client's).
fn pipe_client(a: &KeyValues) -> Result<(), String> {
    let connections = a.number("connections", 1)? as usize;
    let base = a.number("base", 0)? as usize;
    let priorities = a.number("priorities", 1)?.clamp(1, PRIORITIES as u64) as usize;
    let interval = a.number("interval_us", 50_000)?.max(1) * 1000;
    let duration = a.number("duration_us", 1_000_000)? * 1000;
    let n = a.number("matrix", 15)? as usize;
    let seed = a.number("seed", 1)?;
    let drain = a.number("drain_us", 500_000)? * 1000;
    let bytes = REQUEST_HEADER_BYTES + 4 * n * n;
    // Close the server's ends, so that the server sees the end of each request stream.
    for i in 0..connections {
        let _ = io::close(base + 4 * i);
        let _ = io::close(base + 4 * i + 3);
    }
    // The client stands for machines of their own: its threads only sleep and wait, so at
    // the most urgent priority they never hold the server up, and a server past saturation
    // cannot starve them (the run would never end).
    let _ = thread::set_priority(0, 0);
    let start = time::now_ns() + 1_000_000;
    let end = start + duration;
    for i in 0..connections {
        let (requests, responses) = (base + 4 * i + 1, base + 4 * i + 2);
        let priority = (i % priorities) as u32;
        let mut mix = seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let phase = splitmix(&mut mix) % interval;
        let due: Arc<Channel<Option<u64>>> = Arc::new(Channel::new());
        let sent = due.clone();
        // Both threads are detached: a sender may wait on a full pipe, and a receiver for a
        // response, that never come; the process's end ends them.
        thread::try_spawn(move || {
            let _ = thread::set_priority(0, 0);
            let mut body = vec![0u8; bytes - REQUEST_HEADER_BYTES];
            for (k, b) in body.iter_mut().enumerate() {
                *b = (k as u64 ^ mix) as u8;
            }
            let mut at = start + phase;
            let mut id = 0;
            while at < end {
                let now = time::now_ns();
                if at > now {
                    time::sleep_ns(at - now);
                }
                let header = RequestHeader {
                    request_bytes: bytes as u32,
                    response_bytes: bytes as u32,
                    priority,
                    service_ns: 0,
                    id,
                };
                sent.send(Some(at));
                let mut request = Vec::from(header.encode());
                request.extend_from_slice(&body);
                if io::write_all(requests, &request).is_err() {
                    break;
                }
                id += 1;
                at += interval;
            }
            sent.send(None);
            let _ = io::close(requests);
        })
        .map_err(|e| format!("thread: {e:?}"))?;
        thread::try_spawn(move || {
            let _ = thread::set_priority(0, 0);
            let mut response = vec![0u8; bytes];
            while let Some(at) = due.recv() {
                let mut got = 0;
                while got < bytes {
                    match io::read(responses, &mut response[got..]) {
                        Ok(0) | Err(_) => return,
                        Ok(k) => got += k,
                    }
                }
                sim::sample(400 + u64::from(priority), time::now_ns() - at);
            }
            let _ = io::close(responses);
            RECEIVED.fetch_add(1, Ordering::AcqRel);
        })
        .map_err(|e| format!("thread: {e:?}"))?;
    }
    // Wait for the responses still due until `drain_us` after the last request, then end
    // (the threads of requests never sent or answered end with the process).
    let deadline = end + drain;
    while RECEIVED.load(Ordering::Acquire) < connections && time::now_ns() < deadline {
        time::sleep_ns(1_000_000);
    }
    Ok(())
}

/// The pipe client's receivers that have read every response due.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// SplitMix64: the client's phases from its seed.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
