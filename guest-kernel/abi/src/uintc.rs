//! The UINTC user-IPI controller (`docs/hardware/user-interrupts.md`): its slot layout, the
//! values of its LOW register, and the sender-table entries and `suist` / `suirs` values
//! through which `uipi` instructions reach it. The simulator's device (`devices::uintc`), the
//! harts' `uipi` instructions (`sim-core`), the kernel and the C test header take them from
//! here.

use crate::Register;

/// Bytes per receiver slot; slot `i` is at `SLOT_BYTES * i` in the window.
pub const SLOT_BYTES: u64 = 32;
/// SEND: a write sets pending bit `data[5:0]` (reads 0).
pub const SEND: u64 = 0x00;
/// LOW: `[0]` active, `[1]` mode, `[31:16]` hart id.
pub const LOW: u64 = 0x08;
/// HIGH: a read returns the pending bits and clears them; a write ORs into them.
pub const HIGH: u64 = 0x10;
/// ACTIVE: `[0]` active.
pub const ACTIVE: u64 = 0x18;

/// Every slot register, for generated headers.
pub const REGISTERS: &[Register] = &[
    Register::one("SEND", SEND),
    Register::one("LOW", LOW),
    Register::one("HIGH", HIGH),
    Register::one("ACTIVE", ACTIVE),
];

/// LOW's active bit.
pub const LOW_ACTIVE: u64 = 1 << 0;
/// LOW's mode bit (1: RV64).
pub const LOW_MODE: u64 = 1 << 1;
/// Where LOW's hart id starts.
pub const LOW_HARTID_SHIFT: u32 = 16;

/// The enable bit (EN) of `suist` and `suirs`.
pub const UINTR_ENABLE: u64 = 1 << 63;
/// Where `suist`'s table size in 4 KiB pages (`[55:44]`) starts.
pub const SUIST_SIZE_SHIFT: u32 = 44;
/// `suist`'s table-size field mask (after shifting).
pub const SUIST_SIZE_MASK: u64 = 0xfff;
/// `suist`'s physical page number of the table.
pub const SUIST_PPN_MASK: u64 = (1 << 44) - 1;

/// A sender-table entry: `[0]` valid, `[31:16]` vector, `[63:48]` receiver slot.
pub const fn sender_entry(valid: bool, vector: u64, slot: u64) -> u64 {
    valid as u64 | vector << 16 | slot << 48
}

/// The valid bit of a sender-table entry.
pub const ENTRY_VALID: u64 = 1 << 0;
/// Where a sender-table entry's vector starts (16 bits).
pub const ENTRY_VECTOR_SHIFT: u32 = 16;
/// Where a sender-table entry's receiver slot starts (16 bits).
pub const ENTRY_SLOT_SHIFT: u32 = 48;

/// Bytes of a window with `slots` receiver slots.
pub const fn window_size(slots: u64) -> u64 {
    slots.saturating_mul(SLOT_BYTES)
}
