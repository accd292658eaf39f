//! Preemption mechanisms: what ends a task's quantum.
//!
//! Each dispatch arms a deadline, `quantum` after the task starts running (a one-shot timer
//! per quantum, as Shinjuku and Concord preempt a task that has run for a quantum, rather
//! than a periodic tick that would also cut short tasks that had just started). Deadlines
//! are in ticks of the `time` CSR.
//!
//! | mechanism | the deadline is | the interrupt reaches the task as |
//! | --- | --- | --- |
//! | `utimer` | written to the hart's `utimecmp` (hartlab's user timer) | a user timer interrupt at `utvec`: no kernel, no other hart |
//! | `uipi` | published to a timer thread of the process, which spins on `time` (with more than one hart: Aspen's and LibPreemptible's timer core) or sleeps on the kernel timer (one hart) | a `uipi.send` to the scheduler thread: a user software interrupt at `utvec` |
//! | `upcall` | published to a timer thread sleeping on the kernel timer | `upcall_send` to the process: the kernel's signal-style upcall (User_Schedule's SIGALRM) |
//! | `cooperative` | nothing | tasks switch only when they yield, block or end |
//!
//! The user-interrupt handler runs with `ustatus.UIE` clear and returns with `uret` to `uepc`;
//! a preemption switches tasks inside the handler, so [`Interrupted`] keeps the interrupted
//! task's `uepc` across the switch. The upcall's frame (every register and the pc) is on the
//! interrupted task's stack, where the kernel put it, and needs nothing more.
//!
//! A timer thread's interrupt can arrive after the task it was meant for has switched away;
//! the handler sees that its deadline is earlier than the one armed now and ignores it.

use crate::{syscall, thread, uintr, upcall};
use abi::Errno;
use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Disarmed.
pub const NEVER: u64 = u64::MAX;

/// What preempts a task.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mechanism {
    Cooperative,
    UserTimer,
    Uipi,
    Upcall,
}

impl Mechanism {
    pub const ALL: [Mechanism; 4] = [
        Mechanism::Cooperative,
        Mechanism::UserTimer,
        Mechanism::Uipi,
        Mechanism::Upcall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Cooperative => "cooperative",
            Mechanism::UserTimer => "utimer",
            Mechanism::Uipi => "uipi",
            Mechanism::Upcall => "upcall",
        }
    }

    pub fn parse(name: &str) -> Option<Mechanism> {
        Mechanism::ALL.into_iter().find(|m| m.name() == name)
    }

    /// At most how many instructions the hart retires from the end of a handler that
    /// resumes a task to the start of the next handler, when an interrupt is pending at the
    /// return: the handler's epilogue and the next one's entry (about 150 for the user
    /// interrupts; for the upcall also `upcall_return` and the next delivery in the kernel).
    /// A task interrupted sooner, at the pc where it was resumed, has run nothing.
    pub fn return_instructions(self) -> u64 {
        match self {
            Mechanism::Cooperative => 0,
            Mechanism::UserTimer | Mechanism::Uipi => 500,
            Mechanism::Upcall => 4000,
        }
    }

    /// Whether the interrupt is an N-extension user interrupt (handler ends with `uret`).
    pub fn is_user_interrupt(self) -> bool {
        matches!(self, Mechanism::UserTimer | Mechanism::Uipi)
    }
}

/// The `time` CSR.
#[inline(always)]
pub fn now_ticks() -> u64 {
    let t: u64;
    // SAFETY: the kernel lets user mode read `time` (`scounteren.TM`).
    unsafe { asm!("rdtime {}", out(reg) t, options(nomem, nostack)) };
    t
}

/// `time` ticks per second, measured once against the simulator's picosecond clock (or the
/// kernel's nanosecond clock without it) between two edges of `time` 100 000 ticks apart
/// (10 ms at 10 MHz), rounded to whole kilohertz. The latency samples convert deadlines to
/// picoseconds with it, so it must be exact: a loop polling `time` sees an edge up to a few
/// cycles late, 10^-5 of the span on the 100 MHz FPGA preset, and the rounding takes that off.
pub fn timebase_hz() -> u64 {
    static HZ: AtomicU64 = AtomicU64::new(0);
    let known = HZ.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    let clock_ps = || crate::sim::now_ps().unwrap_or_else(|| crate::time::now_ns() * 1000);
    // The first read maps the simulator's device: not between the edges.
    clock_ps();
    let edge = |after: u64| loop {
        let t = now_ticks();
        if t >= after {
            return t;
        }
    };
    let t0 = edge(now_ticks() + 1);
    let p0 = clock_ps();
    let t1 = edge(t0 + 100_000);
    let p1 = clock_ps();
    let hz = ((t1 - t0) as u128 * 1_000_000_000_000 / (p1 - p0).max(1) as u128) as u64;
    let hz = ((hz + 500) / 1000 * 1000).max(1000);
    HZ.store(hz, Ordering::Relaxed);
    hz
}

/// The interrupted state a preemption must carry across the switch (user interrupts: `uepc`).
pub struct Interrupted {
    uepc: usize,
}

impl Interrupted {
    /// Saves it (in the handler, before switching away).
    pub fn save(mechanism: Mechanism) -> Interrupted {
        let mut uepc = 0;
        if mechanism.is_user_interrupt() {
            // SAFETY: `uepc` of this hart, which the kernel switches with the thread.
            unsafe { asm!("csrr {}, 0x041", out(reg) uepc) };
        }
        Interrupted { uepc }
    }

    /// The pc the interrupt being handled interrupted (0: cooperative, no interrupt).
    pub fn pc(mechanism: Mechanism) -> usize {
        match mechanism {
            Mechanism::Cooperative => 0,
            Mechanism::Upcall => upcall::interrupted_pc(),
            Mechanism::UserTimer | Mechanism::Uipi => {
                let uepc: usize;
                // SAFETY: reads `uepc`.
                unsafe { asm!("csrr {}, 0x041", out(reg) uepc) };
                uepc
            }
        }
    }

    /// Restores it (in the handler, switched back): interrupts off until the handler's
    /// `uret`, which then resumes the task where it was and turns them on again.
    pub fn restore(self, mechanism: Mechanism) {
        if mechanism.is_user_interrupt() {
            // SAFETY: `ustatus` (0x000) UIE off, then `uepc` and UPIE for the `uret`.
            unsafe {
                asm!("csrci 0x000, 1");
                asm!("csrw 0x041, {}", in(reg) self.uepc);
                asm!("csrsi 0x000, 0x10");
            }
        }
    }
}

/// Turns user interrupts on in task context (after a switch that may have started in a
/// handler, where they were off).
#[inline(always)]
pub fn enable_user_interrupts() {
    // SAFETY: `ustatus.UIE`; the handler is registered.
    unsafe { asm!("csrsi 0x000, 1") };
}

/// Deadline a timer thread fires at (ticks; [`NEVER`]: none).
static DEADLINE: AtomicU64 = AtomicU64::new(NEVER);
/// The deadline of the last interrupt a timer thread raised.
static FIRED: AtomicU64 = AtomicU64::new(0);
/// Bumped to wake a parked timer thread (futex word).
static ARM_SEQ: AtomicU32 = AtomicU32::new(0);
/// The timer thread waits for a deadline.
static PARKED: AtomicBool = AtomicBool::new(false);
/// The timer thread should end.
static STOP: AtomicBool = AtomicBool::new(false);
/// UIPI sender-table index (plus one; 0: none yet).
static UIPI_INDEX: AtomicUsize = AtomicUsize::new(0);
/// The user-interrupt handler is registered (once per process).
static REGISTERED: AtomicBool = AtomicBool::new(false);
/// The function the handlers call with the deadline of the interrupt.
static ON_INTERRUPT: AtomicUsize = AtomicUsize::new(0);

/// A running mechanism.
pub struct Timer {
    mechanism: Mechanism,
    thread: Option<thread::JoinHandle<()>>,
}

impl Timer {
    /// Sets `mechanism` up; `on_interrupt(deadline)` runs at each interrupt.
    pub fn start(mechanism: Mechanism, on_interrupt: fn(u64)) -> Result<Timer, Errno> {
        ON_INTERRUPT.store(on_interrupt as usize, Ordering::Release);
        DEADLINE.store(NEVER, Ordering::Release);
        STOP.store(false, Ordering::Release);
        let mut timer = Timer {
            mechanism,
            thread: None,
        };
        match mechanism {
            Mechanism::Cooperative => {}
            Mechanism::UserTimer | Mechanism::Uipi => {
                if !REGISTERED.load(Ordering::Acquire) {
                    uintr::register_handler(user_interrupt)?;
                    let fd = uintr::create_fd(0)?;
                    let index = uintr::register_sender(fd)?;
                    UIPI_INDEX.store(index + 1, Ordering::Release);
                    REGISTERED.store(true, Ordering::Release);
                }
                if mechanism == Mechanism::UserTimer {
                    // SAFETY: the user timer, delegated to this receiver thread: disarmed,
                    // then enabled in `uie`.
                    unsafe {
                        asm!("csrw 0x8C0, {}", in(reg) NEVER);
                        asm!("csrs 0x004, {}", in(reg) 1usize << 4);
                    }
                } else {
                    let spin = syscall::hart_count().unwrap_or(1) > 1;
                    timer.thread = Some(thread::try_spawn(move || timer_thread(false, spin))?);
                }
            }
            Mechanism::Upcall => {
                upcall::set_handler(upcall_handler)?;
                timer.thread = Some(thread::try_spawn(|| timer_thread(true, false))?);
            }
        }
        Ok(timer)
    }

    /// Arms the deadline (`NEVER`: disarms) for the calling thread's task.
    #[inline]
    pub fn arm(&self, deadline: u64) {
        match self.mechanism {
            Mechanism::Cooperative => {}
            // SAFETY: this receiver's user timer.
            Mechanism::UserTimer => unsafe { asm!("csrw 0x8C0, {}", in(reg) deadline) },
            Mechanism::Uipi | Mechanism::Upcall => {
                DEADLINE.store(deadline, Ordering::SeqCst);
                if deadline != NEVER && PARKED.load(Ordering::SeqCst) {
                    ARM_SEQ.fetch_add(1, Ordering::Release);
                    let _ = syscall::futex_wake(&ARM_SEQ, 1);
                }
            }
        }
    }

    /// An interrupt is deferred (it landed where preemption is off): keeps it from coming
    /// again before the deferral ends, which re-arms. Only the user timer needs this: its
    /// interrupt is pending for as long as `time` ≥ `utimecmp`. A timer thread raises one
    /// interrupt per deadline, and disarming it would park it, so that the next arm would
    /// have to wake it with a system call, made with preemption off: at a 1 µs quantum that
    /// call outlasts the quantum, the next interrupt is deferred too, and so on, the task
    /// making almost no progress (FIFO with UIPIs used to take 27 times its work).
    #[inline]
    pub fn hold(&self) {
        if self.mechanism == Mechanism::UserTimer {
            self.arm(NEVER);
        }
    }

    /// Stops the mechanism (the handlers stay registered, idle).
    pub fn stop(mut self) {
        self.arm(NEVER);
        if self.mechanism == Mechanism::UserTimer {
            // SAFETY: disables the user timer interrupt in `uie`.
            unsafe { asm!("csrc 0x004, {}", in(reg) 1usize << 4) };
        }
        if let Some(thread) = self.thread.take() {
            STOP.store(true, Ordering::Release);
            ARM_SEQ.fetch_add(1, Ordering::Release);
            let _ = syscall::futex_wake(&ARM_SEQ, 1);
            let _ = thread.join();
        }
    }
}

/// Makes the calling thread (a worker added to a running scheduler) a receiver of its own
/// user timer, disarmed, for `mechanism` (only the user timer needs one per thread).
pub fn add_receiver(mechanism: Mechanism) -> Result<(), Errno> {
    if mechanism == Mechanism::UserTimer {
        uintr::register_handler(user_interrupt)?;
        // SAFETY: the user timer, delegated to this receiver thread: disarmed, then enabled
        // in `uie`.
        unsafe {
            asm!("csrw 0x8C0, {}", in(reg) NEVER);
            asm!("csrs 0x004, {}", in(reg) 1usize << 4);
        }
    }
    Ok(())
}

/// Undoes [`add_receiver`]'s timer setup on the calling thread (the thread then ends).
pub fn remove_receiver(mechanism: Mechanism) {
    if mechanism == Mechanism::UserTimer {
        // SAFETY: disarms this receiver's user timer and disables its interrupt in `uie`.
        unsafe {
            asm!("csrw 0x8C0, {}", in(reg) NEVER);
            asm!("csrc 0x004, {}", in(reg) 1usize << 4);
        }
    }
}

/// The timer thread: raises an interrupt (an upcall or a UIPI) once per deadline, spinning on
/// `time` or sleeping on the kernel timer until it. After an interrupt it waits for the next
/// deadline the same way (a spinning thread keeps spinning, a sleeping one sleeps on
/// [`ARM_SEQ`] until [`Timer::arm`] wakes it: that call is the kernel timer's re-arming); it
/// parks only while nothing is armed.
fn timer_thread(upcall: bool, spin: bool) {
    // On one hart it must take the hart from the scheduler thread when its sleep ends.
    let _ = thread::set_priority(0, 0);
    let pid = syscall::getpid().unwrap_or(0);
    let hz = timebase_hz();
    while !STOP.load(Ordering::Acquire) {
        let deadline = DEADLINE.load(Ordering::Acquire);
        let fired = deadline == FIRED.load(Ordering::Acquire);
        if deadline == NEVER || (fired && !spin) {
            let seen = ARM_SEQ.load(Ordering::Acquire);
            PARKED.store(true, Ordering::SeqCst);
            if DEADLINE.load(Ordering::SeqCst) == deadline && !STOP.load(Ordering::Acquire) {
                let _ = syscall::futex_wait(&ARM_SEQ, seen, 0);
            }
            PARKED.store(false, Ordering::Release);
            continue;
        }
        if fired {
            continue;
        }
        let now = now_ticks();
        if now < deadline {
            if !spin {
                let ns = ((deadline - now) as u128 * 1_000_000_000).div_ceil(hz as u128);
                let _ = syscall::sleep(ns as u64);
            }
            continue;
        }
        FIRED.store(deadline, Ordering::Release);
        if upcall {
            let _ = syscall::upcall_send(pid, 0);
        } else {
            uintr::send(UIPI_INDEX.load(Ordering::Acquire) - 1);
        }
    }
}

fn dispatch(deadline: u64) {
    let f = ON_INTERRUPT.load(Ordering::Acquire);
    if f != 0 {
        // SAFETY: only `Timer::start` stores here, from a `fn(u64)`.
        let f: fn(u64) = unsafe { core::mem::transmute(f) };
        f(deadline);
    }
}

/// The user-interrupt handler: a user timer interrupt (`ucause` 4) or a UIPI.
fn user_interrupt(_pending: u64) {
    let cause: usize;
    // SAFETY: reads `ucause`.
    unsafe { asm!("csrr {}, 0x042", out(reg) cause) };
    if cause & 0xff == 4 {
        let deadline: u64;
        // SAFETY: reads `utimecmp`; the handler re-arms or disarms it before `uret`.
        unsafe { asm!("csrr {}, 0x8C0", out(reg) deadline) };
        dispatch(deadline);
    } else {
        dispatch(FIRED.load(Ordering::Acquire));
    }
}

fn upcall_handler(_value: usize) {
    dispatch(FIRED.load(Ordering::Acquire));
}
