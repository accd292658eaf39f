//! The coroutine helper process the self tests (`selftest`) spawn: a coroutine process
//! whose behaviour its arguments choose. Like `child`, it reports through its exit status and
//! the shared memory it is given (addresses in decimal), and prints nothing of its own.
//! A first argument `taskctl` puts its coroutines on the task-controller back end (on QEMU
//! the runtime says in one line that it falls back to the software queues).
//!
//! | arguments | what it does | exit status |
//! | --- | --- | --- |
//! | `spin <addr>` | one coroutine sets word 1 at `addr` to 1, then spins, never yielding, until word 0 is non-zero | the timeouts its executor counted (at most 100) |
//! | `takeover <addr>` | its main coroutine spawns a spinner (sets word 1 to 1, then spins, never yielding, until word 0 is non-zero) and a marker (sets word 2 to 1), both at its own priority, and yields until the marker has run: only a takeover lets the marker run while the spinner spins on one hart | the takeovers its executor counted (at most 100) |
//! | `urgent <priority> <addr> <slot>` | its main coroutine takes `priority`, sets word `slot` to 1 (started), yields until word 0 (go) is set, then stores word 1 (the next stamp, counted up) + 1 in word `slot + 1` and word 2 (the stop flag) in word `slot + 2`, and wakes the futex at word `slot + 1` | 0 |
//! | `doorbell <addr>` | sets word 0 to 1 once it is a coroutine process, waits for doorbell 3, sets word 0 to 2 | 0 |
//! | `notify <pid>` | rings doorbell 0 of `pid` | 0 if the kernel refused with `NotPermitted`, else 1 |
//! | `async <path> <addr> <in> <out>` | makes asynchronous calls announced by wake-up path `path` (`poll`, `usip`, `uintc`, `taskctl`): while a second coroutine yields in a loop, reads pipe `in` asynchronously (word 0 set to 1 once the read is in flight), expects `ping`, writes `pong` asynchronously to pipe `out` | 0; 2 if the machine lacks the path's device; 10 setup failed, 11 bad read, 12 bad write, 13 the path did not announce a completion (a user interrupt; for `taskctl`, a user interrupt or a wake-up taken from the set, or on the task controller's queues a call bound to a channel) |
//! | `scribble <executor\|payload>` | overwrites its executor page (then spawns and polls), or stores into the payload's code | killed by a fault; 1 if it survives |

#![no_std]
#![no_main]

extern crate alloc;

use core::future::Future;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use ulib::abi::layout;
use ulib::coroutine::{self, Options, Queues};
use ulib::sync;

ulib::main!(main);

/// Whether the first argument asked for the task-controller back end.
static TASKCTL: AtomicBool = AtomicBool::new(false);

fn main(args: &[&str]) -> i32 {
    let args = match args.split_first() {
        Some((program, rest)) if rest.first() == Some(&"taskctl") => {
            TASKCTL.store(true, Ordering::Relaxed);
            [&[*program][..], &rest[1..]].concat()
        }
        _ => args.to_vec(),
    };
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
    match (args.get(1).copied(), number(2), number(3), number(4)) {
        (Some("spin"), Some(addr), ..) => spin(addr),
        (Some("takeover"), Some(addr), ..) => takeover(addr),
        (Some("urgent"), Some(priority), Some(addr), Some(slot)) => urgent(priority, addr, slot),
        (Some("doorbell"), Some(addr), ..) => doorbell(addr),
        (Some("notify"), Some(pid), ..) => {
            i32::from(coroutine::notify(pid, 0) != Err(ulib::Errno::NotPermitted))
        }
        (Some("async"), ..) => match (coroutine::io::WakePath::from_name(args[2]), number(3)) {
            (Some(path), Some(addr)) => async_calls(path, addr, number(4), number(5)),
            _ => 64,
        },
        (Some("scribble"), ..) => scribble(args.get(2).copied().unwrap_or("")),
        _ => 64,
    }
}

/// Runs `future` as the main coroutine, on the back end the arguments chose.
fn block_on(future: impl Future<Output = ()> + Send + 'static) {
    block_on_with(future, false);
}

/// [`block_on`], with spare threads taking over from preempted coroutines if `takeover`.
fn block_on_with(future: impl Future<Output = ()> + Send + 'static, takeover: bool) {
    let queues = if TASKCTL.load(Ordering::Relaxed) {
        Queues::TaskController
    } else {
        Queues::Default
    };
    let options = Options {
        queues,
        takeover,
        ..Options::default()
    };
    if let Err(error) = coroutine::try_block_on_with(options, future) {
        panic!("coroutine runtime: {error:?}");
    }
}

/// Word `index` of the shared memory at `addr`.
fn word(addr: usize, index: usize) -> &'static AtomicU64 {
    // SAFETY: the parent maps the shared memory (`map_shared`) before spawning this process
    // and passes its address; it holds at least `index + 1` words.
    unsafe { &*((addr as *const AtomicU64).add(index)) }
}

/// The low half of word `index`, as a futex word.
fn futex_word(addr: usize, index: usize) -> &'static AtomicU32 {
    // SAFETY: as for `word`; the low half of an aligned u64 (little-endian).
    unsafe { &*((addr as *const AtomicU32).add(2 * index)) }
}

fn spin(addr: usize) -> i32 {
    block_on(async move {
        word(addr, 1).store(1, Ordering::Release);
        while word(addr, 0).load(Ordering::Acquire) == 0 {
            core::hint::spin_loop();
        }
    });
    coroutine::executor_state()
        .timeouts
        .load(Ordering::Relaxed)
        .min(100) as i32
}

fn takeover(addr: usize) -> i32 {
    block_on_with(
        async move {
            coroutine::spawn(
                async move {
                    word(addr, 1).store(1, Ordering::Release);
                    while word(addr, 0).load(Ordering::Acquire) == 0 {
                        core::hint::spin_loop();
                    }
                },
                coroutine::MAIN_PRIORITY,
            );
            coroutine::spawn(
                async move { word(addr, 2).store(1, Ordering::Release) },
                coroutine::MAIN_PRIORITY,
            );
            while word(addr, 2).load(Ordering::Acquire) == 0 {
                coroutine::yield_now().await;
            }
        },
        true,
    );
    coroutine::executor_state()
        .takeovers
        .load(Ordering::Relaxed)
        .min(100) as i32
}

fn urgent(priority: usize, addr: usize, slot: usize) -> i32 {
    block_on(async move {
        let _ = coroutine::set_priority(coroutine::current(), priority);
        word(addr, slot).store(1, Ordering::Release);
        while word(addr, 0).load(Ordering::Acquire) == 0 {
            coroutine::yield_now().await;
        }
        let stamp = word(addr, 1).fetch_add(1, Ordering::AcqRel);
        word(addr, slot + 2).store(word(addr, 2).load(Ordering::Acquire), Ordering::Release);
        word(addr, slot + 1).store(stamp + 1, Ordering::Release);
        let _ = sync::futex_wake(futex_word(addr, slot + 1), 1);
    });
    0
}

fn doorbell(addr: usize) -> i32 {
    block_on(async move {
        word(addr, 0).store(1, Ordering::Release);
        coroutine::doorbell(3).await;
        word(addr, 0).store(2, Ordering::Release);
    });
    0
}

fn scribble(what: &str) -> i32 {
    block_on(async {});
    match what {
        "executor" => {
            let page = layout::COROUTINE_EXECUTOR as *mut u8;
            // SAFETY: the process's own executor page (read-write): wrecking it is the test.
            unsafe { core::ptr::write_bytes(page, 0x5a, 4096) };
            // The lock word free again, everything else garbage: the next poll follows the
            // garbage inbox and ready-queue pointers.
            coroutine::executor_state().lock.store(0, Ordering::Release);
            block_on(async {});
        }
        "payload" => {
            // SAFETY: a store into read+execute code: it must fault.
            unsafe { (layout::COROUTINE_PAYLOAD as *mut u64).write_volatile(0) };
        }
        _ => return 64,
    }
    1
}

fn async_calls(
    path: coroutine::io::WakePath,
    addr: usize,
    input: Option<usize>,
    output: Option<usize>,
) -> i32 {
    use coroutine::io;
    let (Some(input), Some(output)) = (input, output) else {
        return 64;
    };
    coroutine::block_on(async move {
        match io::setup(path) {
            Ok(()) => {}
            Err(ulib::Errno::NoDevice) => return 2,
            Err(_) => return 10,
        }
        let done = alloc::sync::Arc::new(core::sync::atomic::AtomicBool::new(false));
        let busy = done.clone();
        coroutine::spawn(
            async move {
                while !busy.load(Ordering::Acquire) {
                    coroutine::yield_now().await;
                }
            },
            coroutine::MAIN_PRIORITY,
        );
        let mut read = core::pin::pin!(io::read(input, alloc::vec![0; 16]));
        // In flight once polled: only then may the parent write.
        let (got, buf) = core::future::poll_fn(|cx| {
            let polled = read.as_mut().poll(cx);
            word(addr, 0).store(1, Ordering::Release);
            polled
        })
        .await;
        done.store(true, Ordering::Release);
        if got != Ok(4) || &buf[..4] != b"ping" {
            return 11;
        }
        let (wrote, _) = io::write(output, b"pong".to_vec()).await;
        if wrote != Ok(4) {
            return 12;
        }
        // The device's wake-up interrupts the receiver only on the hart that bound the
        // channel; a receiver that moved is told by the set's queue instead.
        let announced = match path {
            io::WakePath::Poll => true,
            // On the task controller's queues the coroutine was bound and only the device
            // could wake it (it had no waker); the read's completing proves the wake-up.
            io::WakePath::TaskCtl { .. } if coroutine::on_task_controller() => {
                io::bound_calls() > 0
            }
            io::WakePath::TaskCtl { .. } => io::interrupts() + io::device_wakeups() > 0,
            _ => io::interrupts() > 0,
        };
        if !announced {
            return 13;
        }
        0
    })
}
