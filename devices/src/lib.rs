//! Memory-mapped devices of the QEMU-virt-compatible machine.
