//! Task-controller calls: a process's queue set, channel descriptors, and the capabilities
//! that let one set wake a channel of another (`crate::taskctl`).
//!
//! Every call first checks for the device ([`Errno::NoDevice`] without it), then its
//! arguments, and only then opens the caller's set if it has none yet, so a refused call
//! allocates nothing.

use super::Args;
use crate::file::File;
use crate::task::current_process;
use crate::taskctl::{self, Channel};
use abi::Errno;

/// `taskctl_open()`: the user address of the caller's set.
pub fn open(_: &Args) -> Result<usize, Errno> {
    taskctl::channels()?;
    current_process().task_set()?;
    Ok(abi::layout::TASK_SET)
}

/// `taskctl_channel(channel)`: a descriptor naming channel `channel` of the caller's set.
pub fn channel(args: &Args) -> Result<usize, Errno> {
    let number = checked_channel(args[0])?;
    let process = current_process();
    let set = process.task_set()?;
    process.open(File::TaskChannel(Channel::new(&set, number)))
}

/// `taskctl_connect(fd)`: lets the caller's set send to the channel `fd` names.
pub fn connect(args: &Args) -> Result<usize, Errno> {
    taskctl::channels()?;
    let process = current_process();
    let (receiver, number) = named_channel(args[0])?;
    let sender = process.task_set()?;
    Ok(taskctl::allow(&sender, &receiver, number) as usize)
}

/// `taskctl_grant(fd, channel)`: lets the set `fd` names send to channel `channel` of the
/// caller's set.
pub fn grant(args: &Args) -> Result<usize, Errno> {
    let number = checked_channel(args[1])?;
    let process = current_process();
    let (sender, _) = named_channel(args[0])?;
    let receiver = process.task_set()?;
    Ok(taskctl::allow(&sender, &receiver, number) as usize)
}

/// `channel` if the device has it: [`Errno::NoDevice`], else [`Errno::Invalid`] if beyond.
fn checked_channel(channel: usize) -> Result<usize, Errno> {
    if channel < taskctl::channels()? {
        Ok(channel)
    } else {
        Err(Errno::Invalid)
    }
}

/// The set and channel number descriptor `fd` of the caller names: [`Errno::BadFd`] if it
/// names no channel, [`Errno::BrokenPipe`] if the set is gone.
fn named_channel(fd: usize) -> Result<(alloc::sync::Arc<taskctl::Set>, usize), Errno> {
    let file = current_process().file(fd)?;
    let File::TaskChannel(channel) = &*file else {
        return Err(Errno::BadFd);
    };
    Ok((channel.set()?, channel.number()))
}
