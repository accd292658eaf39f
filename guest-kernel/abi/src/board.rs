//! The memory map and interrupt wiring of hartlab's `virt` board (QEMU's `virt` machine plus
//! hartlab's own devices in holes of its map). The simulator's board, the firmware and the C
//! test header take the addresses from here; the kernel finds them in the device tree.

/// SiFive test finisher (`sifive,test0`).
pub const TEST_BASE: u64 = 0x0010_0000;
/// hartlab's simulator-control device (not on QEMU: a hole in its map).
pub const SIM_CONTROL_BASE: u64 = 0x0010_2000;
/// CLINT (msip, mtimecmp, mtime).
pub const CLINT_BASE: u64 = 0x0200_0000;
/// UINTC user-IPI controller (base of the final UINTC QEMU `virt`).
pub const UINTC_BASE: u64 = 0x02F1_0000;
/// Receiver slots of the UINTC (0x4000 bytes of 32-byte slots).
pub const UINTC_SLOTS: usize = 512;
/// PLIC.
pub const PLIC_BASE: u64 = 0x0c00_0000;
/// PLIC source slots, including the unused source 0 (sources 1..=95).
pub const PLIC_SOURCES: usize = 96;
/// First NS16550A UART.
pub const UART0_BASE: u64 = 0x1000_0000;
/// PLIC source of UART0.
pub const UART0_IRQ: usize = 10;
/// hartlab's task-aware interrupt controller (not on QEMU: a hole in its map between
/// fw_cfg at 0x1010_0000 and the flash at 0x2000_0000). Its window is 16 KiB per queue
/// set plus 16 KiB, at most 0x40_4000 bytes (256 sets).
pub const TASK_CONTROLLER_BASE: u64 = 0x1100_0000;
/// First virtio-mmio slot; slot n is at `VIRTIO_BASE + n * VIRTIO_SIZE`.
pub const VIRTIO_BASE: u64 = 0x1000_1000;
/// Bytes of a virtio-mmio slot.
pub const VIRTIO_SIZE: u64 = 0x1000;
/// virtio-mmio slots.
pub const VIRTIO_SLOTS: usize = 8;
/// PLIC source of virtio-mmio slot 0 (slot n has source `VIRTIO_IRQ + n`).
pub const VIRTIO_IRQ: usize = 1;
/// Start of RAM.
pub const RAM_BASE: u64 = 0x8000_0000;

/// The SiFive test finisher's values (32-bit stores to its register).
pub mod test_finisher {
    /// Ends the machine with success.
    pub const PASS: u32 = 0x5555;
    /// Ends the machine with failure: `FAIL | code << 16`.
    pub const FAIL: u32 = 0x3333;
    /// Resets the machine.
    pub const RESET: u32 = 0x7777;
}

/// The CLINT's register offsets.
pub mod clint {
    /// `msip` of hart `h` at `MSIP + 4 * h` (32 bits).
    pub const MSIP: u64 = 0x0000;
    /// `mtimecmp` of hart `h` at `MTIMECMP + 8 * h`.
    pub const MTIMECMP: u64 = 0x4000;
    /// `mtime`.
    pub const MTIME: u64 = 0xbff8;
    /// Bytes of the window.
    pub const SIZE: u64 = 0x1_0000;
}
