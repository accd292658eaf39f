//! The helper process the self tests (`selftest`) spawn. What it does is chosen by its
//! arguments; it prints nothing (the self tests' output stays one line per test) and
//! reports through its exit status and the pipes it is given.
//!
//! | arguments | what it does | exit status |
//! | --- | --- | --- |
//! | `exit <code> [ms]` | sleeps `ms` milliseconds (default 0), then exits | `code` |
//! | `say <wfd> <words...>` | writes all its arguments, `argv[0]` first, joined by single spaces, to `wfd` | 0 |
//! | `echo <rfd> <wfd> [fd...]` | closes the listed fds, then copies `rfd` to `wfd` until end of file | 0; 1 if a write fails, 2 if a read fails |
//! | `fault <kind>` | makes one bad access (below) | killed by the kernel: `abi::KILLED_BY_FAULT - scause`; 1 if it survives |
//! | `isolation <value>` | stores `value` in a static, sleeps and yields, checks it is unchanged | 0 if unchanged, 1 if not |
//! | `spin <ms>` | runs without yielding until `ms` milliseconds have passed | 0 |
//! | `panic` | closes fds 1 and 2 (so nothing is printed), then panics | 101 |
//! | `shared <addr>` | in memory shared with its parent at `addr`: checks word 0 is 7, sets word 1 to 1, waits on the futex at word 2 until it is 1, sets word 3 to 9 | 0; 1 if word 0 was wrong |
//! | `upcall <wait\|spin>` | sets an upcall handler, then waits in `upcall_wait` or spins until an upcall's value arrives | 0 if the value is 42, else 1 |
//! | `uipi <fd> <count>` | registers the user-interrupt receiver behind `fd` as a target, then `uipi.send`s to it `count` times | 0; 1 if registering fails |
//! | `taskctl send <fd>` | connects its task-controller set to the channel `fd` names and sends once | 0 if the device took the send, else 1 |
//! | `taskctl forge <value>` | stores `value` to its set's SEND register without connecting | 0 if the device refused it with NO_PERMISSION, else 1 |
//! | `taskctl wake-me <wfd>` | makes a descriptor of its set's channel 2, binds a handler there, writes the descriptor's number (8 bytes, little-endian) to `wfd` for the parent's `dup_from_child`, then dequeues until the handler is woken | 0 once woken, 1 if not within a second or on an error |
//! | `taskctl hold <rfd> <wfd> [fd...]` | closes the listed fds, opens a set and writes `o` to `wfd` (`n` if every set is taken, `e` on another error), then reads `rfd` until end of file | 0 |
//! | `taskctl open` | opens a set | 0 if it got one, else 1 |
//! | anything else | | 64 |
//!
//! Fault kinds (`scause` in brackets): `load-kernel` (13, load page fault at 0x8020_0000),
//! `store-kernel` (15), `store-text` (15, a byte store into its own code), `exec-kernel`
//! (12, jumps to 0x8020_0000), `illegal` (2, `unimp`), `load-unmapped` (13, a user address
//! nothing is mapped at), `exec-data` (12, jumps into its own read-write data),
//! `load-misaligned-unmapped` / `store-misaligned-unmapped` (13 / 15, an 8-byte access whose
//! second half lies above the stack's top page: performed by the firmware or the hardware, it
//! faults as any access to an unmapped page).

#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use ulib::abi::layout;
use ulib::taskctl::{self, TaskSet};
use ulib::{io, thread, time};

ulib::main!(main);

/// Exit status for arguments `child` does not understand.
const USAGE: i32 = 64;

fn main(args: &[&str]) -> i32 {
    match args.get(1..).unwrap_or(&[]) {
        ["exit", code, rest @ ..] => exit(code, rest),
        ["say", wfd, ..] => say(wfd, args),
        ["echo", rfd, wfd, close @ ..] => echo(rfd, wfd, close),
        ["fault", kind] => fault(kind),
        ["isolation", value] => isolation(value),
        ["spin", ms] => spin(ms),
        ["shared", addr] => shared(addr),
        ["upcall", how] => upcall(how),
        ["uipi", fd, count] => uipi(fd, count),
        ["taskctl", rest @ ..] => taskctl(rest),
        ["panic"] => {
            let _ = io::close(io::STDOUT);
            let _ = io::close(io::STDERR);
            panic!("deliberate panic");
        }
        _ => USAGE,
    }
}

fn num<T: core::str::FromStr>(arg: &str) -> Option<T> {
    arg.parse().ok()
}

fn exit(code: &str, rest: &[&str]) -> i32 {
    let Some(code) = num::<i32>(code) else {
        return USAGE;
    };
    match rest {
        [] => {}
        [ms] => match num::<u64>(ms) {
            Some(ms) => time::sleep_ms(ms),
            None => return USAGE,
        },
        _ => return USAGE,
    }
    code
}

fn say(wfd: &str, args: &[&str]) -> i32 {
    let Some(wfd) = num::<usize>(wfd) else {
        return USAGE;
    };
    for (i, arg) in args.iter().enumerate() {
        let sep: &[u8] = if i == 0 { b"" } else { b" " };
        if io::write_all(wfd, sep).is_err() || io::write_all(wfd, arg.as_bytes()).is_err() {
            return 1;
        }
    }
    0
}

fn echo(rfd: &str, wfd: &str, close: &[&str]) -> i32 {
    let (Some(rfd), Some(wfd)) = (num::<usize>(rfd), num::<usize>(wfd)) else {
        return USAGE;
    };
    for fd in close {
        match num::<usize>(fd) {
            Some(fd) => {
                let _ = io::close(fd);
            }
            None => return USAGE,
        }
    }
    let mut buf = [0u8; 128];
    loop {
        match io::read(rfd, &mut buf) {
            Ok(0) => return 0,
            Ok(n) => {
                if io::write_all(wfd, &buf[..n]).is_err() {
                    return 1;
                }
            }
            Err(_) => return 2,
        }
    }
}

/// An address in the kernel's part of every address space (the kernel's first page).
const KERNEL_ADDRESS: usize = 0x8020_0000;
/// A user address nothing is mapped at (between the program and the mapped memory).
const UNMAPPED_ADDRESS: usize = 0x8_0000_0000;

/// Read-write data to jump into.
static DATA: AtomicU64 = AtomicU64::new(0);

fn fault(kind: &str) -> i32 {
    // SAFETY (all): each access is meant to trap; the kernel then ends the process.
    match kind {
        "load-kernel" => unsafe { load_byte(KERNEL_ADDRESS) },
        "store-kernel" => unsafe { store_byte(KERNEL_ADDRESS) },
        "store-text" => unsafe { store_byte(fault as fn(&str) -> i32 as usize) },
        "exec-kernel" => unsafe { jump(KERNEL_ADDRESS) },
        "illegal" => unsafe { asm!("unimp") },
        "load-unmapped" => unsafe { load_byte(UNMAPPED_ADDRESS) },
        // Misaligned, the first half on the stack's top page and the second above it.
        "load-misaligned-unmapped" => unsafe {
            asm!("ld {tmp}, -4({addr})", addr = in(reg) layout::STACK_TOP, tmp = out(reg) _)
        },
        "store-misaligned-unmapped" => unsafe {
            asm!("sd zero, -4({addr})", addr = in(reg) layout::STACK_TOP)
        },
        "exec-data" => unsafe { jump(DATA.as_ptr() as usize) },
        _ => return USAGE,
    }
    1 // the access did not fault
}

unsafe fn load_byte(addr: usize) {
    unsafe { asm!("lb {tmp}, 0({addr})", addr = in(reg) addr, tmp = out(reg) _) };
}

unsafe fn store_byte(addr: usize) {
    unsafe { asm!("sb zero, 0({addr})", addr = in(reg) addr) };
}

unsafe fn jump(addr: usize) {
    unsafe { asm!("jalr ra, 0({addr})", addr = in(reg) addr, out("ra") _) };
}

/// The same virtual address in every `child` process.
static SLOT: AtomicU64 = AtomicU64::new(0);

fn isolation(value: &str) -> i32 {
    let Some(value) = num::<u64>(value) else {
        return USAGE;
    };
    SLOT.store(value, Ordering::SeqCst);
    for _ in 0..4 {
        time::sleep_ns(250_000);
        thread::yield_now();
        if SLOT.load(Ordering::SeqCst) != value {
            return 1;
        }
    }
    0
}

fn spin(ms: &str) -> i32 {
    let Some(ms) = num::<u64>(ms) else {
        return USAGE;
    };
    let end = time::now_ns() + ms * 1_000_000;
    while time::now_ns() < end {
        for _ in 0..1000 {
            core::hint::spin_loop();
        }
    }
    0
}

/// `shared <addr>`: see the table above.
fn shared(addr: &str) -> i32 {
    let Some(addr) = num::<usize>(addr) else {
        return USAGE;
    };
    // SAFETY: the parent mapped four shared words at `addr` before spawning us.
    let words = unsafe { &*(addr as *const [AtomicU32; 4]) };
    if words[0].load(Ordering::Acquire) != 7 {
        return 1;
    }
    words[1].store(1, Ordering::Release);
    while words[2].load(Ordering::Acquire) == 0 {
        let _ = ulib::syscall::futex_wait(&words[2], 0, 0);
    }
    words[3].store(9, Ordering::Release);
    0
}

/// The value the upcall handler received (0: none yet).
static UPCALL_VALUE: AtomicU64 = AtomicU64::new(0);

/// `upcall <wait|spin>`: see the table above.
fn upcall(how: &str) -> i32 {
    let handler: fn(usize) = |value| UPCALL_VALUE.store(value as u64, Ordering::Release);
    if ulib::upcall::set_handler(handler).is_err() {
        return 1;
    }
    while UPCALL_VALUE.load(Ordering::Acquire) == 0 {
        match how {
            "wait" => {
                if ulib::upcall::wait().is_err() {
                    return 1;
                }
            }
            "spin" => core::hint::spin_loop(),
            _ => return USAGE,
        }
    }
    i32::from(UPCALL_VALUE.load(Ordering::Acquire) != 42)
}

/// A task record for the `taskctl` modes: its address is the handler's task id.
#[repr(align(64))]
struct Record([u8; 64]);

static RECORD: Record = Record([0; 64]);

/// `taskctl ...`: see the table above.
fn taskctl(args: &[&str]) -> i32 {
    if let ["hold", rfd, wfd, close @ ..] = args {
        return taskctl_hold(rfd, wfd, close);
    }
    let Ok(set) = TaskSet::open() else {
        return 1;
    };
    let done = |ok: bool| i32::from(!ok);
    match args {
        ["send", fd] => {
            let Some(fd) = num::<usize>(fd) else {
                return USAGE;
            };
            let Ok(sender) = set.connect(fd) else {
                return 1;
            };
            sender.send();
            done(set.error() == 0)
        }
        ["forge", value] => {
            let Some(value) = num::<u64>(value) else {
                return USAGE;
            };
            set.sender(value).send();
            let error = set.error();
            set.clear_error(error);
            done(error == taskctl::error::NO_PERMISSION)
        }
        ["wake-me", wfd] => {
            let Some(wfd) = num::<usize>(wfd) else {
                return USAGE;
            };
            let Ok(fd) = set.channel(2) else {
                return 1;
            };
            let handler = taskctl::task_id(RECORD.0.as_ptr() as usize, 2, false);
            set.bind_channel(2, handler);
            if io::write_all(wfd, &(fd as u64).to_le_bytes()).is_err() {
                return 1;
            }
            let deadline = time::now_ns() + 1_000_000_000;
            while time::now_ns() < deadline {
                match set.dequeue(0) {
                    Some(task) => return done(task == handler && set.error() == 0),
                    None => thread::yield_now(),
                }
            }
            1
        }
        ["open"] => 0,
        _ => USAGE,
    }
}

/// `taskctl hold <rfd> <wfd> [fd...]`: see the table above.
fn taskctl_hold(rfd: &str, wfd: &str, close: &[&str]) -> i32 {
    let (Some(rfd), Some(wfd)) = (num::<usize>(rfd), num::<usize>(wfd)) else {
        return USAGE;
    };
    for fd in close {
        let Some(fd) = num::<usize>(fd) else {
            return USAGE;
        };
        let _ = io::close(fd);
    }
    let answer = match TaskSet::open() {
        Ok(_) => b'o',
        Err(ulib::Errno::NoMemory) => b'n',
        Err(_) => b'e',
    };
    if io::write_all(wfd, &[answer]).is_err() {
        return 1;
    }
    let mut buf = [0u8; 8];
    while let Ok(1..) = io::read(rfd, &mut buf) {}
    0
}

/// `uipi <fd> <count>`: see the table above.
fn uipi(fd: &str, count: &str) -> i32 {
    let (Some(fd), Some(count)) = (num::<usize>(fd), num::<usize>(count)) else {
        return USAGE;
    };
    let Ok(index) = ulib::uintr::register_sender(fd) else {
        return 1;
    };
    for _ in 0..count {
        ulib::uintr::send(index);
    }
    0
}
