//! Shared helpers of hartlab's integration tests: build guest programs with the RISC-V GNU
//! toolchain, run them on hartlab and on QEMU.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Root of the repository.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The C compiler for guest programs (Debian package `gcc-riscv64-unknown-elf`).
pub const GUEST_CC: &str = "riscv64-unknown-elf-gcc";

/// Build a bare-metal guest program (`.S` or `.c`, plus extra sources) into an ELF under
/// `target/guest/<name>`, linked with `tests/guest/common/link.ld`. Panics with a clear message
/// when the toolchain is missing, since the tests cannot run without it.
pub fn build_guest(name: &str, sources: &[&Path], extra_flags: &[&str]) -> PathBuf {
    let root = repo_root();
    let out_dir = root.join("target").join("guest");
    std::fs::create_dir_all(&out_dir).expect("create target/guest");
    let out = out_dir.join(name);
    // Tests run in parallel and may build the same program: build to a private file and
    // rename it into place atomically.
    static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let tmp = out_dir.join(format!(
        "{name}.{}.{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut cmd = Command::new(GUEST_CC);
    cmd.args([
        "-march=rv64imac_zicsr_zifencei",
        "-mabi=lp64",
        "-mcmodel=medany",
        "-static",
        "-nostdlib",
        "-nostartfiles",
        "-ffreestanding",
        "-O2",
        "-g",
    ])
    .arg(format!("-I{}", root.join("tests/guest/common").display()))
    .arg(format!(
        "-T{}",
        root.join("tests/guest/common/link.ld").display()
    ))
    .args(extra_flags)
    .args(sources)
    .arg("-o")
    .arg(&tmp);
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run {GUEST_CC} ({e}); install the guest toolchain with `sudo scripts/install-test-deps` \
             (Debian packages gcc-riscv64-unknown-elf and qemu-system-misc)"
        ),
    };
    assert!(
        output.status.success(),
        "building guest {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&tmp, &out).expect("move the built guest into place");
    out
}

/// Outcome of running a guest on QEMU.
#[derive(Debug)]
pub struct QemuRun {
    /// Exit status of QEMU (the SiFive test finisher's code; 0 on pass).
    pub status: Option<i32>,
    /// Everything the guest printed on the UART.
    pub console: String,
}

/// Whether `qemu-system-riscv64` can be run here.
pub fn qemu_available() -> bool {
    Command::new("qemu-system-riscv64")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Run `elf` on `qemu-system-riscv64 -machine virt -bios none` with `harts` harts. Tests that
/// call it are marked `#[cfg_attr(not(qemu), ignore = ...)]`: without QEMU they are reported
/// as ignored, never as passed (build.rs sets `cfg(qemu)`).
pub fn run_qemu(elf: &Path, harts: usize, timeout: Duration) -> QemuRun {
    run_qemu_with(elf, harts, timeout, &[])
}

/// The command that boots `elf` on `qemu-system-riscv64 -machine virt -bios none` with `harts`
/// harts, hartlab's default memory, the console on stdout and `extra` arguments, killed after
/// `timeout`.
pub fn qemu_command(elf: &Path, harts: usize, timeout: Duration, extra: &[&str]) -> Command {
    let mut qemu = Command::new("timeout");
    qemu.arg("--signal=KILL")
        .arg(format!("{}", timeout.as_secs().max(1)))
        .arg("qemu-system-riscv64")
        .args(["-machine", "virt", "-bios", "none", "-nographic"])
        .args(["-monitor", "none", "-serial", "stdio", "-m", "256M"])
        .arg("-smp")
        .arg(harts.to_string())
        .arg("-kernel")
        .arg(elf)
        .args(extra);
    qemu
}

/// [`run_qemu`] with extra QEMU arguments (such as `-append "bootargs"`).
pub fn run_qemu_with(elf: &Path, harts: usize, timeout: Duration, extra: &[&str]) -> QemuRun {
    assert!(
        qemu_available(),
        "qemu-system-riscv64 cannot be run (it was there when the tests were built): \
         install it with `sudo scripts/install-test-deps`"
    );
    let mut child = qemu_command(elf, harts, timeout, extra)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn qemu");
    let mut console = String::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut console)
        .unwrap();
    let status = child.wait().expect("wait for qemu").code();
    QemuRun {
        status,
        console: console.replace("\r\n", "\n"),
    }
}

/// Outcome of running a guest on hartlab.
#[derive(Debug)]
pub struct HartlabRun {
    /// 0 on pass, the failure code on failure, or the `hartlab run` status for other ends.
    pub status: i32,
    /// Everything the guest printed on the UART (and HTIF console).
    pub console: String,
    /// The full report.
    pub report: hartlab::run::RunReport,
}

/// A console sink the test can read back.
#[derive(Clone, Default)]
pub struct Capture(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run `elf` on hartlab's default virt machine with `harts` harts.
pub fn run_hartlab(elf: &Path, harts: usize) -> HartlabRun {
    let mut config = hartlab::config::MachineConfig::default();
    config.machine.harts = harts;
    let mut options = hartlab::run::RunOptions {
        config: config.resolve().expect("a valid number of harts"),
        ..Default::default()
    };
    options.max_insns = Some(2_000_000_000);
    run_hartlab_with(elf, &options)
}

/// Run `elf` on hartlab with explicit options.
pub fn run_hartlab_with(elf: &Path, options: &hartlab::run::RunOptions) -> HartlabRun {
    use sim_core::machine::Exit;
    let capture = Capture::default();
    let sink = capture.clone();
    let report = hartlab::run::run_elf(elf, options, move || hartlab::board::Console {
        output: Box::new(sink.clone()),
        input: None,
    })
    .unwrap_or_else(|e| panic!("hartlab could not run {}: {e:#}", elf.display()));
    let status = match report.exit {
        Exit::Pass => 0,
        Exit::Fail(code) => code as i32,
        Exit::MaxInsns | Exit::MaxTime => 252,
        Exit::TrapLoop { .. } => 253,
        Exit::Reset | Exit::Deadlock | Exit::Checkpointed => 254,
    };
    let console = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    HartlabRun {
        status,
        console,
        report,
    }
}

/// A readable report of the first line where `reference` (QEMU's console) and `ours`
/// (hartlab's) differ, or `None` when they are equal: the line number, up to three lines of
/// common context, and both versions of the differing line.
pub fn first_difference(reference: &str, ours: &str) -> Option<String> {
    if reference == ours {
        return None;
    }
    let a: Vec<&str> = reference.split('\n').collect();
    let b: Vec<&str> = ours.split('\n').collect();
    let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut report = format!(
        "consoles differ at line {} (QEMU printed {} lines, hartlab {}):\n",
        i + 1,
        a.len(),
        b.len()
    );
    for (n, line) in a.iter().enumerate().take(i).skip(i.saturating_sub(3)) {
        report.push_str(&format!("  {:>5} | {line}\n", n + 1));
    }
    let show = |v: &[&str]| match v.get(i) {
        Some(l) => format!("{l:?}"),
        None => "<end of output>".to_string(),
    };
    report.push_str(&format!("  QEMU    > {}\n", show(&a)));
    report.push_str(&format!("  hartlab > {}\n", show(&b)));
    Some(report)
}

/// The first line (0-based index, QEMU's version) where two consoles differ.
pub fn first_differing_line<'a>(reference: &'a str, ours: &str) -> Option<(usize, &'a str)> {
    if reference == ours {
        return None;
    }
    let mut b = ours.split('\n');
    for (i, line) in reference.split('\n').enumerate() {
        if b.next() != Some(line) {
            return Some((i, line));
        }
    }
    Some((reference.split('\n').count(), ""))
}

/// Run the `hartlab` binary with `args` and an empty stdin.
pub fn hartlab_cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hartlab"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run hartlab")
}

/// Build `tests/guest/<dir>/<name>.S` (which may include headers of its directory) with extra
/// preprocessor definitions into an ELF named `<dir>-<name><suffix>`.
pub fn build_asm_guest(dir: &str, name: &str, suffix: &str, defines: &[&str]) -> PathBuf {
    let dir_path = repo_root().join("tests/guest").join(dir);
    let src = dir_path.join(format!("{name}.S"));
    let include = format!("-I{}", dir_path.display());
    let mut flags: Vec<&str> = vec![&include];
    flags.extend_from_slice(defines);
    build_guest(&format!("{dir}-{name}{suffix}"), &[src.as_path()], &flags)
}

/// Run `elf` on the machine described by the TOML text `toml` (the defaults for everything
/// it leaves out), stopping after `max_insns` instructions.
pub fn run_hartlab_toml(elf: &Path, toml: &str, max_insns: u64) -> HartlabRun {
    let config = hartlab::config::MachineConfig::from_toml(toml)
        .and_then(|c| Ok(c.resolve()?))
        .unwrap_or_else(|e| panic!("bad machine config {toml:?}: {e:#}"));
    let options = hartlab::run::RunOptions {
        config,
        max_insns: Some(max_insns),
        ..Default::default()
    };
    run_hartlab_with(elf, &options)
}

/// What a self-checking guest's status means (see `tests/guest/common/test.h`), with its
/// console, for failure messages.
pub fn describe_status(run: &HartlabRun) -> String {
    let what = match run.status {
        0 => "passed".to_string(),
        200 => "failed on hart 1 (status 200)".to_string(),
        n @ 1..=249 => format!("failed check TEST {n}"),
        250 => "failed before its first numbered check".to_string(),
        252 => "hit the instruction limit (hung?)".to_string(),
        253 => "is stuck in a double-fault loop".to_string(),
        254 => "waits for an interrupt nothing will raise (deadlock)".to_string(),
        n => format!("ended with status {n}"),
    };
    format!("{what}; console:\n{}", run.console.trim_end())
}

/// A process's standard output and error, as text.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Checks experiment `name` against its committed baseline (must pass), then the same
/// experiment with `extra` TOML appended (must fail); returns the failing run's output.
pub fn check_fails_with(name: &str, extra: &str) -> String {
    let root = repo_root();
    let experiment = root.join(format!("experiments/{name}.toml"));
    let baseline = root.join(format!("results/baselines/{name}.json"));
    let args = |file: &Path| {
        vec![
            "check".to_string(),
            file.display().to_string(),
            "--baseline".to_string(),
            baseline.display().to_string(),
        ]
    };
    let pass = args(&experiment);
    let o = hartlab_cli(&pass.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));

    let dir = tempfile_dir(&format!("{name}-changed"));
    let changed = dir.join(format!("{name}.toml"));
    let body = std::fs::read_to_string(&experiment).unwrap();
    std::fs::write(&changed, format!("{body}\n{extra}")).unwrap();
    let fail = args(&changed);
    let o = hartlab_cli(&fail.iter().map(String::as_str).collect::<Vec<_>>());
    let out = output_text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    out
}

/// A fresh directory under the target directory.
pub fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = repo_root()
        .join("target")
        .join("test-tmp")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
