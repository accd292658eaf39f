//! The kernel's address space.
//!
//! Every address the kernel uses is mapped to itself (identity mapping), so pointers stay
//! valid when paging comes on and physical addresses handed to the firmware (such as the
//! SBI console's buffers) are still right. What is mapped, all without the `U` bit:
//!
//! | what | permissions |
//! | --- | --- |
//! | kernel `.text` | read, execute |
//! | kernel `.rodata` | read |
//! | kernel `.data`, `.bss`, stacks | read, write |
//! | the rest of RAM (not the firmware's 2 MiB at the bottom) | read, write |
//! | the MMIO registers of the devices in the device tree the kernel knows | read, write |
//!
//! Every process's address space shares this kernel part (see `user_space`).

use super::page_table::{Flags, PageTable};
use super::{page_ceil, page_floor};
use crate::machine::Machine;
use core::ops::Range;

/// The kernel address space's ASID (processes get ASIDs from 1 up).
pub const KERNEL_ASID: u16 = 0;

/// An address space: a page table and how much it maps.
pub struct AddressSpace {
    table: PageTable,
    /// Bytes mapped.
    mapped: usize,
}

/// What the memory part of the kernel's address space takes (see [`AddressSpace::kernel`]).
pub struct MemoryMapStats {
    /// Bytes of RAM mapped (the kernel image included).
    pub bytes: usize,
    /// Frames of page tables the RAM mapping takes.
    pub table_frames: usize,
}

impl AddressSpace {
    /// The kernel's address space for `machine`, and what its RAM part takes. The stats
    /// leave out the MMIO mappings, which differ between hartlab and QEMU (hartlab has more
    /// devices), so they are the same on both machines with the same amount of memory.
    pub fn kernel(machine: &Machine) -> (AddressSpace, MemoryMapStats) {
        let image = kernel_image();
        let mut space = AddressSpace {
            table: PageTable::new().expect("out of memory for the kernel's page table"),
            mapped: 0,
        };
        space.map(image.text.clone(), Flags::R | Flags::X);
        space.map(image.rodata.clone(), Flags::R);
        space.map(image.data.clone(), Flags::R | Flags::W);
        // The rest of RAM above the kernel image. Below it is the firmware, hidden from S
        // mode by PMP: left unmapped.
        for ram in &machine.memory {
            // RAM above the kernel part (the first 4 GiB) would collide with user addresses.
            let rest = image.data.end.max(ram.start)..ram.end.min(abi::layout::USER_START);
            if !rest.is_empty() {
                space.map(rest, Flags::R | Flags::W);
            }
        }
        let stats = MemoryMapStats {
            bytes: space.mapped,
            table_frames: space.table.table_frames(),
        };
        for mmio in &machine.mmio {
            space.map(
                page_floor(mmio.start)..page_ceil(mmio.end),
                Flags::R | Flags::W,
            );
        }
        (space, stats)
    }

    /// Identity-maps `range` (rounded out to pages) with `flags`.
    fn map(&mut self, range: Range<usize>, flags: Flags) {
        let range = page_floor(range.start)..page_ceil(range.end);
        self.mapped += range.len();
        self.table
            .identity_map(range, flags)
            .expect("out of memory for the kernel's page table");
    }

    /// The page table (processes copy its kernel part).
    pub fn table(&self) -> &PageTable {
        &self.table
    }

    /// Makes this the current address space on the calling hart.
    ///
    /// # Safety
    /// The address space must map everything the hart uses from here on (the kernel's code,
    /// data and stack at the same addresses) and stay alive while it is current.
    pub unsafe fn activate(&self) {
        // SAFETY: the caller vouches for the mapping; the fences make the hart see the new
        // table and drop any stale translation.
        unsafe {
            riscv::asm::sfence_vma_all();
            core::arch::asm!("csrw satp, {}", in(reg) self.table.satp(KERNEL_ASID));
            riscv::asm::sfence_vma_all();
        }
    }
}

/// The parts of the kernel image, from the linker script's symbols (`kernel.ld`).
struct KernelImage {
    /// `.text`.
    text: Range<usize>,
    /// `.rodata`.
    rodata: Range<usize>,
    /// `.data`, `.bss` and the stacks.
    data: Range<usize>,
}

/// Where the kernel image lies.
fn kernel_image() -> KernelImage {
    unsafe extern "C" {
        fn _start();
        static __rodata_start: u8;
        static __data_start: u8;
        static __kernel_end: u8;
    }
    let text = _start as *const () as usize;
    let rodata = &raw const __rodata_start as usize;
    let data = &raw const __data_start as usize;
    let end = page_ceil(&raw const __kernel_end as usize);
    KernelImage {
        text: text..rodata,
        rodata: rodata..data,
        data: data..end,
    }
}

/// The physical address range of the whole kernel image (to keep it from the frame
/// allocator).
pub fn kernel_image_range() -> Range<usize> {
    let image = kernel_image();
    image.text.start..image.data.end
}
