//! The shared coroutine scheduler, the kernel's side (see the `coroutine` crate).
//!
//! - The payloads (one per policy) are part of the kernel's text; at boot each is checked
//!   through its function table (magic, interface version, executor layout) and one becomes
//!   the default (`coroutine=` boot argument). The kernel runs its own executor through the
//!   same table (`kernel_executor`).
//! - `space`: a process becomes a coroutine process with `coroutine_setup`: the kernel maps
//!   the chosen payload read+execute, a page for its executor read-write, and the table of
//!   published priorities read-only. The kernel reads each process's executor page to
//!   schedule its threads at the priority of its most urgent coroutine, to count coroutine
//!   switches and timeouts, and rings its doorbells for other processes.
//! - `async_io`: asynchronous `read`/`write` as kernel coroutines, their completions posted
//!   to a ring in the process and announced by the wake-up path it chose.

pub mod async_io;
mod kernel_executor;
mod payloads;
pub mod space;

pub use kernel_executor::run_ready;

use abi::coroutine_payload;
use coroutine::{Payload, PayloadError};
use spin::Once;

/// Every bundled payload, checked: (name, payload).
static CHECKED: Once<[(&'static str, Payload); 2]> = Once::new();
/// The payload a process gets when it asks for the default (index into `CHECKED`).
static DEFAULT: Once<usize> = Once::new();
/// The ready-queue back end processes get by default (`abi::coroutine_queues`).
static QUEUES: Once<u64> = Once::new();

/// The payload names a boot argument may choose.
pub const NAMES: [&str; 2] = ["strict", "aging"];

/// Checks every payload's table, makes `default` (a name of [`NAMES`]) the default payload
/// and `queues` (`abi::coroutine_queues`) the default back end, and runs the kernel's own
/// executor once through the default payload. A bad payload stops the boot.
pub fn init(default: &str, queues: u64) {
    QUEUES.call_once(|| queues);
    let checked = CHECKED.call_once(|| {
        payloads::PAYLOADS.map(|(name, pages)| {
            let bytes = &pages.0;
            // SAFETY: the payload's bytes are in the kernel's text, mapped for ever.
            match unsafe { Payload::at(bytes.as_ptr() as usize, bytes.len()) } {
                Ok(payload) => (name, payload),
                Err(error) => fail(name, error),
            }
        })
    });
    let index = checked
        .iter()
        .position(|(name, _)| *name == default)
        .unwrap_or(0);
    DEFAULT.call_once(|| index);
    let (name, payload) = checked[index];
    crate::print!("coroutines: payloads");
    for (name, payload) in checked {
        crate::print!(" {name} ({}, {} bytes)", payload.policy(), payload.len());
    }
    let queues = abi::coroutine_queues::NAMES
        .get(queues as usize)
        .copied()
        .unwrap_or("?");
    crate::println!(
        "; interface v{}; default {name} on {queues} queues",
        payload.version()
    );
    kernel_executor::boot_check(&payload);
}

/// Stops the boot: payload `name` cannot be used.
fn fail(name: &str, error: PayloadError) -> ! {
    crate::println!("coroutines: payload {name} cannot be used: {error:?}");
    crate::init::shutdown(false)
}

/// The ready-queue back end processes get by default (`abi::coroutine_queues`).
pub fn default_queues() -> u64 {
    QUEUES
        .get()
        .copied()
        .unwrap_or(abi::coroutine_queues::SOFTWARE)
}

/// The payload for `choice` (`abi::coroutine_payload`) and its index, if it names one.
pub fn payload(choice: usize) -> Option<(usize, Payload)> {
    let checked = CHECKED.get()?;
    let index = match choice {
        coroutine_payload::DEFAULT => *DEFAULT.get()?,
        coroutine_payload::STRICT => 0,
        coroutine_payload::AGING => 1,
        _ => return None,
    };
    checked.get(index).map(|&(_, payload)| (index, payload))
}
