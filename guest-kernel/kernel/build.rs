//! Links the kernel with `kernel.ld`.
fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel.ld");
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    println!("cargo:rerun-if-changed={}", script.display());
}
