//! The user programs bundled into the kernel image: every binary of `workloads/`, built and
//! embedded by `build.rs`, by name.

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// The ELF file of the program called `name`.
pub fn find(name: &str) -> Option<&'static [u8]> {
    PROGRAMS
        .iter()
        .find(|(program, _)| *program == name)
        .map(|(_, elf)| &elf.0)
}

/// The names of the bundled programs.
pub fn names() -> impl Iterator<Item = &'static str> {
    PROGRAMS.iter().map(|(name, _)| *name)
}
