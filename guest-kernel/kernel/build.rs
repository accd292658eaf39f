//! Links the kernel with `kernel.ld`, and bundles the user programs: builds the `workloads/`
//! workspace (every binary in `workloads/src/bin/`) with a nested `cargo build` into a target
//! directory of its own, and writes `programs.rs` with each program's name and
//! `include_bytes!` of its ELF file, which `src/programs.rs` includes.
//!
//! It also bundles the coroutine-scheduler payloads (`coroutine-payload`, one per policy):
//! builds them twice, linked at two different bases, checks that both links give the same
//! bytes (so the code holds no absolute address and runs wherever it is mapped), and writes
//! `payloads.rs` with each payload's name and bytes, page aligned, which
//! `src/coroutine/payloads.rs` includes.
//!
//! The programs must be the same bytes wherever the repository is cloned: their code layout
//! is part of every timing result. Cargo names a path dependency outside a workspace (here
//! `ulib` and `abi`, for the `workloads` workspace) by its absolute path, and that name seeds
//! symbol hashes and so the layout. So the build runs on a copy of the sources at a fixed
//! place named by their content, `/tmp/hartlab-workloads-<hash>/` (see [`stage_sources`]).

use object::read::elf::{ElfFile64, ProgramHeader};
use object::{elf, Endianness};
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
        guest.join("coroutine"),
    ] {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let stage = stage_sources(guest.parent().unwrap());
    let programs = build_workloads(
        &stage.join("workloads"),
        &workloads,
        &out_dir.join("workloads-target"),
    );
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

    for input in ["coroutine", "coroutine-payload"] {
        println!("cargo:rerun-if-changed={}", guest.join(input).display());
    }
    let payloads = build_payloads(guest, &out_dir);
    let mut table = String::from(
        "/// A payload's bytes, page aligned so they can be mapped into processes.\n\
         #[repr(C, align(4096))]\n\
         pub struct Pages<B: ?Sized>(pub B);\n\n",
    );
    for (index, (_, bin)) in payloads.iter().enumerate() {
        let len = fs::metadata(bin).unwrap().len();
        table += &format!(
            "/// A payload image, in the section `kernel.ld` places at the end of the text\n\
             /// (mapped read and execute only).\n\
             #[unsafe(link_section = \".payloads\")]\n\
             static PAYLOAD_{index}: Pages<[u8; {len}]> = Pages(*include_bytes!({:?}));\n",
            bin.display().to_string()
        );
    }
    table += &format!(
        "\n/// Every payload: its name and image.\n\
         pub static PAYLOADS: [(&str, &Pages<[u8]>); {}] = [\n",
        payloads.len()
    );
    for (index, (name, _)) in payloads.iter().enumerate() {
        table += &format!("    ({name:?}, &PAYLOAD_{index}),\n");
    }
    table += "];\n";
    fs::write(out_dir.join("payloads.rs"), table).unwrap();
}

/// The payload binaries (`coroutine-payload/src/bin/`), by name.
const PAYLOADS: [&str; 2] = ["strict", "aging"];

/// Builds the payloads linked at 0 and at another base, checks that the two links are the
/// same bytes, writes the bytes to `OUT_DIR/<name>.payload`; returns (name, path).
fn build_payloads(guest: &Path, out_dir: &Path) -> Vec<(String, PathBuf)> {
    let images: Vec<Vec<Vec<u8>>> = ["0x0", "0x12345000"]
        .iter()
        .map(|base| {
            let target_dir = out_dir.join(format!("payload-target-{base}"));
            let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.current_dir(guest)
                .args([
                    "build",
                    "--release",
                    "--package",
                    "coroutine-payload",
                    "--bins",
                ])
                .args(["--target", TARGET])
                .arg("--target-dir")
                .arg(&target_dir)
                .env("HARTLAB_PAYLOAD_BASE", base)
                .env("CARGO_ENCODED_RUSTFLAGS", "-Crelocation-model=pie");
            for var in ["RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET"] {
                cmd.env_remove(var);
            }
            let status = cmd
                .status()
                .expect("cannot run cargo to build the payloads");
            assert!(status.success(), "building the coroutine payloads failed");
            PAYLOADS
                .iter()
                .map(|name| {
                    let elf = target_dir.join(TARGET).join("release").join(name);
                    flatten(&fs::read(&elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display())))
                })
                .collect()
        })
        .collect();
    PAYLOADS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            assert!(
                images[0][i] == images[1][i],
                "the {name} payload differs when linked at another base: it holds an absolute \
                 address and is not position independent"
            );
            let path = out_dir.join(format!("{name}.payload"));
            fs::write(&path, &images[0][i]).unwrap();
            (name.to_string(), path)
        })
        .collect()
}

/// The bytes of a payload's one loadable segment.
fn flatten(data: &[u8]) -> Vec<u8> {
    let file = ElfFile64::<Endianness>::parse(data).expect("a payload is not an ELF64 file");
    let endian = file.endian();
    let segments: Vec<_> = file
        .elf_program_headers()
        .iter()
        .filter(|ph| ph.p_type(endian) == elf::PT_LOAD)
        .collect();
    assert!(
        segments.len() == 1,
        "a payload must be one loadable segment"
    );
    segments[0]
        .data(endian, data)
        .expect("a payload segment lies outside the file")
        .to_vec()
}

/// The files the programs are built from, relative to the repository root: what the
/// build reads, and nothing else (documentation, editor files and build outputs would
/// otherwise change the staging path, and with it the programs' layout, without a rebuild).
fn source_files(repo: &Path) -> Vec<PathBuf> {
    fn walk(repo: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(repo.join(dir)) else {
            return;
        };
        for entry in entries.flatten() {
            let rel = dir.join(entry.file_name());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                if entry.file_name() != "target" {
                    walk(repo, &rel, files);
                }
            } else if is_build_input(&rel) {
                files.push(rel);
            }
        }
    }
    let mut files = Vec::new();
    for dir in [
        "workloads/src",
        "guest-kernel/ulib",
        "guest-kernel/abi",
        "guest-kernel/coroutine",
    ] {
        walk(repo, Path::new(dir), &mut files);
    }
    for file in [
        "workloads/Cargo.toml",
        "workloads/Cargo.lock",
        "workloads/.cargo/config.toml",
        "guest-kernel/Cargo.toml",
    ] {
        files.push(PathBuf::from(file));
    }
    files.sort();
    files
}

/// Whether a file of the programs' crates is read by their build: Rust sources, manifests,
/// build configuration and linker scripts.
fn is_build_input(file: &Path) -> bool {
    matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("rs" | "toml" | "lock" | "ld")
    )
}

/// Copies the programs' sources to `/tmp/hartlab-workloads-<hash of names and contents>/`
/// (once; concurrent builds agree, the copy is renamed into place whole) and returns that
/// directory. The guest workspace's manifest is copied with only its library crates as members,
/// which is what their manifests need from it.
fn stage_sources(repo: &Path) -> PathBuf {
    let files = source_files(repo);
    let mut contents = Vec::with_capacity(files.len());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let mut bytes = fs::read(repo.join(file)).unwrap();
        if file == Path::new("guest-kernel/Cargo.toml") {
            bytes = only_library_members(&String::from_utf8(bytes).unwrap()).into_bytes();
        }
        for &byte in file
            .to_string_lossy()
            .as_bytes()
            .iter()
            .chain([0u8].iter())
            .chain(&bytes)
        {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        contents.push(bytes);
    }
    let stage = PathBuf::from(format!("/tmp/hartlab-workloads-{hash:016x}"));
    if stage.join(".complete").exists() {
        return stage;
    }
    let staging = PathBuf::from(format!("{}.{}", stage.display(), std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    for (file, bytes) in files.iter().zip(&contents) {
        let path = staging.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    fs::write(staging.join(".complete"), "").unwrap();
    if fs::rename(&staging, &stage).is_err() {
        // Another build staged the same sources first.
        let _ = fs::remove_dir_all(&staging);
    }
    assert!(
        stage.join(".complete").exists(),
        "cannot stage the workloads in {}",
        stage.display()
    );
    stage
}

/// The guest workspace manifest with `members` and `default-members` cut down to the
/// library crates the programs use.
fn only_library_members(manifest: &str) -> String {
    manifest
        .lines()
        .map(|line| {
            if line.starts_with("members") {
                "members = [\"abi\", \"coroutine\", \"ulib\"]"
            } else if line.starts_with("default-members") {
                "default-members = [\"abi\", \"coroutine\", \"ulib\"]"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds every binary of the workloads package in `workloads` (the staged copy of
/// `original`); returns (name, ELF path) sorted by name.
fn build_workloads(workloads: &Path, original: &Path, target_dir: &Path) -> Vec<(String, PathBuf)> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workloads)
        .args(["build", "--release", "--bins", "--target", TARGET])
        .arg("--target-dir")
        .arg(target_dir);
    // The kernel's build settings are not the workloads'. The flags are the workloads
    // workspace's own (`.cargo/config.toml`: ulib's linker script) plus path remappings that
    // keep the staging directory and the cargo home (both in panic locations) out of the
    // bytes.
    let stage = workloads.parent().unwrap().display().to_string();
    let cargo_home = env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", env::var("HOME").unwrap_or_default()));
    let flags = [
        "-C".to_string(),
        "link-arg=-Tuser.ld".to_string(),
        format!("--remap-path-prefix={stage}=hartlab"),
        format!("--remap-path-prefix={cargo_home}=cargo-home"),
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
    let mut names: Vec<String> = fs::read_dir(original.join("src/bin"))
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
