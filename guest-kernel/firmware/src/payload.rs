//! The kernel, embedded in the firmware ELF by the build script (see `build.rs`) as a
//! segment at the kernel's own address: the machine's ELF loader puts it in place.

include!(concat!(env!("OUT_DIR"), "/kernel_image.rs"));
