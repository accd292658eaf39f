//! Memory calls: fresh memory, device registers, and the memory a process holds.

use super::Args;
use crate::machine;
use crate::task::current_process;
use abi::Errno;

/// `map_memory(len)`.
pub fn map_memory(args: &Args) -> Result<usize, Errno> {
    current_process().map_memory(args[0])
}

/// `map_shared(len)`.
pub fn map_shared(args: &Args) -> Result<usize, Errno> {
    current_process().map_shared(args[0])
}

/// `map_device(device)`.
pub fn map_device(args: &Args) -> Result<usize, Errno> {
    let device = args[0];
    let phys = match device {
        abi::device::SIM_CONTROL => machine::get().sim_control.clone(),
        _ => return Err(Errno::Invalid),
    };
    current_process().map_device(device, phys.ok_or(Errno::NoDevice)?)
}

/// `memory_held(what)`.
pub fn memory_held(args: &Args) -> Result<usize, Errno> {
    let process = current_process();
    match args[0] {
        abi::memory::FRAMES => Ok(process.frames_held()),
        abi::memory::KERNEL_STACKS => Ok(process.kernel_stacks_held()),
        _ => Err(Errno::Invalid),
    }
}
