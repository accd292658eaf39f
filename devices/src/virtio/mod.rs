//! virtio over MMIO: the transport ([`mmio`]), split virtqueues ([`queue`]) and the network
//! device ([`net`]), laid out as on QEMU's `virt` board (slots of 0x1000 bytes from
//! `0x1000_1000`, slot n on PLIC source n + 1).

pub mod mmio;
pub mod net;
pub mod queue;

#[cfg(test)]
mod tests;

pub use net::{IrqMode, NetConfig, VirtioNet};
