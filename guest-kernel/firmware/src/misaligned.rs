//! Emulation of misaligned loads and stores, as the SBI firmware of real boards does.
//!
//! Most RISC-V cores raise an address-misaligned exception for a load or store that is not
//! naturally aligned and leave it to M mode to perform the access byte by byte, so that
//! portable software runs unchanged (hartlab does the same unless `machine.misaligned =
//! "hardware"`; QEMU performs them in hardware). The firmware therefore keeps these two
//! exceptions for itself instead of delegating them: it decodes the instruction at `mepc`,
//! moves the bytes one at a time with `mstatus.MPRV` set (so they go through the
//! interrupted mode's translation and protection), writes the destination register and
//! resumes after the instruction. A page or access fault on one of those bytes is handed to
//! S mode as if the instruction itself had taken it.

use crate::trap::TrapFrame;
use core::arch::{asm, naked_asm};
use riscv::register::{mepc, mstatus, mtvec, stvec};

/// `mstatus.MPRV`: M-mode loads and stores use `MPP`'s privilege and translation.
const MPRV: usize = 1 << 17;
/// `mstatus.MXR`: loads may read execute-only pages (to read the instruction).
const MXR: usize = 1 << 19;

/// Where the value of a load goes, or the value of a store comes from.
#[derive(Clone, Copy)]
enum Reg {
    X(usize),
    F(usize),
}

/// A decoded load or store.
#[derive(Clone, Copy)]
struct Access {
    store: bool,
    /// Bytes moved: 2, 4 or 8.
    size: usize,
    /// Sign-extend a loaded value.
    signed: bool,
    reg: Reg,
    /// Base register and offset of the address.
    base: usize,
    offset: isize,
    /// Instruction length: 2 (compressed) or 4.
    len: usize,
}

/// A fault taken while moving a byte: `(mcause, mtval)`.
type Fault = (usize, usize);

/// Perform the misaligned load or store that trapped (`store` for cause 6) on behalf of the
/// interrupted S- or U-mode code. Returns false when the instruction is none this module
/// knows (the caller reports it).
pub fn emulate(frame: &mut TrapFrame, store: bool) -> bool {
    let epc = mepc::read();
    let insn = match fetch(epc) {
        Ok(insn) => insn,
        Err(fault) => {
            redirect(fault, epc);
            return true;
        }
    };
    let Some(access) = decode(insn) else {
        return false;
    };
    if access.store != store {
        return false;
    }
    // x0 is not saved in the frame.
    let base = if access.base == 0 {
        0
    } else {
        frame.x[access.base]
    };
    let addr = (base as isize).wrapping_add(access.offset) as usize;
    let result = if access.store {
        let value = match access.reg {
            Reg::X(0) => 0,
            Reg::X(r) => frame.x[r] as u64,
            Reg::F(r) => read_f(r),
        };
        (0..access.size).try_for_each(|i| store_byte(addr + i, (value >> (8 * i)) as u8))
    } else {
        (0..access.size)
            .try_fold(
                0u64,
                |v, i| Ok(v | (load_byte(addr + i)? as u64) << (8 * i)),
            )
            .map(|value| {
                let shift = 64 - 8 * access.size as u32;
                let value = if access.signed {
                    ((value << shift) as i64 >> shift) as u64
                } else {
                    value
                };
                match access.reg {
                    Reg::X(0) => {}
                    Reg::X(r) => frame.x[r] = value as usize,
                    Reg::F(r) if access.size == 4 => write_f(r, value | 0xffff_ffff_0000_0000),
                    Reg::F(r) => write_f(r, value),
                }
            })
    };
    match result {
        // SAFETY: resume after the emulated instruction.
        Ok(()) => unsafe { mepc::write(epc + access.len) },
        Err(fault) => redirect(fault, epc),
    }
    true
}

/// The instruction at `epc` (16 or 32 bits), read as two halfwords in the interrupted mode.
fn fetch(epc: usize) -> Result<u32, Fault> {
    let low = load_half_mxr(epc)? as u32;
    if low & 3 != 3 {
        return Ok(low);
    }
    Ok(low | (load_half_mxr(epc + 2)? as u32) << 16)
}

/// Decode the loads and stores that can be misaligned: RV64I, F and D, and their compressed
/// forms.
fn decode(insn: u32) -> Option<Access> {
    let bits = |lo: u32, n: u32| ((insn >> lo) & ((1 << n) - 1)) as usize;
    if insn & 3 == 3 {
        let funct3 = bits(12, 3);
        let rd = bits(7, 5);
        let base = bits(15, 5);
        let rs2 = bits(20, 5);
        let imm_i = (insn as i32 >> 20) as isize;
        let imm_s = ((insn as i32 >> 25) << 5) as isize | bits(7, 5) as isize;
        let (store, size, signed, reg, offset) = match (insn & 0x7f, funct3) {
            (0x03, 1) => (false, 2, true, Reg::X(rd), imm_i),
            (0x03, 2) => (false, 4, true, Reg::X(rd), imm_i),
            (0x03, 3) => (false, 8, false, Reg::X(rd), imm_i),
            (0x03, 5) => (false, 2, false, Reg::X(rd), imm_i),
            (0x03, 6) => (false, 4, false, Reg::X(rd), imm_i),
            (0x07, 2) => (false, 4, false, Reg::F(rd), imm_i),
            (0x07, 3) => (false, 8, false, Reg::F(rd), imm_i),
            (0x23, 1) => (true, 2, false, Reg::X(rs2), imm_s),
            (0x23, 2) => (true, 4, false, Reg::X(rs2), imm_s),
            (0x23, 3) => (true, 8, false, Reg::X(rs2), imm_s),
            (0x27, 2) => (true, 4, false, Reg::F(rs2), imm_s),
            (0x27, 3) => (true, 8, false, Reg::F(rs2), imm_s),
            _ => return None,
        };
        return Some(Access {
            store,
            size,
            signed,
            reg,
            base,
            offset,
            len: 4,
        });
    }
    // Compressed: rd'/rs2' and rs1' are x8..x15 (f8..f15); the SP forms use x2.
    let funct3 = bits(13, 3);
    let short = |lo: u32| 8 + bits(lo, 3);
    // Offsets of the register-based forms: word (C.LW/C.SW) and doubleword (C.LD/C.SD/C.FLD/C.FSD).
    let word = bits(10, 3) << 3 | bits(6, 1) << 2 | bits(5, 1) << 6;
    let double = bits(10, 3) << 3 | bits(5, 2) << 6;
    // SP-based loads (offset in the instruction's bits 12 and 6:2) and stores (bits 12:7).
    let lwsp = bits(12, 1) << 5 | bits(4, 3) << 2 | bits(2, 2) << 6;
    let ldsp = bits(12, 1) << 5 | bits(5, 2) << 3 | bits(2, 3) << 6;
    let swsp = bits(9, 4) << 2 | bits(7, 2) << 6;
    let sdsp = bits(10, 3) << 3 | bits(7, 3) << 6;
    let rd = bits(7, 5);
    let rs2 = bits(2, 5);
    let (store, size, signed, reg, base, offset) = match (insn & 3, funct3) {
        (0, 1) => (false, 8, false, Reg::F(short(2)), short(7), double),
        (0, 2) => (false, 4, true, Reg::X(short(2)), short(7), word),
        (0, 3) => (false, 8, false, Reg::X(short(2)), short(7), double),
        (0, 5) => (true, 8, false, Reg::F(short(2)), short(7), double),
        (0, 6) => (true, 4, false, Reg::X(short(2)), short(7), word),
        (0, 7) => (true, 8, false, Reg::X(short(2)), short(7), double),
        (2, 1) => (false, 8, false, Reg::F(rd), 2, ldsp),
        (2, 2) if rd != 0 => (false, 4, true, Reg::X(rd), 2, lwsp),
        (2, 3) if rd != 0 => (false, 8, false, Reg::X(rd), 2, ldsp),
        (2, 5) => (true, 8, false, Reg::F(rs2), 2, sdsp),
        (2, 6) => (true, 4, false, Reg::X(rs2), 2, swsp),
        (2, 7) => (true, 8, false, Reg::X(rs2), 2, sdsp),
        _ => return None,
    };
    Some(Access {
        store,
        size,
        signed,
        reg,
        base,
        offset: offset as isize,
        len: 2,
    })
}

/// Hand a fault taken while emulating the instruction at `epc` to S mode, as if that
/// instruction had taken it (the kernel then handles it as any page or access fault).
fn redirect((cause, tval): Fault, epc: usize) {
    let status = mstatus::read();
    let from_s = status.mpp() == mstatus::MPP::Supervisor;
    // SAFETY: the S-mode trap CSRs of this hart, then an mret into the S handler.
    unsafe {
        asm!(
            "csrw scause, {cause}",
            "csrw stval, {tval}",
            "csrw sepc, {epc}",
            cause = in(reg) cause,
            tval = in(reg) tval,
            epc = in(reg) epc,
        );
        // sstatus: SPP = the interrupted mode, SPIE = SIE, SIE = 0.
        let mut s: usize;
        asm!("csrr {}, sstatus", out(reg) s);
        let sie = s & 2 != 0;
        s &= !(1 << 8 | 1 << 5 | 2);
        s |= (from_s as usize) << 8 | (sie as usize) << 5;
        asm!("csrw sstatus, {}", in(reg) s);
        mstatus::set_mpp(mstatus::MPP::Supervisor);
        mepc::write(stvec::read().address());
    }
}

/// One access in the interrupted mode (`mstatus` bits `$bits` set around it) that may fault:
/// `$insn` uses `{addr}` and `{v}`, which holds `$value` before and the loaded value after.
/// Evaluates to that value, or the fault.
macro_rules! guarded_access {
    ($insn:literal, $bits:expr, $addr:expr, $value:expr) => {
        // SAFETY: an access in the interrupted mode, any fault caught by `guarded`.
        unsafe {
            guarded(|| {
                let mut v: usize = $value;
                let failed: usize;
                asm!(
                    ".option push",
                    ".option norvc",
                    "csrw mtvec, {catch}",
                    "csrs mstatus, {bits}",
                    $insn,
                    "csrc mstatus, {bits}",
                    ".option pop",
                    catch = in(reg) catch_fault as *const () as usize,
                    bits = in(reg) $bits,
                    addr = in(reg) $addr,
                    v = inout(reg) v,
                    inout("t6") 0usize => failed,
                );
                (v, failed)
            })
        }
    };
}

/// Load the halfword at `addr` in the interrupted mode, execute-only pages readable.
fn load_half_mxr(addr: usize) -> Result<u16, Fault> {
    guarded_access!("lhu {v}, 0({addr})", MPRV | MXR, addr, 0).map(|v| v as u16)
}

/// Load the byte at `addr` in the interrupted mode.
fn load_byte(addr: usize) -> Result<u8, Fault> {
    guarded_access!("lbu {v}, 0({addr})", MPRV, addr, 0).map(|v| v as u8)
}

/// Store `value` at `addr` in the interrupted mode.
fn store_byte(addr: usize, value: u8) -> Result<(), Fault> {
    guarded_access!("sb {v}, 0({addr})", MPRV, addr, value as usize).map(|_| ())
}

/// Run one access that may fault in M mode: `access` points `mtvec` at [`catch_fault`], sets
/// MPRV (and MXR) in `mstatus`, makes the access and clears them, returning the value and
/// whether it faulted (`t6` nonzero). A fault overwrites `mepc`, `mcause`, `mtval` and
/// `mstatus.MPP`, and clearing MXR may clear the kernel's own `sstatus.MXR`, so `mtvec`,
/// `mepc` and `mstatus` are saved before and restored after; the fault's cause and address
/// are returned.
unsafe fn guarded(access: impl FnOnce() -> (usize, usize)) -> Result<usize, Fault> {
    let saved_tvec = mtvec::read();
    let saved_epc = mepc::read();
    let saved_status: usize;
    // SAFETY: reading this hart's mstatus.
    unsafe { asm!("csrr {}, mstatus", out(reg) saved_status) };
    let (value, failed) = access();
    let fault = (failed != 0).then(|| {
        let (cause, tval): (usize, usize);
        // SAFETY: reading the fault's CSRs.
        unsafe { asm!("csrr {}, mcause", "csrr {}, mtval", out(reg) cause, out(reg) tval) };
        (cause, tval)
    });
    // SAFETY: this hart's own trap state, as it was before the access.
    unsafe {
        asm!("csrw mstatus, {}", in(reg) saved_status);
        mepc::write(saved_epc);
        mtvec::write(saved_tvec);
    }
    match fault {
        Some(f) => Err(f),
        None => Ok(value),
    }
}

/// The M-mode trap vector while a guarded access runs: skip the faulting (uncompressed)
/// instruction and set `t6` to say it faulted. Clobbers nothing else.
#[unsafe(naked)]
unsafe extern "C" fn catch_fault() -> ! {
    naked_asm!(
        ".p2align 2",
        "csrr t6, mepc",
        "addi t6, t6, 4",
        "csrw mepc, t6",
        "li t6, 1",
        "mret",
    )
}

/// Read `f<r>` as 64 bits.
fn read_f(r: usize) -> u64 {
    macro_rules! read {
        ($($n:literal)*) => {
            match r {
                $($n => {
                    let v: u64;
                    // SAFETY: the interrupted code used the FPU, so mstatus.FS is not Off.
                    unsafe {
                        asm!(".option push", ".option arch, +d",
                             concat!("fmv.x.d {}, f", stringify!($n)), ".option pop", out(reg) v)
                    };
                    v
                })*
                _ => 0,
            }
        };
    }
    read!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
}

/// Write 64 bits to `f<r>`.
fn write_f(r: usize, value: u64) {
    macro_rules! write {
        ($($n:literal)*) => {
            match r {
                $($n => {
                    // SAFETY: as in `read_f`.
                    unsafe {
                        asm!(".option push", ".option arch, +d",
                             concat!("fmv.d.x f", stringify!($n), ", {}"), ".option pop", in(reg) value)
                    }
                })*
                _ => {}
            }
        };
    }
    write!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
}
