//! The C header of the hardware ABI (`tests/guest/common/hw.h`), which the bare-metal test
//! programs include, is generated from the `abi` crate: this checks that the committed file is
//! what `abi::c_header` writes. `HARTLAB_WRITE_HW_HEADER=1` rewrites it instead.

#[test]
fn the_committed_c_header_is_generated_from_the_abi_crate() {
    let mut generated = String::new();
    abi::c_header::write(&mut generated).expect("writing to a String cannot fail");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guest/common/hw.h");
    if std::env::var_os("HARTLAB_WRITE_HW_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write hw.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is not what abi::c_header writes; rerun with HARTLAB_WRITE_HW_HEADER=1",
        path.display()
    );
}
