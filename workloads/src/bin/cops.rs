//! COPS's matrix server (../shared/reference/seed-systems.md §1.10) under the concurrency
//! models COPS compared, for `experiments/priority.toml`, `connections.toml` and
//! `priority-taskctl.toml`.
//!
//! ```text
//! cops model=kcuc|kcut|ktut connections=N [port=8000] [cores=C] [path=usip|uintc|taskctl|poll]
//!      [queues=default|software|taskctl] [seed=S]
//! ```
//!
//! It accepts `connections` TCP connections first (COPS established every connection before
//! timing), then serves each as COPS's server does: a receiver reads a request (an
//! `abi::net::RequestHeader`, then an N×N matrix of `u32`), a handler squares the matrix
//! (`workloads::matrix`), a sender writes the header and the product back. The three are
//! coroutines or threads, and the kernel does their reads and writes one of three ways:
//!
//! | model | user side | kernel side of `read`/`write` |
//! | --- | --- | --- |
//! | `kcuc` | three coroutines per connection in one executor, polled by `cores` virtual cores (`alloc_cpu`), ready queues `queues` | asynchronous: a kernel coroutine completes the call and wakes the user coroutine by `path` (`usip` is COPS's) |
//! | `kcut` | three threads per connection | a kernel coroutine does the call and unblocks the thread (`abi::BLOCKING_KEY`) |
//! | `ktut` | three threads per connection | the thread blocks in its own kernel context until the copy is done |
//!
//! `cores` 0 (the default) means one virtual core per hart. Once every connection is up the
//! server resets hartlab's statistics, so that the measured window (throughput, counters)
//! starts there.
//!
//! Priorities: each request carries its connection's priority (the client's). At a
//! connection's first request its receiver takes that priority and starts the handler and
//! sender at it, so the shared scheduler (`kcuc`) or the kernel's thread scheduler (`kcut`,
//! `ktut`) serves more urgent connections first. COPS gave connection `i` priority `i % P`
//! when it spawned the coroutines; the client does the same here, and the header carries it.
//!
//! The server runs until the machine stops (the client's `stop_when_done`); a connection the
//! peer closes ends its three tasks, and the server ends when every connection has.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use ulib::abi::net::{RequestHeader, REQUEST_HEADER_BYTES, REQUEST_PORT};
use ulib::abi::{Errno, PRIORITIES};
use ulib::args::KeyValues;
use ulib::coroutine::channel::{self, Receiver, Sender};
use ulib::coroutine::io::WakePath;
use ulib::coroutine::{self, Queues};
use ulib::io::Fd;
use ulib::net::{TcpListener, TcpStream};
use ulib::sync::Channel;
use ulib::{println, syscall, thread};

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

fn run(args: &[&str]) -> Result<(), String> {
    let a = KeyValues::parse(
        args,
        &[
            "model",
            "connections",
            "port",
            "cores",
            "path",
            "queues",
            "seed",
        ],
    )?;
    let model = match a.text("model", "kcuc") {
        "kcuc" => Model::Kcuc,
        "kcut" => Model::Kcut,
        "ktut" => Model::Ktut,
        other => return Err(format!("model: `{other}` is not kcuc, kcut or ktut")),
    };
    let connections = a.number("connections", 1)? as usize;
    let port = u16::try_from(a.number("port", u64::from(REQUEST_PORT))?)
        .map_err(|_| String::from("port: above 65535"))?;
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

    let listener =
        TcpListener::bind(port, connections.min(BACKLOG)).map_err(|e| format!("bind: {e:?}"))?;
    println!(
        "cops: {} connections, listening on port {port}",
        connections
    );
    let streams = (0..connections)
        .map(|_| listener.accept())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("accept: {e:?}"))?;
    // The measured window (throughput, statistics) starts with every connection up.
    ulib::sim::reset_stats();
    match model {
        Model::Kcuc => serve_by_coroutines(streams, cores, path, queues),
        Model::Kcut | Model::Ktut => serve_by_threads(streams, model),
    }
    .map_err(|e| format!("serving: {e:?}"))?;
    println!("cops: every connection closed");
    Ok(())
}

/// The listener's backlog (the kernel's most).
const BACKLOG: usize = 64;

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
    streams: Vec<TcpStream>,
    cores: usize,
    path: WakePath,
    queues: Queues,
) -> Result<(), Errno> {
    let options = coroutine::Options {
        queues,
        ..coroutine::Options::default()
    };
    coroutine::try_block_on_with(options, async move {
        coroutine::io::setup(path)?;
        if cores > 1 {
            coroutine::alloc_cpu(cores - 1)?;
        }
        let count = streams.len();
        let (closed, all_closed) = channel::channel();
        for stream in streams {
            coroutine::spawn(receiver(stream, closed.clone()), coroutine::MAIN_PRIORITY);
        }
        drop(closed);
        for _ in 0..count {
            all_closed.recv().await;
        }
        Ok(())
    })?
}

/// Reads requests from `stream` and passes them to the connection's handler, which it
/// starts (with the sender) at the first request's priority.
async fn receiver(stream: TcpStream, closed: Sender<()>) {
    let fd = stream.fd();
    let mut to_handler: Option<Sender<Request>> = None;
    let mut sent = Vec::new();
    while let Ok(header) = read_async(fd, REQUEST_HEADER_BYTES).await {
        let Some(request) = RequestHeader::decode(&header) else {
            break;
        };
        let body_bytes = (request.request_bytes as usize).saturating_sub(REQUEST_HEADER_BYTES);
        let Ok(body) = read_async(fd, body_bytes).await else {
            break;
        };
        let handler = to_handler.get_or_insert_with(|| {
            let priority = priority_of(&request);
            let _ = coroutine::set_priority(coroutine::current(), priority);
            let (to_handler, requests) = channel::channel();
            let (to_sender, responses) = channel::channel();
            let (done, finished) = channel::channel();
            coroutine::spawn(handler(requests, to_sender), priority);
            coroutine::spawn(sender(fd, responses, done), priority);
            sent.push(finished);
            to_handler
        });
        let mut header_bytes = [0u8; REQUEST_HEADER_BYTES];
        header_bytes.copy_from_slice(&header);
        handler.send(Request {
            header: header_bytes,
            request,
            body,
        });
    }
    // The handler ends when its requests do, the sender when its responses do.
    drop(to_handler);
    for finished in &sent {
        finished.recv().await;
    }
    drop(stream);
    closed.send(());
}

/// Squares each request's matrix and passes it on.
async fn handler(requests: Receiver<Request>, to_sender: Sender<Request>) {
    while let Some(mut r) = requests.recv().await {
        workloads::matrix::square(&mut r.body);
        to_sender.send(r);
    }
}

/// Writes each response.
async fn sender(fd: Fd, responses: Receiver<Request>, done: Sender<()>) {
    while let Some(r) = responses.recv().await {
        let mut out = response(r);
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

// ---- kcut, ktut: threads ----

/// Serves every connection by three threads whose reads and writes are done as `model`
/// says.
fn serve_by_threads(streams: Vec<TcpStream>, model: Model) -> Result<(), Errno> {
    let io = ThreadIo(model);
    let mut threads = Vec::new();
    for stream in streams {
        let stream = Arc::new(stream);
        let requests: Arc<Channel<Option<Request>>> = Arc::new(Channel::new());
        let responses: Arc<Channel<Option<Request>>> = Arc::new(Channel::new());
        let (input, to_handler) = (stream.clone(), requests.clone());
        threads.push(thread::try_spawn(move || {
            let mut priority = None;
            while let Ok(r) = io.read_request(&input) {
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
                if io.write_all(&stream, &response(r)).is_err() {
                    break;
                }
            }
        })?);
    }
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
    fn read(self, stream: &TcpStream, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.0 {
            Model::Kcut => syscall::read_by_kernel_coroutine(stream.fd(), buf),
            _ => stream.read(buf),
        }
    }

    fn read_exact(self, stream: &TcpStream, mut buf: &mut [u8]) -> Result<(), Errno> {
        while !buf.is_empty() {
            match self.read(stream, buf)? {
                0 => return Err(Errno::ConnReset),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    fn read_request(self, stream: &TcpStream) -> Result<Request, Errno> {
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

    fn write_all(self, stream: &TcpStream, mut buf: &[u8]) -> Result<(), Errno> {
        match self.0 {
            Model::Kcut => {
                while !buf.is_empty() {
                    match syscall::write_by_kernel_coroutine(stream.fd(), buf)? {
                        0 => return Err(Errno::BrokenPipe),
                        n => buf = &buf[n..],
                    }
                }
                Ok(())
            }
            _ => stream.write_all(buf),
        }
    }
}
