//! Loading a program's ELF file into a fresh address space.
//!
//! Each `PT_LOAD` segment is mapped at its virtual address with the permissions its flags
//! give (text read-execute, read-only data read, data and `.bss` read-write) and filled with
//! its bytes from the file; the rest of the segment (`.bss`) stays zero.

use crate::mm::{Perm, UserSpace};
use abi::Errno;
use xmas_elf::header::{Class, Machine};
use xmas_elf::program::Type;
use xmas_elf::ElfFile;

/// Loads `elf` into `space`; returns the entry point. A file that is not a RISC-V 64-bit
/// executable for the user part of the address space is [`Errno::Invalid`].
pub fn load(space: &mut UserSpace, elf: &[u8]) -> Result<usize, Errno> {
    let file = ElfFile::new(elf).map_err(|_| Errno::Invalid)?;
    let header = &file.header;
    if header.pt1.class() != Class::SixtyFour
        || header.pt2.machine().as_machine() != Machine::RISC_V
    {
        return Err(Errno::Invalid);
    }
    for ph in file.program_iter() {
        if ph.get_type() != Ok(Type::Load) || ph.mem_size() == 0 {
            continue;
        }
        let (start, mem_size, file_size) = (
            ph.virtual_addr() as usize,
            ph.mem_size() as usize,
            ph.file_size() as usize,
        );
        if file_size > mem_size {
            return Err(Errno::Invalid);
        }
        let flags = ph.flags();
        let perm = if flags.is_execute() {
            Perm::ReadExecute
        } else if flags.is_write() {
            Perm::ReadWrite
        } else {
            Perm::Read
        };
        let end = start.checked_add(mem_size).ok_or(Errno::Invalid)?;
        space
            .map_zeroed(start..end, perm)
            .map_err(|_| Errno::Invalid)?;
        let offset = ph.offset() as usize;
        let bytes = elf.get(offset..offset + file_size).ok_or(Errno::Invalid)?;
        space.fill(start, bytes)?;
    }
    let entry = header.pt2.entry_point() as usize;
    if !space.is_mapped(entry) {
        return Err(Errno::Invalid);
    }
    Ok(entry)
}
