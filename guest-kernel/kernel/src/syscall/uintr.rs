//! User-interrupt calls: becoming a receiver, handing out and registering the right to send,
//! waiting. The sends themselves are `uipi.send` instructions, without the kernel.

use super::Args;
use crate::file::File;
use crate::task::{current_process, uintr};
use abi::Errno;

/// `uintr_register_handler(entry)`.
pub fn register_handler(args: &Args) -> Result<usize, Errno> {
    uintr::register_handler(args[0])
}

/// `uintr_create_fd(vector)`.
pub fn create_fd(args: &Args) -> Result<usize, Errno> {
    let receiver = uintr::create_fd(args[0])?;
    current_process().open(File::UintrReceiver(receiver))
}

/// `uintr_register_sender(fd)`.
pub fn register_sender(args: &Args) -> Result<usize, Errno> {
    match &*current_process().file(args[0])? {
        File::UintrReceiver(receiver) => uintr::register_sender(receiver),
        _ => Err(Errno::BadFd),
    }
}

/// `uintr_wait()`.
pub fn wait(_: &Args) -> Result<usize, Errno> {
    uintr::wait()
}
