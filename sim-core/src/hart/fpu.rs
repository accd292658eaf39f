//! The F and D extensions: FP registers with NaN boxing, `fcsr`, mstatus.FS tracking, and
//! every F/D instruction.
//!
//! Arithmetic goes through the `softfp` crate: host floating point cannot produce the five
//! rounding modes or exact exception flags, and softfp was written for a RISC-V simulator
//! (canonical NaNs, tininess after rounding). It reads the rounding mode and reports flags
//! through two hooks, implemented here on thread-local state so parallel simulations stay
//! independent. Sign injection, min/max, classification, moves and the saturating
//! float-to-integer conversions are done here, to the letter of the RISC-V spec.

use std::cell::Cell;

use softfp::{ExceptionFlags, RoundingMode, F32, F64};

use super::csr::mstatus;
use super::trap::Exception;
use super::Hart;
use crate::isa::decode::{Insn, Op, RD_SINK};
use crate::system_bus::SystemBus;

/// Canonical single-precision NaN.
const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// Canonical double-precision NaN.
const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;
/// Upper half of a properly NaN-boxed single.
const BOX: u64 = 0xffff_ffff_0000_0000;

/// `fflags` bits (the same layout as softfp's exception flags).
pub mod flags {
    /// Invalid operation.
    pub const NV: u8 = 16;
    /// Inexact.
    pub const NX: u8 = 1;
}

#[inline]
fn boxed(bits: u32) -> u64 {
    BOX | bits as u64
}

/// A single-precision operand: an improperly boxed register reads as the canonical NaN.
#[inline]
fn unbox(reg: u64) -> u32 {
    if reg & BOX == BOX {
        reg as u32
    } else {
        CANONICAL_NAN_S
    }
}

fn rounding(rm: u8) -> RoundingMode {
    match rm {
        0 => RoundingMode::TiesToEven,
        1 => RoundingMode::TowardZero,
        2 => RoundingMode::TowardNegative,
        3 => RoundingMode::TowardPositive,
        _ => RoundingMode::TiesToAway,
    }
}

thread_local! {
    static ROUNDING: Cell<RoundingMode> = const { Cell::new(RoundingMode::TiesToEven) };
    static RAISED: Cell<u32> = const { Cell::new(0) };
}

/// softfp's hook for the current rounding mode.
#[no_mangle]
fn softfp_get_rounding_mode() -> RoundingMode {
    ROUNDING.with(Cell::get)
}

/// softfp's hook for raised exception flags: they accumulate until [`with_flags`] reads them.
#[no_mangle]
fn softfp_set_exception_flags(flags: ExceptionFlags) {
    RAISED.with(|r| r.set(r.get() | flags.bits()));
}

/// Run `f` under rounding mode `rm` and return its result with the flags it raised (whose
/// bits are laid out as `fflags`).
#[inline]
fn with_flags<T>(rm: RoundingMode, f: impl FnOnce() -> T) -> (T, u8) {
    ROUNDING.with(|r| r.set(rm));
    RAISED.with(|r| r.set(0));
    let value = f();
    (value, RAISED.with(Cell::get) as u8)
}

/// `a * b + c` when the product is an exact zero (a zero times a finite value) and `c` is not
/// a NaN: the result is `c`, or a zero whose sign follows the IEEE rules for adding zeros.
/// softfp gets the sign of such zero sums wrong, so they are settled here; `None` otherwise.
fn fma_zero_product(a: u64, b: u64, c: u64, width: u32, rm: RoundingMode) -> Option<u64> {
    let sign_bit = 1u64 << (width - 1);
    let exp_mask = if width == 32 {
        0x7f80_0000
    } else {
        0x7ff0_0000_0000_0000
    };
    let is_zero = |x: u64| x & !sign_bit == 0;
    let is_special = |x: u64| x & exp_mask == exp_mask;
    let zero_product = (is_zero(a) && !is_special(b)) || (is_zero(b) && !is_special(a));
    if !zero_product || (is_special(c) && c & !sign_bit != exp_mask) {
        return None;
    }
    if !is_zero(c) {
        return Some(c);
    }
    let product_negative = (a ^ b) & sign_bit != 0;
    let negative = if product_negative == (c & sign_bit != 0) {
        product_negative
    } else {
        rm == RoundingMode::TowardNegative
    };
    Some(if negative { sign_bit } else { 0 })
}

/// Convert the float with the given fields to an integer in `[min, max]` under `rm`, with the
/// RISC-V results for NaN (max) and out-of-range values (the nearest bound) and NV; inexact
/// in-range results raise NX.
fn to_int(
    sign: bool,
    exp: i32,
    sig: u64,
    nan: bool,
    rm: RoundingMode,
    min: i128,
    max: i128,
) -> (i128, u8) {
    if nan {
        return (max, flags::NV);
    }
    if exp == i32::MAX {
        return (if sign { min } else { max }, flags::NV);
    }
    // The value is sig * 2^exp exactly; split it into integer part and a remainder.
    let (int, rem_nonzero, half, above_half) = if exp >= 0 {
        if exp > 70 {
            return (if sign { min } else { max }, flags::NV);
        }
        ((sig as u128) << exp, false, false, false)
    } else if exp < -70 {
        (0, sig != 0, false, false)
    } else {
        let shift = (-exp) as u32;
        let v = sig as u128;
        let int = v >> shift;
        let rem = v & ((1u128 << shift) - 1);
        let halfway = 1u128 << (shift - 1);
        (int, rem != 0, rem == halfway, rem > halfway)
    };
    let round_up = rem_nonzero
        && match rm {
            RoundingMode::TiesToEven => above_half || (half && int & 1 == 1),
            RoundingMode::TiesToAway => above_half || half,
            RoundingMode::TowardZero => false,
            RoundingMode::TowardNegative => sign,
            RoundingMode::TowardPositive => !sign,
        };
    let magnitude = int + round_up as u128;
    let value = if sign {
        -(magnitude as i128)
    } else {
        magnitude as i128
    };
    if value < min || value > max {
        return (if sign { min } else { max }, flags::NV);
    }
    (value, if rem_nonzero { flags::NX } else { 0 })
}

/// Fields of a single for [`to_int`]: sign, exponent of the integer significand, significand,
/// NaN. Infinity has exponent `i32::MAX`.
fn fields_s(x: u32) -> (bool, i32, u64, bool) {
    let exp = ((x >> 23) & 0xff) as i32;
    let frac = (x & 0x7f_ffff) as u64;
    match exp {
        0xff => (x >> 31 != 0, i32::MAX, 0, frac != 0),
        0 => (x >> 31 != 0, -149, frac, false),
        e => (x >> 31 != 0, e - 150, frac | 1 << 23, false),
    }
}

/// Fields of a double for [`to_int`].
fn fields_d(x: u64) -> (bool, i32, u64, bool) {
    let exp = ((x >> 52) & 0x7ff) as i32;
    let frac = x & 0xf_ffff_ffff_ffff;
    match exp {
        0x7ff => (x >> 63 != 0, i32::MAX, 0, frac != 0),
        0 => (x >> 63 != 0, -1074, frac, false),
        e => (x >> 63 != 0, e - 1075, frac | 1 << 52, false),
    }
}

fn is_snan_s(x: u32) -> bool {
    x & 0x7fc0_0000 == 0x7f80_0000 && x & 0x003f_ffff != 0
}

fn is_snan_d(x: u64) -> bool {
    x & 0x7ff8_0000_0000_0000 == 0x7ff0_0000_0000_0000 && x & 0x0007_ffff_ffff_ffff != 0
}

fn is_nan_s(x: u32) -> bool {
    x & 0x7fff_ffff > 0x7f80_0000
}

fn is_nan_d(x: u64) -> bool {
    x & 0x7fff_ffff_ffff_ffff > 0x7ff0_0000_0000_0000
}

/// The ten-bit FCLASS mask of a value with the given sign, exponent and fraction fields.
fn classify(sign: bool, exp_all_ones: bool, exp_zero: bool, frac_zero: bool, quiet: bool) -> u64 {
    let bit = match (exp_all_ones, exp_zero, frac_zero) {
        (true, _, true) => {
            if sign {
                0
            } else {
                7
            }
        }
        (true, _, false) => {
            if quiet {
                9
            } else {
                8
            }
        }
        (false, true, true) => {
            if sign {
                3
            } else {
                4
            }
        }
        (false, true, false) => {
            if sign {
                2
            } else {
                5
            }
        }
        (false, false, _) => {
            if sign {
                1
            } else {
                6
            }
        }
    };
    1 << bit
}

fn fclass_s(x: u32) -> u64 {
    let exp = (x >> 23) & 0xff;
    classify(
        x >> 31 != 0,
        exp == 0xff,
        exp == 0,
        x & 0x7f_ffff == 0,
        x & 0x40_0000 != 0,
    )
}

fn fclass_d(x: u64) -> u64 {
    let exp = (x >> 52) & 0x7ff;
    classify(
        x >> 63 != 0,
        exp == 0x7ff,
        exp == 0,
        x & 0xf_ffff_ffff_ffff == 0,
        x & 0x8_0000_0000_0000 != 0,
    )
}

/// Raw bits of a single or double, for the operations done on bits here.
trait FpBits: Copy {
    const CANONICAL_NAN: Self;
    fn is_nan(self) -> bool;
    fn is_snan(self) -> bool;
    fn negative(self) -> bool;
    /// Quiet ordered less-than of two non-NaN values.
    fn less(self, other: Self) -> bool;
}

impl FpBits for u32 {
    const CANONICAL_NAN: Self = CANONICAL_NAN_S;
    fn is_nan(self) -> bool {
        is_nan_s(self)
    }
    fn is_snan(self) -> bool {
        is_snan_s(self)
    }
    fn negative(self) -> bool {
        self >> 31 != 0
    }
    fn less(self, other: Self) -> bool {
        softfp::Fp::compare_quiet(F32::new(self), F32::new(other)) == Some(std::cmp::Ordering::Less)
    }
}

impl FpBits for u64 {
    const CANONICAL_NAN: Self = CANONICAL_NAN_D;
    fn is_nan(self) -> bool {
        is_nan_d(self)
    }
    fn is_snan(self) -> bool {
        is_snan_d(self)
    }
    fn negative(self) -> bool {
        self >> 63 != 0
    }
    fn less(self, other: Self) -> bool {
        softfp::Fp::compare_quiet(F64::new(self), F64::new(other)) == Some(std::cmp::Ordering::Less)
    }
}

/// IEEE 754-2019 minimumNumber/maximumNumber, as RISC-V's FMIN/FMAX: a NaN operand yields the
/// other operand, two NaNs the canonical NaN, -0 orders below +0, and a signalling NaN raises
/// NV.
fn min_max<T: FpBits>(a: T, b: T, max: bool) -> (T, u8) {
    let nv = if a.is_snan() || b.is_snan() {
        flags::NV
    } else {
        0
    };
    let r = match (a.is_nan(), b.is_nan()) {
        (true, true) => T::CANONICAL_NAN,
        (true, false) => b,
        (false, true) => a,
        _ => {
            let a_first = if a.less(b) {
                true
            } else if b.less(a) {
                false
            } else {
                // Equal values: only ±0 differ, and -0 is the smaller.
                a.negative()
            };
            if a_first != max {
                a
            } else {
                b
            }
        }
    };
    (r, nv)
}

impl Hart {
    /// Whether the FP unit is enabled (mstatus.FS != Off).
    #[inline]
    pub(crate) fn fp_enabled(&self) -> bool {
        self.csr.mstatus & mstatus::FS != 0
    }

    /// Mark the FP state dirty.
    #[inline]
    pub(crate) fn fp_dirty(&mut self) {
        self.csr.mstatus |= mstatus::FS;
    }

    /// Accrue exception flags.
    #[inline]
    fn accrue(&mut self, raised: u8) {
        if raised != 0 {
            self.csr.fflags |= raised;
            self.fp_dirty();
        }
    }

    #[inline]
    fn set_fd(&mut self, i: &Insn, value: u64) {
        // Decoding sends rd = 0 to the integer sink; for FP destinations it means f0.
        let rd = if i.rd == RD_SINK {
            0
        } else {
            i.rd as usize & 31
        };
        self.f[rd] = value;
        self.fp_dirty();
    }

    /// The effective rounding mode of `i`, or illegal instruction for a reserved dynamic one.
    fn rm(&self, i: &Insn, raw: u32) -> Result<RoundingMode, Exception> {
        let rm = (i.imm & 7) as u8;
        let rm = if rm == 7 { self.csr.frm } else { rm };
        if rm > 4 {
            return Err(Exception::illegal(raw));
        }
        Ok(rounding(rm))
    }

    /// Execute an F or D instruction at the current pc; `next` is the fall-through pc. Kept
    /// out of line so the integer hot loop stays small.
    #[inline(never)]
    pub(super) fn exec_fp<const TIMED: bool>(
        &mut self,
        bus: &mut SystemBus,
        i: &Insn,
        raw: u32,
        next: u64,
    ) -> Result<(), Exception> {
        if !self.fp_enabled() {
            return Err(Exception::illegal(raw));
        }
        let f1 = self.f[i.rs1 as usize & 31];
        let f2 = self.f[i.rs2 as usize & 31];
        let f3 = self.f[(i.imm as usize >> 8) & 31];
        let x1 = self.x[i.rs1 as usize & 63];
        let (s1, s2, s3) = (unbox(f1), unbox(f2), unbox(f3));
        let (fs1, fs2, fs3) = (F32::new(s1), F32::new(s2), F32::new(s3));
        let (fd1, fd2, fd3) = (F64::new(f1), F64::new(f2), F64::new(f3));
        macro_rules! single {
            ($e:expr) => {{
                let rm = self.rm(i, raw)?;
                let (v, raised): (F32, u8) = with_flags(rm, || $e);
                self.set_fd(i, boxed(v.0));
                self.accrue(raised);
            }};
        }
        macro_rules! double {
            ($e:expr) => {{
                let rm = self.rm(i, raw)?;
                let (v, raised): (F64, u8) = with_flags(rm, || $e);
                self.set_fd(i, v.0);
                self.accrue(raised);
            }};
        }
        macro_rules! to_int {
            ($fields:expr, $min:expr, $max:expr) => {{
                let rm = self.rm(i, raw)?;
                let (sign, exp, sig, nan) = $fields;
                let (v, raised) = to_int(sign, exp, sig, nan, rm, $min as i128, $max as i128);
                // 32-bit results are sign-extended, even unsigned ones.
                let v = if ($max as i128) <= u32::MAX as i128 {
                    v as i32 as i64 as u64
                } else {
                    v as u64
                };
                self.x[i.rd as usize & 63] = v;
                self.accrue(raised);
            }};
        }
        macro_rules! compare {
            ($a:expr, $b:expr, $signaling:expr, $test:expr, $snan:expr) => {{
                let (ord, mut raised) = with_flags(RoundingMode::TiesToEven, || {
                    if $signaling {
                        softfp::Fp::compare_signaling($a, $b)
                    } else {
                        softfp::Fp::compare_quiet($a, $b)
                    }
                });
                if $snan {
                    raised |= flags::NV;
                }
                let test: fn(std::cmp::Ordering) -> bool = $test;
                self.x[i.rd as usize & 63] = ord.is_some_and(test) as u64;
                self.accrue(raised);
            }};
        }
        use std::cmp::Ordering::{Equal, Less};
        match i.op {
            Op::Flw | Op::Fld => {
                let addr = x1.wrapping_add(i.imm as i64 as u64);
                let v = if i.op == Op::Flw {
                    boxed(self.load::<4, TIMED>(bus, addr)? as u32)
                } else {
                    self.load::<8, TIMED>(bus, addr)?
                };
                self.set_fd(i, v);
            }
            Op::Fsw | Op::Fsd => {
                let addr = x1.wrapping_add(i.imm as i64 as u64);
                if i.op == Op::Fsw {
                    self.store::<4, TIMED>(bus, addr, f2)?;
                } else {
                    self.store::<8, TIMED>(bus, addr, f2)?;
                }
            }
            Op::FaddS => single!(fs1 + fs2),
            Op::FsubS => single!(fs1 - fs2),
            Op::FmulS => single!(fs1 * fs2),
            Op::FdivS => single!(fs1 / fs2),
            // softfp flags a signalling NaN's square root as divide-by-zero: settle NaNs here.
            Op::FsqrtS if is_nan_s(s1) => {
                self.set_fd(i, boxed(CANONICAL_NAN_S));
                self.accrue(if is_snan_s(s1) { flags::NV } else { 0 });
            }
            Op::FsqrtS => single!(fs1.square_root()),
            Op::FmaddS | Op::FmsubS | Op::FnmsubS | Op::FnmaddS => {
                let a = if matches!(i.op, Op::FnmsubS | Op::FnmaddS) {
                    fs1.negate()
                } else {
                    fs1
                };
                let c = if matches!(i.op, Op::FmsubS | Op::FnmaddS) {
                    fs3.negate()
                } else {
                    fs3
                };
                let rm = self.rm(i, raw)?;
                match fma_zero_product(a.0 as u64, s2 as u64, c.0 as u64, 32, rm) {
                    Some(v) => self.set_fd(i, boxed(v as u32)),
                    None => single!(F32::fused_multiply_add(a, fs2, c)),
                }
            }
            Op::FaddD => double!(fd1 + fd2),
            Op::FsubD => double!(fd1 - fd2),
            Op::FmulD => double!(fd1 * fd2),
            Op::FdivD => double!(fd1 / fd2),
            Op::FsqrtD if is_nan_d(f1) => {
                self.set_fd(i, CANONICAL_NAN_D);
                self.accrue(if is_snan_d(f1) { flags::NV } else { 0 });
            }
            Op::FsqrtD => double!(fd1.square_root()),
            Op::FmaddD | Op::FmsubD | Op::FnmsubD | Op::FnmaddD => {
                let a = if matches!(i.op, Op::FnmsubD | Op::FnmaddD) {
                    fd1.negate()
                } else {
                    fd1
                };
                let c = if matches!(i.op, Op::FmsubD | Op::FnmaddD) {
                    fd3.negate()
                } else {
                    fd3
                };
                let rm = self.rm(i, raw)?;
                match fma_zero_product(a.0, f2, c.0, 64, rm) {
                    Some(v) => self.set_fd(i, v),
                    None => double!(F64::fused_multiply_add(a, fd2, c)),
                }
            }
            Op::FsgnjS | Op::FsgnjnS | Op::FsgnjxS => {
                let sign = match i.op {
                    Op::FsgnjS => s2,
                    Op::FsgnjnS => !s2,
                    _ => s1 ^ s2,
                } & 0x8000_0000;
                self.set_fd(i, boxed((s1 & 0x7fff_ffff) | sign));
            }
            Op::FsgnjD | Op::FsgnjnD | Op::FsgnjxD => {
                let sign = match i.op {
                    Op::FsgnjD => f2,
                    Op::FsgnjnD => !f2,
                    _ => f1 ^ f2,
                } & (1 << 63);
                self.set_fd(i, (f1 & !(1 << 63)) | sign);
            }
            Op::FminS | Op::FmaxS => {
                let (v, nv) = min_max(s1, s2, i.op == Op::FmaxS);
                self.set_fd(i, boxed(v));
                self.accrue(nv);
            }
            Op::FminD | Op::FmaxD => {
                let (v, nv) = min_max(f1, f2, i.op == Op::FmaxD);
                self.set_fd(i, v);
                self.accrue(nv);
            }
            Op::FcvtSD => single!(fd1.convert_format::<softfp::F32Desc>()),
            Op::FcvtDS => double!(fs1.convert_format::<softfp::F64Desc>()),
            Op::FcvtWS => to_int!(fields_s(s1), i32::MIN, i32::MAX),
            Op::FcvtWuS => to_int!(fields_s(s1), 0, u32::MAX),
            Op::FcvtLS => to_int!(fields_s(s1), i64::MIN, i64::MAX),
            Op::FcvtLuS => to_int!(fields_s(s1), 0, u64::MAX),
            Op::FcvtWD => to_int!(fields_d(f1), i32::MIN, i32::MAX),
            Op::FcvtWuD => to_int!(fields_d(f1), 0, u32::MAX),
            Op::FcvtLD => to_int!(fields_d(f1), i64::MIN, i64::MAX),
            Op::FcvtLuD => to_int!(fields_d(f1), 0, u64::MAX),
            Op::FcvtSW => single!(F32::convert_from_sint::<u32>(x1 as u32)),
            Op::FcvtSWu => single!(F32::convert_from_uint::<u32>(x1 as u32)),
            Op::FcvtSL => single!(F32::convert_from_sint::<u64>(x1)),
            Op::FcvtSLu => single!(F32::convert_from_uint::<u64>(x1)),
            Op::FcvtDW => double!(F64::convert_from_sint::<u32>(x1 as u32)),
            Op::FcvtDWu => double!(F64::convert_from_uint::<u32>(x1 as u32)),
            Op::FcvtDL => double!(F64::convert_from_sint::<u64>(x1)),
            Op::FcvtDLu => double!(F64::convert_from_uint::<u64>(x1)),
            Op::FmvXW => self.x[i.rd as usize & 63] = f1 as u32 as i32 as i64 as u64,
            Op::FmvXD => self.x[i.rd as usize & 63] = f1,
            Op::FmvWX => self.set_fd(i, boxed(x1 as u32)),
            Op::FmvDX => self.set_fd(i, x1),
            Op::FclassS => self.x[i.rd as usize & 63] = fclass_s(s1),
            Op::FclassD => self.x[i.rd as usize & 63] = fclass_d(f1),
            // FEQ is quiet but still signals on a signalling NaN; FLT/FLE signal on any NaN.
            Op::FeqS => compare!(
                fs1,
                fs2,
                false,
                |o| o == Equal,
                is_snan_s(s1) || is_snan_s(s2)
            ),
            Op::FltS => compare!(fs1, fs2, true, |o| o == Less, false),
            Op::FleS => compare!(fs1, fs2, true, |o| o != std::cmp::Ordering::Greater, false),
            Op::FeqD => compare!(
                fd1,
                fd2,
                false,
                |o| o == Equal,
                is_snan_d(f1) || is_snan_d(f2)
            ),
            Op::FltD => compare!(fd1, fd2, true, |o| o == Less, false),
            Op::FleD => compare!(fd1, fd2, true, |o| o != std::cmp::Ordering::Greater, false),
            _ => return Err(Exception::illegal(raw)),
        }
        self.pc = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_class() {
        let cases: [(u32, u64); 10] = [
            (0xff80_0000, 1 << 0),
            (0xbf80_0000, 1 << 1),
            (0x8000_0001, 1 << 2),
            (0x8000_0000, 1 << 3),
            (0x0000_0000, 1 << 4),
            (0x0000_0001, 1 << 5),
            (0x3f80_0000, 1 << 6),
            (0x7f80_0000, 1 << 7),
            (0x7f80_0001, 1 << 8),
            (0x7fc0_0000, 1 << 9),
        ];
        for (bits, class) in cases {
            assert_eq!(fclass_s(bits), class, "{bits:#x}");
        }
        assert_eq!(fclass_d(0x7ff8_0000_0000_0000), 1 << 9);
        assert_eq!(fclass_d(0x8000_0000_0000_0000), 1 << 3);
    }

    #[test]
    fn unboxed_singles_read_as_canonical_nan() {
        assert_eq!(unbox(boxed(0x3f80_0000)), 0x3f80_0000);
        assert_eq!(unbox(0x0000_0000_3f80_0000), CANONICAL_NAN_S);
    }

    #[test]
    fn soft_float_flags_match_fflags_layout() {
        let (q, raised) = with_flags(RoundingMode::TiesToEven, || {
            F64::new(1.0f64.to_bits()) / F64::new(0)
        });
        assert_eq!(q.0, f64::INFINITY.to_bits());
        assert_eq!(raised, 8, "DZ");
        let (r, raised) = with_flags(RoundingMode::TiesToEven, || {
            F32::new((-1.0f32).to_bits()).square_root()
        });
        assert_eq!((r.0, raised), (CANONICAL_NAN_S, flags::NV));
        // 2/3 rounds down to nearest: toward zero agrees, toward +inf gives the next value up.
        let (down, raised) = with_flags(RoundingMode::TowardZero, || {
            F64::new(2.0f64.to_bits()) / F64::new(3.0f64.to_bits())
        });
        assert_eq!(raised, flags::NX);
        assert_eq!(down.0, (2.0f64 / 3.0).to_bits());
        let (up, _) = with_flags(RoundingMode::TowardPositive, || {
            F64::new(2.0f64.to_bits()) / F64::new(3.0f64.to_bits())
        });
        assert_eq!(up.0, (2.0f64 / 3.0).to_bits() + 1);
    }

    #[test]
    fn fma_with_zero_product_keeps_ieee_zero_signs() {
        let rne = RoundingMode::TiesToEven;
        let nz = 0x8000_0000_0000_0000u64;
        let one = 1.0f64.to_bits();
        assert_eq!(fma_zero_product(nz, one, nz, 64, rne), Some(nz));
        assert_eq!(fma_zero_product(nz, one, 0, 64, rne), Some(0));
        assert_eq!(
            fma_zero_product(nz, one, 0, 64, RoundingMode::TowardNegative),
            Some(nz)
        );
        assert_eq!(fma_zero_product(0, one, one, 64, rne), Some(one));
        assert_eq!(
            fma_zero_product(0, f64::INFINITY.to_bits(), one, 64, rne),
            None
        );
        assert_eq!(fma_zero_product(0, one, f64::NAN.to_bits(), 64, rne), None);
        assert_eq!(
            fma_zero_product(0x8000_0000, 0x3f80_0000, 0x8000_0000, 32, rne),
            Some(0x8000_0000)
        );
    }

    #[test]
    fn float_to_int_saturates_as_risc_v_specifies() {
        let rne = RoundingMode::TiesToEven;
        let w = |x: f32, rm| to_int_s(x, rm, i32::MIN as i128, i32::MAX as i128);
        assert_eq!(w(2.5, rne), (2, flags::NX));
        assert_eq!(w(3.5, rne), (4, flags::NX));
        assert_eq!(w(-2.5, RoundingMode::TiesToAway), (-3, flags::NX));
        assert_eq!(w(-2.5, RoundingMode::TowardNegative), (-3, flags::NX));
        assert_eq!(w(3e9, rne), (i32::MAX as i128, flags::NV));
        assert_eq!(w(-3e9, rne), (i32::MIN as i128, flags::NV));
        assert_eq!(w(f32::NAN, rne), (i32::MAX as i128, flags::NV));
        assert_eq!(w(f32::NEG_INFINITY, rne), (i32::MIN as i128, flags::NV));
        let wu = |x: f32, rm| to_int_s(x, rm, 0, u32::MAX as i128);
        assert_eq!(wu(-0.5, RoundingMode::TowardZero), (0, flags::NX));
        assert_eq!(wu(-0.5, RoundingMode::TowardNegative), (0, flags::NV));
        assert_eq!(wu(-1.0, rne), (0, flags::NV));
        assert_eq!(
            wu(4294967295.0, rne),
            (u32::MAX as i128, flags::NV),
            "2^32 after f32 rounding"
        );
    }

    fn to_int_s(x: f32, rm: RoundingMode, min: i128, max: i128) -> (i128, u8) {
        let (sign, exp, sig, nan) = fields_s(x.to_bits());
        to_int(sign, exp, sig, nan, rm, min, max)
    }

    #[test]
    fn min_max_follow_minimum_number() {
        let mm = |a: u32, b: u32, max| min_max(a, b, max);
        assert_eq!(mm(0x8000_0000, 0, false), (0x8000_0000, 0));
        assert_eq!(mm(0x8000_0000, 0, true), (0, 0));
        assert_eq!(mm(0x7fc0_0001, 0x3f80_0000, false), (0x3f80_0000, 0));
        assert_eq!(mm(0x7f80_0001, 0x3f80_0000, true), (0x3f80_0000, flags::NV));
        assert_eq!(
            mm(0x7f80_0001, 0x7fc0_0000, true),
            (CANONICAL_NAN_S, flags::NV)
        );
    }
}
