//! Builds the bundled guest image (`guest-kernel/`: SBI firmware with the S-mode kernel inside)
//! so that `hartlab boot` works straight after a fresh clone, and tells the crate where it is
//! (`HARTLAB_GUEST_IMAGE`); and says which external tools the tests need are there (`cfg(qemu)` and others).
//!
//! The guest workspace targets `riscv64imac-unknown-none-elf`; when that rustup target is
//! missing this script installs it with rustup, or stops with a one-line instruction. The
//! guest is built with its own target directory (`target/guest-kernel`), shared by every
//! profile of the host build, and always optimised: it runs instruction by instruction.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const GUEST_TARGET: &str = "riscv64imac-unknown-none-elf";

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let guest = root.join("guest-kernel");
    for input in [
        "firmware/src",
        "firmware/build.rs",
        "firmware/firmware.ld",
        "firmware/Cargo.toml",
        "kernel/src",
        "kernel/build.rs",
        "kernel/kernel.ld",
        "kernel/Cargo.toml",
        "abi",
        "ulib",
        "coroutine",
        "coroutine-payload",
        "../workloads/src",
        "../workloads/Cargo.toml",
        "../workloads/Cargo.lock",
        "../workloads/.cargo/config.toml",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
    ] {
        println!("cargo:rerun-if-changed={}", guest.join(input).display());
    }
    detect_test_tools();
    state_sources(&root);
    ensure_target();
    let target_dir = root.join("target").join("guest-kernel");
    let image = build_guest(&guest, &target_dir);
    println!("cargo:rustc-env=HARTLAB_GUEST_IMAGE={}", image.display());
}

/// The external tools some integration tests need, each with the `cfg` that says it is there:
/// a test that needs a missing tool is compiled as ignored (`#[cfg_attr(not(qemu), ignore =
/// ...)]`), so `cargo test` reports it as skipped, never as passed. `scripts/install-test-deps`
/// installs them all, so CI runs every test. The third field says whether the tests also look
/// for the tool in `~/.local/bin`, where `pip install --user` puts it.
const TEST_TOOLS: [(&str, &str, bool); 4] = [
    // The reference the differential tests compare with.
    ("qemu", "qemu-system-riscv64", false),
    // The debugger tests/gdb.rs drives.
    ("gdb", "gdb-multiarch", false),
    // The reference tests/commit_log.rs compares commit logs with.
    ("spike", "spike", true),
    // The C compiler of the bare-metal guest programs.
    ("guest_cc", "riscv64-unknown-elf-gcc", false),
];

/// Sets the `cfg` of each of [`TEST_TOOLS`] that is installed, and reruns this script when
/// one appears.
fn detect_test_tools() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=HOME");
    let path = env::var_os("PATH").unwrap_or_default();
    let path_dirs: Vec<PathBuf> = env::split_paths(&path).collect();
    let user_bin = env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/bin"));
    let mut dirs = path_dirs.clone();
    dirs.extend(user_bin);
    let mut watch_dirs = false;
    for (cfg, tool, in_user_bin) in TEST_TOOLS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        let searched = if in_user_bin { &dirs } else { &path_dirs };
        match searched.iter().map(|d| d.join(tool)).find(|p| p.is_file()) {
            Some(found) => {
                println!("cargo::rustc-cfg={cfg}");
                println!("cargo:rerun-if-changed={}", found.display());
            }
            None => watch_dirs = true,
        }
    }
    // Installing a missing tool changes one of these directories, which runs this script again.
    if watch_dirs {
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
    }
}

/// A fingerprint of the sources that define the machine state checkpoints hold (`sim-core`
/// and `devices`), as `HARTLAB_STATE_SOURCES`: a checkpoint written by a build with other
/// model sources is refused as another version instead of being misread.
fn state_sources(root: &Path) {
    fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["sim-core/src", "devices/src"] {
        let dir = root.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&dir, &mut files);
    }
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy();
        let text = std::fs::read(file).unwrap_or_default();
        for &b in name.as_bytes().iter().chain(&[0]).chain(&text) {
            hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=HARTLAB_STATE_SOURCES={hash:016x}");
}

/// Make sure the guest's rustup target is installed.
fn ensure_target() {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let Ok(installed) = installed else {
        // No rustup: the toolchain may still have the target (a distribution's rustc).
        return;
    };
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == GUEST_TARGET)
    {
        return;
    }
    println!("cargo:warning=installing the rustup target {GUEST_TARGET} for the guest kernel");
    let ok = Command::new("rustup")
        .args(["target", "add", GUEST_TARGET])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        panic!("the guest kernel needs the {GUEST_TARGET} target: run `rustup target add {GUEST_TARGET}`");
    }
    // Cargo replays a build script's warnings on every build until the script runs again:
    // a path that never exists makes the next build run it once more, which finds the target
    // installed and leaves no warning behind.
    println!("cargo:rerun-if-changed=the {GUEST_TARGET} target was just installed");
}

/// Build the guest workspace and return the bootable image (the firmware ELF).
fn build_guest(guest: &Path, target_dir: &Path) -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(guest)
        .args(["build", "--release", "--target", GUEST_TARGET])
        .arg("--target-dir")
        .arg(target_dir);
    // The host build's settings (flags, wrappers such as clippy's, target overrides) are not
    // the guest's: the nested build reads the guest workspace's own configuration.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CLIPPY_ARGS",
        "CLIPPY_CONF_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("cannot run cargo to build the guest kernel");
    if !status.success() {
        panic!("building the guest kernel (guest-kernel/) failed; see the errors above");
    }
    target_dir
        .join(GUEST_TARGET)
        .join("release")
        .join("firmware")
}
