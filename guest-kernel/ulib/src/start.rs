//! How a program starts and ends.
//!
//! The kernel enters a new process's first thread at the ELF entry point, `_start`, with
//! `a0` = `argc`, `a1` = `argv` (pointers to NUL-terminated strings: the program's name,
//! then its arguments, all on the stack above `sp`) and `sp` 16-byte aligned
//! ([`abi::start`]). `_start` jumps to `start_main`, which
//!
//! 1. turns `argv` into a `Vec<&str>` (the strings stay where the kernel put them; the stack
//!    above `sp` is never popped, so they live as long as the process);
//! 2. remembers the program's name for panic messages ([`program_name`]);
//! 3. calls the function named with [`crate::main!`];
//! 4. exits with the status it returned.

use alloc::vec::Vec;
use core::arch::naked_asm;
use core::ffi::{c_char, CStr};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

unsafe extern "Rust" {
    /// The program's main function, defined by [`crate::main!`].
    fn __ulib_main(args: &[&str]) -> i32;
}

/// The program's entry point: clears the return address and frame pointer (so a debugger's
/// backtrace ends here) and goes on in Rust with `a0`, `a1` and `sp` as the kernel set them.
///
/// # Safety
/// Only the kernel enters here, once per process, as [`abi::start`] describes.
#[unsafe(naked)]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text.entry")]
pub unsafe extern "C" fn _start(argc: usize, argv: *const *const c_char) -> ! {
    naked_asm!(
        "li ra, 0",
        "li fp, 0",
        "j {start_main}",
        start_main = sym start_main,
    )
}

/// Runs the program: arguments, main, exit.
///
/// # Safety
/// `argv` must hold `argc` pointers to NUL-terminated strings that are never freed.
unsafe extern "C" fn start_main(argc: usize, argv: *const *const c_char) -> ! {
    let mut args: Vec<&'static str> = Vec::with_capacity(argc);
    for i in 0..argc {
        // SAFETY: the kernel's start convention, as the caller promises.
        let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
        args.push(arg.to_str().unwrap_or("<not UTF-8>"));
    }
    if let Some(name) = args.first() {
        NAME_LEN.store(name.len(), Ordering::Relaxed);
        NAME.store(name.as_ptr().cast_mut(), Ordering::Release);
    }
    // SAFETY: `main!` defines the symbol with exactly this signature.
    let status = unsafe { __ulib_main(&args) };
    crate::process::exit(status)
}

/// The program's name (its `argv[0]`), or `"?"` before it is known.
pub fn program_name() -> &'static str {
    let ptr = NAME.load(Ordering::Acquire);
    if ptr.is_null() {
        return "?";
    }
    let len = NAME_LEN.load(Ordering::Relaxed);
    // SAFETY: `start_main` stored a `&'static str`'s pointer (after its length).
    unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(ptr, len)) }
}

/// `argv[0]` as set by `start_main`.
static NAME: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static NAME_LEN: AtomicUsize = AtomicUsize::new(0);
