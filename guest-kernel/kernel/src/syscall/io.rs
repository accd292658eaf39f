//! Console and pipe I/O through file descriptors, and sharing descriptors.

use super::Args;
use crate::coroutine::async_io::{self, Op};
use crate::file::{pipe, File, CHUNK};
use crate::task::current_process;
use abi::Errno;

/// `write(fd, buf, len, key, coroutine)`: all `len` bytes, in steps of [`CHUNK`]; with `key`
/// ≠ 0, asynchronously (`async_io`); with `key` = `abi::BLOCKING_KEY`, by a kernel coroutine
/// while the thread blocks.
pub fn write(args: &Args) -> Result<usize, Errno> {
    let [fd, buf, len, key, coroutine, _] = *args;
    let process = current_process();
    let file = process.file(fd)?;
    if key == abi::BLOCKING_KEY {
        return async_io::call_blocking(&process, file, Op::Write, buf, len);
    }
    if key != 0 {
        return async_io::submit(&process, file, Op::Write, [buf, len, key, coroutine]);
    }
    if let File::Socket(socket) = &*file {
        return super::net::write(&process, socket, buf, len);
    }
    let mut data = [0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let n = CHUNK.min(len - done);
        process.space.lock().read(buf + done, &mut data[..n])?;
        let written = file.write(&data[..n])?;
        done += written;
        if written < n {
            break;
        }
    }
    Ok(done)
}

/// `read(fd, buf, len, key, coroutine)`: one read of the file, of at most [`CHUNK`] bytes;
/// with `key` ≠ 0, asynchronously (`async_io`); with `key` = `abi::BLOCKING_KEY`, by a kernel
/// coroutine while the thread blocks.
pub fn read(args: &Args) -> Result<usize, Errno> {
    let [fd, buf, len, key, coroutine, _] = *args;
    let process = current_process();
    let file = process.file(fd)?;
    if key == abi::BLOCKING_KEY {
        return async_io::call_blocking(&process, file, Op::Read, buf, len);
    }
    if key != 0 {
        return async_io::submit(&process, file, Op::Read, [buf, len, key, coroutine]);
    }
    if let File::Socket(socket) = &*file {
        return super::net::read(&process, socket, buf, len);
    }
    let len = CHUNK.min(len);
    // Check the buffer before reading, so a bad pointer loses no input.
    process.space.lock().check_writable(buf, len)?;
    let mut data = [0u8; CHUNK];
    let n = file.read(&mut data[..len])?;
    process.space.lock().write(buf, &data[..n])?;
    Ok(n)
}

/// `close(fd)`.
pub fn close(args: &Args) -> Result<usize, Errno> {
    current_process().close(args[0]).map(|()| 0)
}

/// `dup_from_child(pid, fd)`: the caller's child `pid`'s descriptor `fd`, shared into the
/// caller (descriptors otherwise only travel from parent to child, at spawn).
pub fn dup_from_child(args: &Args) -> Result<usize, Errno> {
    let [pid, fd, ..] = *args;
    let process = current_process();
    let file = process.child(pid).ok_or(Errno::NoProcess)?.file(fd)?;
    process.open_shared(file)
}

/// `pipe(fds)`: `fds[0]` the read end, `fds[1]` the write end (two `u32`s).
pub fn pipe(args: &Args) -> Result<usize, Errno> {
    let fds_addr = args[0];
    let process = current_process();
    // Check the destination first so a bad pointer leaves no descriptors behind.
    process.space.lock().write(fds_addr, &[0; 8])?;
    let (reader, writer) = pipe::new();
    let read_fd = process.open(File::PipeRead(reader))?;
    let write_fd = match process.open(File::PipeWrite(writer)) {
        Ok(fd) => fd,
        Err(e) => {
            process.close(read_fd)?;
            return Err(e);
        }
    };
    let mut fds = [0u8; 8];
    fds[..4].copy_from_slice(&(read_fd as u32).to_le_bytes());
    fds[4..].copy_from_slice(&(write_fd as u32).to_le_bytes());
    process.space.lock().write(fds_addr, &fds)?;
    Ok(0)
}
