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
    let number = args[0];
    if number >= taskctl::channels()? {
        return Err(Errno::Invalid);
    }
    let process = current_process();
    let set = process.task_set()?;
    process.open(File::TaskChannel(Channel::new(&set, number)))
}

/// `taskctl_connect(fd)`: lets the caller's set send to the channel `fd` names
/// ([`Errno::BadFd`] if it names none, [`Errno::BrokenPipe`] if its set is gone).
pub fn connect(args: &Args) -> Result<usize, Errno> {
    taskctl::channels()?;
    let process = current_process();
    let file = process.file(args[0])?;
    let File::TaskChannel(channel) = &*file else {
        return Err(Errno::BadFd);
    };
    let receiver = channel.set()?;
    let sender = process.task_set()?;
    Ok(taskctl::allow(&sender, &receiver, channel.number()) as usize)
}
