//! What a panic does: one line `panic in <program>: <message>` on standard error, then the
//! whole process (every thread) exits with status 101, as a Rust program's would.

use core::panic::PanicInfo;

/// Exit status of a process that panicked.
pub const PANIC_STATUS: i32 = 101;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::eprintln!("panic in {}: {}", crate::program_name(), info.message());
    crate::process::exit(PANIC_STATUS)
}
