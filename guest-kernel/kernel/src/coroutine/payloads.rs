//! The scheduler payloads bundled into the kernel image by `build.rs` (one per policy),
//! page aligned in the kernel's text (so read and execute only in the kernel, and mappable
//! into processes page by page).

include!(concat!(env!("OUT_DIR"), "/payloads.rs"));
