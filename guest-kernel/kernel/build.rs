//! Links the kernel with `kernel.ld`, and bundles the user programs: builds the `workloads/`
//! workspace (every binary in `workloads/src/bin/`) with a nested `cargo build` into a target
//! directory of its own, and writes `programs.rs` with each program's name and
//! `include_bytes!` of its ELF file, which `src/programs.rs` includes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const TARGET: &str = "riscv64imac-unknown-none-elf";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let script = manifest_dir.join("kernel.ld");
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    println!("cargo:rerun-if-changed={}", script.display());

    let guest = manifest_dir.parent().unwrap();
    let workloads = guest.parent().unwrap().join("workloads");
    for input in [
        workloads.join("src"),
        workloads.join("Cargo.toml"),
        workloads.join("Cargo.lock"),
        workloads.join(".cargo/config.toml"),
        guest.join("ulib"),
        guest.join("abi"),
    ] {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let programs = build_workloads(&workloads, &out_dir.join("workloads-target"));
    // ELF parsers read the headers in place, so the files are 8-byte aligned.
    let mut table = String::from(
        "/// An ELF file, aligned for in-place parsing.\n\
         #[repr(C, align(8))]\n\
         struct Aligned<B: ?Sized>(B);\n\n\
         /// Every bundled program: its name and ELF file.\n\
         static PROGRAMS: &[(&str, &Aligned<[u8]>)] = &[\n",
    );
    for (name, elf) in &programs {
        table += &format!(
            "    ({name:?}, &Aligned(*include_bytes!({:?}))),\n",
            elf.display().to_string()
        );
    }
    table += "];\n";
    fs::write(out_dir.join("programs.rs"), table).unwrap();
}

/// Builds every binary of the workloads package; returns (name, ELF path) sorted by name.
fn build_workloads(workloads: &Path, target_dir: &Path) -> Vec<(String, PathBuf)> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workloads)
        .args(["build", "--release", "--bins", "--target", TARGET])
        .arg("--target-dir")
        .arg(target_dir);
    // The kernel's build settings are not the workloads'. The flags are the workloads
    // workspace's own (`.cargo/config.toml`: ulib's linker script) plus one that makes the
    // programs independent of where the repository lies: `ulib` and `abi` are path
    // dependencies outside that workspace, so their source paths (in panic locations) would be
    // absolute, and a clone elsewhere would build different bytes, hence different timing.
    let guest_dir = workloads
        .parent()
        .unwrap()
        .join("guest-kernel")
        .display()
        .to_string();
    let flags = [
        "-C".to_string(),
        "link-arg=-Tuser.ld".to_string(),
        format!("--remap-path-prefix={guest_dir}=guest-kernel"),
    ];
    cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    for var in [
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("cannot run cargo to build the workloads");
    assert!(
        status.success(),
        "building the user programs (workloads/) failed"
    );
    let mut names: Vec<String> = fs::read_dir(workloads.join("src/bin"))
        .expect("workloads/src/bin is missing")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let elf = target_dir.join(TARGET).join("release").join(&name);
            (name, elf)
        })
        .collect()
}
