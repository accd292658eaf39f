//! Links each payload with `payload.ld` at `HARTLAB_PAYLOAD_BASE` (default 0). The kernel's
//! build links the payloads at two bases and checks that the bytes are the same: the proof
//! that the code is position independent (see `kernel/build.rs`).
use std::{env, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let script = dir.join("payload.ld");
    let base = env::var("HARTLAB_PAYLOAD_BASE").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    println!("cargo:rustc-link-arg-bins=--defsym=PAYLOAD_BASE={base}");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rerun-if-env-changed=HARTLAB_PAYLOAD_BASE");
}
