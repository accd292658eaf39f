//! The machine the firmware runs on: QEMU's `virt` board, which hartlab reproduces.
//!
//! The firmware is platform code, so it knows the device addresses (from the shared hardware
//! ABI, `abi::board`); only the set of harts comes from the device tree (the firmware sizes its
//! per-hart state from it: `memory`). The kernel, in contrast, discovers everything from the
//! tree.

use abi::board;

/// The hart that boots the kernel; the others wait for an SBI HSM start.
pub const BOOT_HART: usize = 0;

/// NS16550A UART.
pub const UART_BASE: usize = board::UART0_BASE as usize;
/// Core-local interruptor: `msip` and `mtimecmp` per hart, `mtime`.
pub const CLINT_BASE: usize = board::CLINT_BASE as usize;
/// SiFive test finisher (`sifive,test0`): ends the simulation or the QEMU process.
pub const TEST_FINISHER_BASE: usize = board::TEST_BASE as usize;
/// Start of RAM; the firmware occupies its first 2 MiB (see `firmware.ld`).
pub const RAM_BASE: usize = board::RAM_BASE as usize;
/// Bytes reserved for the firmware at the start of RAM, hidden from S mode by PMP.
pub const FIRMWARE_SIZE: usize = 0x20_0000;
