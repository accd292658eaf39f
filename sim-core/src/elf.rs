//! Loading RISC-V 64-bit ELF executables into RAM, with the `goblin` parser.

use goblin::elf::{header, program_header::PT_LOAD, Elf};

use crate::memory::Ram;

/// Why an ELF could not be loaded. Every variant names what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// Not parseable as ELF at all (or truncated headers).
    #[error("not a valid ELF file: {0}")]
    Parse(String),
    /// An ELF, but not 64-bit.
    #[error("not a 64-bit ELF (class {0})")]
    NotElf64(u8),
    /// An ELF for another machine.
    #[error("not a RISC-V ELF (e_machine {0})")]
    NotRiscv(u16),
    /// Not an executable image.
    #[error("not an executable ELF (e_type {0})")]
    NotExecutable(u16),
    /// Segment data extends beyond the end of the file.
    #[error("segment {index} is truncated: bytes {offset:#x}..{end:#x} lie beyond the file's {len} bytes")]
    Truncated {
        /// Program header index.
        index: usize,
        /// File offset.
        offset: u64,
        /// End offset.
        end: u64,
        /// File length.
        len: usize,
    },
    /// A loadable segment does not fit in RAM.
    #[error("segment {index} at {addr:#x}+{size:#x} lies outside RAM {ram_base:#x}..{ram_end:#x}")]
    OutsideRam {
        /// Program header index.
        index: usize,
        /// Physical load address.
        addr: u64,
        /// Size in memory.
        size: u64,
        /// RAM base.
        ram_base: u64,
        /// RAM end.
        ram_end: u64,
    },
    /// Nothing to load.
    #[error("the ELF has no loadable segment")]
    NoSegments,
}

/// What the loader found in an ELF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedElf {
    /// Entry point.
    pub entry: u64,
    /// Address of the `tohost` symbol (HTIF), if defined.
    pub tohost: Option<u64>,
    /// Address of the `fromhost` symbol (HTIF), if defined.
    pub fromhost: Option<u64>,
    /// Highest physical address used by a loaded segment (exclusive).
    pub end: u64,
}

/// Check `bytes` and load its PT_LOAD segments at their physical addresses into `ram`.
pub fn load_elf(bytes: &[u8], ram: &mut Ram) -> Result<LoadedElf, ElfError> {
    let elf = Elf::parse(bytes).map_err(|e| ElfError::Parse(e.to_string()))?;
    let h = &elf.header;
    if h.e_ident[header::EI_CLASS] != header::ELFCLASS64 {
        return Err(ElfError::NotElf64(h.e_ident[header::EI_CLASS]));
    }
    if h.e_machine != header::EM_RISCV {
        return Err(ElfError::NotRiscv(h.e_machine));
    }
    if h.e_type != header::ET_EXEC && h.e_type != header::ET_DYN {
        return Err(ElfError::NotExecutable(h.e_type));
    }
    let mut end = 0;
    let mut loaded = 0;
    for (index, ph) in elf.program_headers.iter().enumerate() {
        if ph.p_type != PT_LOAD || ph.p_memsz == 0 {
            continue;
        }
        let file_end = ph.p_offset.saturating_add(ph.p_filesz);
        if file_end > bytes.len() as u64 || ph.p_filesz > ph.p_memsz {
            return Err(ElfError::Truncated {
                index,
                offset: ph.p_offset,
                end: file_end,
                len: bytes.len(),
            });
        }
        if !ram.contains(ph.p_paddr, ph.p_memsz) {
            return Err(ElfError::OutsideRam {
                index,
                addr: ph.p_paddr,
                size: ph.p_memsz,
                ram_base: ram.base(),
                ram_end: ram.base() + ram.size(),
            });
        }
        let data = &bytes[ph.p_offset as usize..file_end as usize];
        ram.write_bytes(ph.p_paddr, data);
        let zeros = vec![0u8; (ph.p_memsz - ph.p_filesz) as usize];
        ram.write_bytes(ph.p_paddr + ph.p_filesz, &zeros);
        end = end.max(ph.p_paddr + ph.p_memsz);
        loaded += 1;
    }
    if loaded == 0 {
        return Err(ElfError::NoSegments);
    }
    let symbol = |name: &str| {
        elf.syms
            .iter()
            .find(|s| elf.strtab.get_at(s.st_name) == Some(name))
            .map(|s| s.st_value)
    };
    Ok(LoadedElf {
        entry: h.e_entry,
        tohost: symbol("tohost"),
        fromhost: symbol("fromhost"),
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_truncation() {
        let mut ram = Ram::new(0x8000_0000, 0x1000).unwrap();
        assert!(matches!(
            load_elf(b"hello", &mut ram),
            Err(ElfError::Parse(_))
        ));
        assert!(load_elf(&[], &mut ram).is_err());
        let mut hdr = vec![0u8; 64];
        hdr[..4].copy_from_slice(b"\x7fELF");
        hdr[4] = 1; // 32-bit
        hdr[5] = 1;
        assert!(load_elf(&hdr, &mut ram).is_err());
    }
}
