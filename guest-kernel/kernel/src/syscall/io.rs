//! Console and pipe I/O through file descriptors.

use super::Args;
use crate::file::{pipe, File};
use crate::task::current_process;
use abi::Errno;
use alloc::vec;

/// Bytes moved per step of a long read or write (bounds the kernel buffer).
const CHUNK: usize = 4096;

/// `write(fd, buf, len)`.
pub fn write(args: &Args) -> Result<usize, Errno> {
    let [fd, buf, len, ..] = *args;
    let process = current_process();
    let file = process.file(fd)?;
    let mut done = 0;
    while done < len {
        let n = CHUNK.min(len - done);
        let mut data = vec![0; n];
        process.space.lock().read(buf + done, &mut data)?;
        let written = file.write(&data)?;
        done += written;
        if written < n {
            break;
        }
    }
    Ok(done)
}

/// `read(fd, buf, len)`: one read of the file (up to `len` bytes).
pub fn read(args: &Args) -> Result<usize, Errno> {
    let [fd, buf, len, ..] = *args;
    let process = current_process();
    let file = process.file(fd)?;
    let mut data = vec![0; CHUNK.min(len)];
    // Check the buffer before reading, so a bad pointer loses no input.
    process.space.lock().write(buf, &data)?;
    let n = file.read(&mut data)?;
    process.space.lock().write(buf, &data[..n])?;
    Ok(n)
}

/// `close(fd)`.
pub fn close(args: &Args) -> Result<usize, Errno> {
    current_process().close(args[0]).map(|()| 0)
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
