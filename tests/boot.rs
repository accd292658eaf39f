//! `hartlab boot`: the bundled guest image (guest-kernel/, built by build.rs) boots on hartlab
//! with 1 and 4 harts, reads its device tree (harts, memory, bootargs, hartlab-only devices),
//! turns on Sv39 paging, brings every hart up through SBI HSM, takes an IPI and a timer interrupt and shuts down;
//! the same image boots on QEMU `virt` and prints the same, except for the hartlab devices.

mod support;

use std::process::Output;
use std::time::Duration;

use support::hartlab_cli as hartlab;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The console of a `hartlab boot` that must pass.
fn boot(args: &[&str]) -> String {
    let mut all = vec!["boot"];
    all.extend_from_slice(args);
    let o = hartlab(&all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "hartlab {all:?} failed:\n{}\n{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

#[test]
fn bundled_image_boots_on_one_and_four_harts() {
    for harts in [1, 4] {
        let out = boot(&["--harts", &harts.to_string()]);
        assert!(
            out.contains(&format!("device tree: {harts} harts, 256 MiB of memory")),
            "{out}"
        );
        for hart in 0..harts {
            assert!(out.contains(&format!("hart {hart} up\n")), "{out}");
        }
        assert!(out.contains(&format!("all {harts} harts came up")), "{out}");
        assert!(out.contains("timer interrupt taken on hart 0"), "{out}");
        // Every hart runs under Sv39 before it reports itself up.
        assert!(
            out.contains("paging on: 260096 KiB of RAM mapped in "),
            "{out}"
        );
        assert!(
            out.contains("hartlab devices: sim-control uintc task-controller\n"),
            "{out}"
        );
        assert!(out.ends_with("shutting down\n"), "{out}");
    }
}

#[test]
fn bootargs_reach_the_kernel() {
    let out = boot(&["--bootargs", "quiet sched=rr"]);
    assert!(out.contains("bootargs: quiet sched=rr\n"), "{out}");
    assert!(!boot(&[]).contains("bootargs:"));
}

#[test]
fn another_kernel_image_boots_with_kernel() {
    let src = support::repo_root().join("tests/guest/cli/hello.S");
    let elf = support::build_guest("boot_hello", &[&src], &[]);
    let out = boot(&["--kernel", elf.to_str().unwrap()]);
    assert_eq!(out, "hello from hartlab\n");
    let o = hartlab(&["boot", "--kernel", "/nonexistent/image"]);
    assert_eq!(o.status.code(), Some(251));
}

#[test]
fn the_same_image_boots_on_qemu() {
    let image = std::path::Path::new(env!("HARTLAB_GUEST_IMAGE"));
    let Some(qemu) = support::run_qemu(image, 4, Duration::from_secs(60)) else {
        return;
    };
    assert_eq!(qemu.status, Some(0), "{}", qemu.console);
    // run_qemu gives QEMU hartlab's default memory; QEMU has none of hartlab's own devices.
    let ours = boot(&["--harts", "4"]);
    let without_devices = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("hartlab devices:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        qemu.console
            .contains("hartlab devices: none (not running on hartlab); carrying on without them"),
        "{}",
        qemu.console
    );
    assert_eq!(without_devices(&qemu.console), without_devices(&ours));
}
