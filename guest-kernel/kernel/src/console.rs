//! Console output through the SBI Debug Console extension.
//!
//! `println!` formats a whole line under one lock and hands it to the firmware, so lines from
//! different harts never interleave. The firmware reads the bytes at their physical address,
//! which is their kernel address (the kernel's memory is identity mapped). User programs'
//! `write`s to the console go through [`write`], whole under the same lock.

use core::fmt::{self, Write};
use sbi_rt::Physical;
use spin::Mutex;

/// Bytes gathered before one SBI call; longer output takes several calls.
const LINE: usize = 256;

/// A line being assembled for the SBI console.
struct LineWriter {
    buf: [u8; LINE],
    len: usize,
}

impl LineWriter {
    fn flush(&mut self) {
        let mut rest = &self.buf[..self.len];
        while !rest.is_empty() {
            let ret = sbi_rt::console_write(Physical::new(rest.len(), rest.as_ptr() as usize, 0));
            match ret.into_result() {
                Ok(0) | Err(_) => break, // the console takes nothing: drop the output
                Ok(written) => rest = &rest[written.min(rest.len())..],
            }
        }
        self.len = 0;
    }
}

impl Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &byte in s.as_bytes() {
            if self.len == LINE {
                self.flush();
            }
            self.buf[self.len] = byte;
            self.len += 1;
        }
        Ok(())
    }
}

/// The console, shared by all harts.
static CONSOLE: Mutex<LineWriter> = Mutex::new(LineWriter {
    buf: [0; LINE],
    len: 0,
});

/// Prints formatted text atomically with respect to other harts.
pub fn print(args: fmt::Arguments) {
    let mut console = CONSOLE.lock();
    console.write_fmt(args).unwrap();
    console.flush();
}

/// Writes `bytes` to the console atomically with respect to other harts.
pub fn write(bytes: &[u8]) {
    let mut console = CONSOLE.lock();
    for chunk in bytes.chunks(LINE) {
        console.buf[..chunk.len()].copy_from_slice(chunk);
        console.len = chunk.len();
        console.flush();
    }
}

/// Reads waiting console input into `buf`; returns how many bytes (0: none waiting).
pub fn read(buf: &mut [u8]) -> usize {
    let ret = sbi_rt::console_read(Physical::new(buf.len(), buf.as_mut_ptr() as usize, 0));
    ret.into_result().unwrap_or(0).min(buf.len())
}

/// Prints to the console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

/// Prints to the console, with a newline.
#[macro_export]
macro_rules! println {
    () => { $crate::console::print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}
