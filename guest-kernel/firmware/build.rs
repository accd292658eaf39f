//! Builds the kernel and embeds it in the firmware.
//!
//! The bootable image is the firmware ELF. This script
//! 1. links the firmware with `firmware.ld`;
//! 2. builds the `kernel` package of this workspace with a nested `cargo build` into a
//!    target directory of its own (inside `OUT_DIR`, so it never contends with the outer
//!    build's lock);
//! 3. flattens the kernel ELF into the bytes of its loadable segments, laid out from the
//!    lowest physical address, and writes `kernel_image.rs`, which `src/payload.rs`
//!    includes: the kernel's load address, entry point and bytes, the bytes in a section of
//!    their own that `firmware.ld` places at the kernel's load address (`KERNEL_BASE`, passed
//!    to the linker). The firmware ELF thus has the kernel as a loadable segment at its own
//!    address, and whoever loads the ELF (hartlab, QEMU) puts it there: nothing is copied at
//!    boot.

use object::read::elf::{ElfFile64, FileHeader, ProgramHeader};
use object::{elf, Endianness};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const KERNEL_TARGET: &str = "riscv64imac-unknown-none-elf";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    let linker_script = manifest_dir.join("firmware.ld");
    println!("cargo:rustc-link-arg-bins=-T{}", linker_script.display());
    println!("cargo:rerun-if-changed={}", linker_script.display());
    // The kernel bundles the user programs (see kernel/build.rs), so they are inputs too.
    for input in [
        "kernel/src",
        "kernel/kernel.ld",
        "kernel/build.rs",
        "kernel/Cargo.toml",
        "coroutine",
        "coroutine-payload",
        "abi",
        "ulib",
        "Cargo.lock",
        "../workloads/src",
        "../workloads/Cargo.toml",
        "../workloads/Cargo.lock",
        "../workloads/.cargo/config.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(input).display());
    }

    let kernel_elf = build_kernel(workspace, &out_dir.join("kernel-target"));
    let kernel = flatten(&fs::read(&kernel_elf).unwrap());
    fs::write(out_dir.join("kernel.bin"), &kernel.bytes).unwrap();
    println!(
        "cargo:rustc-link-arg-bins=--defsym=KERNEL_BASE={:#x}",
        kernel.load_address
    );
    fs::write(
        out_dir.join("kernel_image.rs"),
        format!(
            "/// Physical address of the kernel's first byte.\n\
             pub const LOAD_ADDRESS: usize = {:#x};\n\
             /// Physical address of the kernel's first instruction.\n\
             pub const ENTRY: usize = {:#x};\n\
             /// The kernel's loadable segments, flattened, linked at `LOAD_ADDRESS`.\n\
             #[unsafe(link_section = \".kernel\")]\n\
             #[used]\n\
             pub static IMAGE: [u8; {}] = *include_bytes!(\"kernel.bin\");\n",
            kernel.load_address,
            kernel.entry,
            kernel.bytes.len()
        ),
    )
    .unwrap();
}

/// Runs `cargo build --release -p kernel` and returns the path of the kernel ELF.
///
/// The kernel is always built optimised: it runs instruction by instruction in the simulator.
fn build_kernel(workspace: &Path, target_dir: &Path) -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--release",
            "--package",
            "kernel",
            "--target",
            KERNEL_TARGET,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        // The outer build's flags are meant for the firmware; let the nested build read the
        // workspace's configuration itself.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .status()
        .expect("cannot run cargo to build the kernel");
    assert!(status.success(), "building the kernel failed");
    target_dir
        .join(KERNEL_TARGET)
        .join("release")
        .join("kernel")
}

/// A kernel as the firmware loads it.
struct FlatKernel {
    load_address: u64,
    entry: u64,
    bytes: Vec<u8>,
}

/// Lays the file contents of every `PT_LOAD` segment out at its physical address, relative to
/// the lowest one; gaps are zero. Zero-initialised memory past a segment's file contents (the
/// `.bss`) is not included: the kernel clears it itself.
fn flatten(data: &[u8]) -> FlatKernel {
    let file = ElfFile64::<Endianness>::parse(data).expect("the kernel is not an ELF64 file");
    let endian = file.endian();
    let segments: Vec<_> = file
        .elf_program_headers()
        .iter()
        .filter(|ph| ph.p_type(endian) == elf::PT_LOAD && ph.p_filesz(endian) > 0)
        .collect();
    let start = segments
        .iter()
        .map(|ph| ph.p_paddr(endian))
        .min()
        .expect("the kernel has no loadable segment");
    let end = segments
        .iter()
        .map(|ph| ph.p_paddr(endian) + ph.p_filesz(endian))
        .max()
        .unwrap();
    let mut bytes = vec![0u8; (end - start) as usize];
    for ph in segments {
        let offset = (ph.p_paddr(endian) - start) as usize;
        let contents = ph
            .data(endian, data)
            .expect("a kernel segment lies outside the file");
        bytes[offset..offset + contents.len()].copy_from_slice(contents);
    }
    let entry = file.elf_header().e_entry(endian);
    assert!(
        (start..end).contains(&entry),
        "the kernel's entry point is outside its image"
    );
    FlatKernel {
        load_address: start,
        entry,
        bytes,
    }
}
