//! Makes `user.ld` findable by every program that depends on ulib.
//!
//! The script is copied into `OUT_DIR`, and `OUT_DIR` becomes a link search path. Cargo
//! passes a dependency's search paths on to the final link of its dependents, so a program
//! only needs `-C link-arg=-Tuser.ld` in its rustflags (see `workloads/.cargo/config.toml`).
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("user.ld");
    fs::copy(&script, out.join("user.ld")).expect("copy user.ld into OUT_DIR");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
}
