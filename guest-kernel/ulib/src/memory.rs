//! Memory the process asks the kernel for.
//!
//! [`map_memory`] adds fresh zeroed read-write pages (from [`abi::layout::MAP_START`] up);
//! the heap grows this way. [`map_shared`] is the same but shared with the processes spawned
//! afterwards. [`map_device`] maps a device's registers (from
//! [`abi::layout::DEVICE_START`] up) so the program can drive the device itself.

use crate::syscall;
use abi::Errno;

/// Maps `len` bytes (rounded up to whole pages) of zeroed read-write memory.
pub fn map_memory(len: usize) -> Result<*mut u8, Errno> {
    syscall::map_memory(len).map(|addr| addr as *mut u8)
}

/// Maps `len` bytes (rounded up to whole pages) of zeroed read-write memory that processes
/// spawned afterwards share (at the same address): put the shared state there before
/// spawning.
pub fn map_shared(len: usize) -> Result<*mut u8, Errno> {
    syscall::map_shared(len).map(|addr| addr as *mut u8)
}

/// Maps the registers of `device` (one of [`abi::device`]); [`Errno::NoDevice`] if the
/// machine lacks it. Access the registers with volatile loads and stores.
pub fn map_device(device: usize) -> Result<*mut u8, Errno> {
    syscall::map_device(device).map(|addr| addr as *mut u8)
}
