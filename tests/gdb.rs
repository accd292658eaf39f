//! `--gdb`: Debian's `gdb-multiarch` drives scripted sessions against `hartlab run|boot
//! --gdb` on a free port: a two-hart bare-metal program (write, read and access watchpoints on
//! a variable another hart writes, stopping on a trap, a hardware breakpoint, registers including FP and CSRs, memory, a
//! single step, the threads, continue to the exit), the guest kernel (a breakpoint in its trap
//! entry, loaded from the kernel ELF's symbols; the run's statistics equal those of a run
//! without gdb), and Ctrl-C on a program that never ends. Where gdb-multiarch is missing the
//! tests are compiled as ignored (build.rs sets `cfg(gdb)`; scripts/install-test-deps installs
//! it).

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{build_guest, output_text, repo_root, tempfile_dir};

const GDB: &str = "gdb-multiarch";

/// A port nothing listens on now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// Start hartlab with `args` plus `--gdb` on a free port; returns the child and the port once
/// it listens.
fn start_hartlab(args: &[&str], stats: &Path) -> (Child, u16) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hartlab"))
        .args(args)
        .args(["--stats", &stats.display().to_string(), "--gdb", &addr])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hartlab");
    // It says so on stderr once it listens.
    let mut err = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains("waiting for gdb") {
        let n = err.read(&mut buf).expect("read hartlab's stderr");
        assert!(
            n > 0 && Instant::now() < deadline,
            "hartlab did not start listening: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    child.stderr = Some(err);
    (child, port)
}

/// Run gdb-multiarch in batch mode with `script` (after connecting to `port`) on the symbol
/// file `symbols`.
fn run_gdb(port: u16, symbols: &Path, script: &str) -> Child {
    let file = tempfile_dir("gdb").join(format!("session-{port}.gdb"));
    let full = format!(
        "set pagination off\nset confirm off\nset width 0\ntarget remote 127.0.0.1:{port}\n{script}"
    );
    std::fs::write(&file, full).expect("write the gdb script");
    Command::new(GDB)
        .arg("-nx")
        .arg("-batch")
        .arg("-x")
        .arg(&file)
        .arg(symbols)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gdb-multiarch")
}

/// Wait for `child` for at most `limit`, killing it after that.
fn wait(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let o = child.wait_with_output().expect("output");
            panic!("{what} did not finish in {limit:?}:\n{}", output_text(&o));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn shared_elf() -> PathBuf {
    let src = repo_root().join("tests/guest/debug/shared.S");
    build_guest(
        "debug-shared",
        &[src.as_path()],
        &["-march=rv64gc_zicsr_zifencei", "-mabi=lp64d"],
    )
}

#[test]
#[cfg_attr(not(gdb), ignore = "needs gdb-multiarch (scripts/install-test-deps)")]
fn gdb_session_on_a_bare_metal_program() {
    let elf = shared_elf();
    let dir = tempfile_dir("gdb_bare");
    let stats = dir.join("stats.json");
    let (hartlab, port) =
        start_hartlab(&["run", &elf.display().to_string(), "--harts", "2"], &stats);
    let script = "\
info threads
watch *(long *)&shared
continue
continue
delete
rwatch *(long *)&shared
continue
delete
awatch *(long *)&shared
continue
delete
monitor trap on
continue
p $pc
p $mcause
monitor trap off
hbreak after_trap
continue
info registers
p/x $mstatus
p $fcsr
p/x $satp
p $mhartid
x/2xg &shared
stepi
p $pc
info threads
delete
continue
";
    let gdb = wait(run_gdb(port, &elf, script), Duration::from_secs(120), "gdb");
    let hartlab = wait(hartlab, Duration::from_secs(60), "hartlab");
    let out = output_text(&gdb);
    for expected in [
        "Thread 1.2",
        "Thread 2 hit Hardware watchpoint 1: *(long *)&shared",
        "Old value = 0\nNew value = 1",
        "Old value = 1\nNew value = 2",
        "Thread 1 hit Hardware read watchpoint 2: *(long *)&shared",
        "hit Hardware access (read/write) watchpoint 3: *(long *)&shared",
        "stopping on traps",
        "<trap_handler>",
        "= 11\n",
        "Hardware assisted breakpoint 4 at",
        "Breakpoint 4, after_trap",
        "t1             0x3",
        "0x0000000000000003",
        "<after_trap+4>",
        "[Inferior 1 (process 1) exited normally]",
    ] {
        assert!(
            out.contains(expected),
            "gdb's output lacks {expected:?}:\n{out}"
        );
    }
    // p/x $mstatus, p $fcsr, p/x $satp and p $mhartid print values.
    assert!(out.contains("= 0xa0000"), "{out}");
    assert!(out.contains("= 0x0\n"), "{out}");
    assert_eq!(hartlab.status.code(), Some(0), "{}", output_text(&hartlab));
}

/// The guest kernel's ELF (the firmware carries it as data, so its symbols come from the
/// kernel's own ELF, which the firmware's build leaves in its build directory).
fn kernel_elf() -> Option<PathBuf> {
    let build = repo_root().join("target/guest-kernel/riscv64imac-unknown-none-elf/release/build");
    std::fs::read_dir(build)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("firmware-"))
        .map(|e| {
            e.path()
                .join("out/kernel-target/riscv64imac-unknown-none-elf/release/kernel")
        })
        .filter(|p| p.is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

#[test]
#[cfg_attr(not(gdb), ignore = "needs gdb-multiarch (scripts/install-test-deps)")]
fn gdb_session_on_the_guest_kernel() {
    let kernel = kernel_elf().expect("the guest kernel's ELF (built by build.rs)");
    let dir = tempfile_dir("gdb_kernel");
    let args = ["boot", "--harts", "2", "--bootargs", "run hello"];
    let plain_stats = dir.join("plain.json");
    let plain = support::hartlab_cli(
        &[&args[..], &["--stats", &plain_stats.display().to_string()]].concat(),
    );
    assert_eq!(plain.status.code(), Some(0), "{}", output_text(&plain));
    let stats = dir.join("gdb.json");
    let (hartlab, port) = start_hartlab(&args, &stats);
    let script = "\
rbreak ^kernel::trap::trap_entry
continue
p $pc
info registers sp
p/x $satp
p/x $scause
p/x $sstatus
x/4xw $pc
stepi
info threads
delete
continue
";
    let gdb = wait(
        run_gdb(port, &kernel, script),
        Duration::from_secs(120),
        "gdb",
    );
    let hartlab = wait(hartlab, Duration::from_secs(120), "hartlab");
    let out = output_text(&gdb);
    for expected in [
        "hit Breakpoint 1",
        "<kernel::trap::trap_entry",
        "Thread 1.2",
        "[Inferior 1 (process 1) exited normally]",
    ] {
        assert!(
            out.contains(expected),
            "gdb's output lacks {expected:?}:\n{out}"
        );
    }
    assert!(out.contains("= 0x8"), "satp shows Sv39 (mode 8):\n{out}");
    assert_eq!(hartlab.status.code(), Some(0), "{}", output_text(&hartlab));
    assert!(String::from_utf8_lossy(&hartlab.stdout).contains("hello from pid"));
    // Debugging changed nothing simulated: same console, same statistics.
    assert_eq!(hartlab.stdout, plain.stdout);
    assert_eq!(
        std::fs::read_to_string(&stats).expect("stats under gdb"),
        std::fs::read_to_string(&plain_stats).expect("stats without gdb"),
    );
}

#[test]
#[cfg_attr(not(gdb), ignore = "needs gdb-multiarch (scripts/install-test-deps)")]
fn gdb_ctrl_c_interrupts_a_running_guest() {
    let src = repo_root().join("tests/guest/cli/spin.S");
    let elf = build_guest("debug-spin", &[src.as_path()], &[]);
    let dir = tempfile_dir("gdb_ctrl_c");
    let (hartlab, port) = start_hartlab(
        &["run", &elf.display().to_string(), "--harts", "2"],
        &dir.join("stats.json"),
    );
    let gdb = run_gdb(port, &elf, "continue\np $pc\ninfo threads\nkill\n");
    // Let it run, then press Ctrl-C: gdb sends the interrupt to the stub.
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &gdb.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let gdb = wait(gdb, Duration::from_secs(60), "gdb");
    let hartlab = wait(hartlab, Duration::from_secs(60), "hartlab");
    let out = output_text(&gdb);
    assert!(out.contains("SIGINT"), "{out}");
    assert!(out.contains("<_start"), "{out}");
    assert!(out.contains("Thread 1.2"), "{out}");
    assert!(
        output_text(&hartlab).contains("the debugger killed the run"),
        "{}",
        output_text(&hartlab)
    );
}
