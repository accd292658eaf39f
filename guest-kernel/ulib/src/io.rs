//! Input and output through file descriptors.
//!
//! A process starts with the console on file descriptors [`STDIN`] (0), [`STDOUT`] (1) and
//! [`STDERR`] (2), and a spawned child gets copies of all its parent's descriptors, so a
//! pipe made before `spawn` connects parent and child (pass the numbers as arguments).
//!
//! [`print!`](crate::print), [`println!`](crate::println), [`eprint!`](crate::eprint) and
//! [`eprintln!`](crate::eprintln) format into a buffer on the stack and hand it to the
//! kernel with one `write` per call (longer output: one per [`LINE`] bytes), so lines
//! printed by different threads or processes do not mix. They need no lock and no heap.

use crate::syscall;
use abi::Errno;
use core::fmt::{self, Write};

/// A file descriptor.
pub type Fd = usize;

/// Console input.
pub const STDIN: Fd = 0;
/// Console output.
pub const STDOUT: Fd = 1;
/// Console output for errors.
pub const STDERR: Fd = 2;

/// Bytes `print!` gathers before it writes.
pub const LINE: usize = 256;

/// Reads into `buf` from `fd`; returns the bytes read (0: end of file; for the console,
/// also "no input yet").
pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    syscall::read(fd, buf)
}

/// Writes `buf` to `fd`; returns the bytes written (maybe fewer than `buf.len()`).
pub fn write(fd: Fd, buf: &[u8]) -> Result<usize, Errno> {
    syscall::write(fd, buf)
}

/// Writes all of `buf` to `fd`, with as many `write` calls as it takes.
pub fn write_all(fd: Fd, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match write(fd, buf)? {
            0 => return Err(Errno::BrokenPipe), // the file takes nothing more
            n => buf = &buf[n.min(buf.len())..],
        }
    }
    Ok(())
}

/// Closes `fd`.
pub fn close(fd: Fd) -> Result<(), Errno> {
    syscall::close(fd)
}

/// Makes a pipe; returns `(read end, write end)`. A read waits for data and returns 0
/// once every write end is closed; a write with every read end closed fails with
/// [`Errno::BrokenPipe`].
pub fn pipe() -> Result<(Fd, Fd), Errno> {
    let [read_end, write_end] = syscall::pipe()?;
    Ok((read_end as Fd, write_end as Fd))
}

/// Formats into a stack buffer and writes it to a file descriptor in as few calls as the
/// buffer allows.
struct LineWriter {
    fd: Fd,
    buf: [u8; LINE],
    len: usize,
}

impl LineWriter {
    fn flush(&mut self) {
        // Output that cannot be written (closed descriptor) is dropped, as `print!` has
        // nowhere to report it.
        let _ = write_all(self.fd, &self.buf[..self.len]);
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

/// What the print macros call: formats `args` and writes it to `fd`.
#[doc(hidden)]
pub fn _print(fd: Fd, args: fmt::Arguments) {
    let mut writer = LineWriter {
        fd,
        buf: [0; LINE],
        len: 0,
    };
    let _ = writer.write_fmt(args); // LineWriter itself never fails
    writer.flush();
}

/// Prints to standard output.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::io::_print($crate::io::STDOUT, format_args!($($arg)*))
    };
}

/// Prints a line to standard output.
#[macro_export]
macro_rules! println {
    () => {
        $crate::io::_print($crate::io::STDOUT, format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::io::_print($crate::io::STDOUT, format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Prints to standard error.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::io::_print($crate::io::STDERR, format_args!($($arg)*))
    };
}

/// Prints a line to standard error.
#[macro_export]
macro_rules! eprintln {
    () => {
        $crate::io::_print($crate::io::STDERR, format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::io::_print($crate::io::STDERR, format_args!("{}\n", format_args!($($arg)*)))
    };
}
