/* fpsweep: every F and D instruction over special and pseudo-random operands, under every
   rounding mode, printed bit-exactly so QEMU and hartlab can be compared line by line.

   Built with -march=rv64gc -mabi=lp64d and -DPART=n:
     PART=1  single precision: arithmetic, square root, fused multiply-add, min/max,
             compares, sign injection, classification (+ fmv.s/fneg.s/fabs.s)
     PART=2  the same in double precision
     PART=3  conversions (int <-> s/d, s <-> d), fmv.x.w/w.x/x.d/d.x, NaN boxing of single
             operands, FP loads and stores, fcsr/frm/fflags behaviour, illegal rounding modes
             and FP instructions with mstatus.FS = Off

   Each instruction runs from inline asm with an explicit rm field: the static modes rne, rtz,
   rdn, rup, rmm (with frm set to a different mode, so a static rm that is ignored shows), then
   dyn with frm rotating through the five modes from case to case. fflags is cleared before
   and read after each instruction. Results are read back with fmv.x.d, so a single-precision
   result that is not NaN-boxed prints as 16 hex digits instead of 8.

   One line per case: `op operands: rne=result/fflags rtz=... dyn(frm)=...` (ops without a
   rounding mode print `=result/fflags`). Operands and results: single 8 hex digits when
   properly boxed (else the full 64-bit register), double and integer registers 16 hex digits,
   compare/classify results minimal hex. fflags: NV=10 DZ=08 OF=04 UF=02 NX=01.

   The big cross products (every special against every special, fused multiply-add over
   special triples, many random operands) would print tens of thousands of lines, so they are
   digested: `digest #G <what>: cases=N hash=H` hashes every result and flag of group G. When a
   digest differs, build with -DFPSWEEP_EXPAND=G to print that group's cases as lines (the
   differential test does so by itself). */
#include "rt.h"

#ifndef PART
#define PART 1
#endif
#ifndef FPSWEEP_EXPAND
#define FPSWEEP_EXPAND 0
#endif

typedef uint64_t u64;
typedef uint32_t u32;

#define BOX 0xffffffff00000000UL
#define BX(v) (BOX | (u64)(u32)(v))

/* Operand and result kinds. */
enum { K_NONE, K_S, K_D, K_I, K_X };

/* ---- the instructions ----------------------------------------------------------------------

   X(id, name, asm text, asm shape, R = has rm / N = none, result kind, operand kinds a b c)
   Shapes: FFF fd = op(fa, fb); FF fd = op(fa); FFFF fd = op(fa, fb, fc); XFF rd = op(fa, fb);
   XF rd = op(fa); FX fd = op(ra); RAW a complete instruction writing ft3 from ft0 / a. */
#define OPS(X)                                                                                  \
    X(FADD_S, "fadd.s", "fadd.s", FFF, R, K_S, K_S, K_S, K_NONE)                                \
    X(FSUB_S, "fsub.s", "fsub.s", FFF, R, K_S, K_S, K_S, K_NONE)                                \
    X(FMUL_S, "fmul.s", "fmul.s", FFF, R, K_S, K_S, K_S, K_NONE)                                \
    X(FDIV_S, "fdiv.s", "fdiv.s", FFF, R, K_S, K_S, K_S, K_NONE)                                \
    X(FSQRT_S, "fsqrt.s", "fsqrt.s", FF, R, K_S, K_S, K_NONE, K_NONE)                           \
    X(FMADD_S, "fmadd.s", "fmadd.s", FFFF, R, K_S, K_S, K_S, K_S)                               \
    X(FMSUB_S, "fmsub.s", "fmsub.s", FFFF, R, K_S, K_S, K_S, K_S)                               \
    X(FNMSUB_S, "fnmsub.s", "fnmsub.s", FFFF, R, K_S, K_S, K_S, K_S)                            \
    X(FNMADD_S, "fnmadd.s", "fnmadd.s", FFFF, R, K_S, K_S, K_S, K_S)                            \
    X(FMIN_S, "fmin.s", "fmin.s", FFF, N, K_S, K_S, K_S, K_NONE)                                \
    X(FMAX_S, "fmax.s", "fmax.s", FFF, N, K_S, K_S, K_S, K_NONE)                                \
    X(FSGNJ_S, "fsgnj.s", "fsgnj.s", FFF, N, K_S, K_S, K_S, K_NONE)                             \
    X(FSGNJN_S, "fsgnjn.s", "fsgnjn.s", FFF, N, K_S, K_S, K_S, K_NONE)                          \
    X(FSGNJX_S, "fsgnjx.s", "fsgnjx.s", FFF, N, K_S, K_S, K_S, K_NONE)                          \
    X(FMV_S, "fmv.s", "fmv.s ft3, ft0", RAW, N, K_S, K_S, K_NONE, K_NONE)                       \
    X(FNEG_S, "fneg.s", "fneg.s ft3, ft0", RAW, N, K_S, K_S, K_NONE, K_NONE)                    \
    X(FABS_S, "fabs.s", "fabs.s ft3, ft0", RAW, N, K_S, K_S, K_NONE, K_NONE)                    \
    X(FEQ_S, "feq.s", "feq.s", XFF, N, K_X, K_S, K_S, K_NONE)                                   \
    X(FLT_S, "flt.s", "flt.s", XFF, N, K_X, K_S, K_S, K_NONE)                                   \
    X(FLE_S, "fle.s", "fle.s", XFF, N, K_X, K_S, K_S, K_NONE)                                   \
    X(FCLASS_S, "fclass.s", "fclass.s", XF, N, K_X, K_S, K_NONE, K_NONE)                        \
    X(FADD_D, "fadd.d", "fadd.d", FFF, R, K_D, K_D, K_D, K_NONE)                                \
    X(FSUB_D, "fsub.d", "fsub.d", FFF, R, K_D, K_D, K_D, K_NONE)                                \
    X(FMUL_D, "fmul.d", "fmul.d", FFF, R, K_D, K_D, K_D, K_NONE)                                \
    X(FDIV_D, "fdiv.d", "fdiv.d", FFF, R, K_D, K_D, K_D, K_NONE)                                \
    X(FSQRT_D, "fsqrt.d", "fsqrt.d", FF, R, K_D, K_D, K_NONE, K_NONE)                           \
    X(FMADD_D, "fmadd.d", "fmadd.d", FFFF, R, K_D, K_D, K_D, K_D)                               \
    X(FMSUB_D, "fmsub.d", "fmsub.d", FFFF, R, K_D, K_D, K_D, K_D)                               \
    X(FNMSUB_D, "fnmsub.d", "fnmsub.d", FFFF, R, K_D, K_D, K_D, K_D)                            \
    X(FNMADD_D, "fnmadd.d", "fnmadd.d", FFFF, R, K_D, K_D, K_D, K_D)                            \
    X(FMIN_D, "fmin.d", "fmin.d", FFF, N, K_D, K_D, K_D, K_NONE)                                \
    X(FMAX_D, "fmax.d", "fmax.d", FFF, N, K_D, K_D, K_D, K_NONE)                                \
    X(FSGNJ_D, "fsgnj.d", "fsgnj.d", FFF, N, K_D, K_D, K_D, K_NONE)                             \
    X(FSGNJN_D, "fsgnjn.d", "fsgnjn.d", FFF, N, K_D, K_D, K_D, K_NONE)                          \
    X(FSGNJX_D, "fsgnjx.d", "fsgnjx.d", FFF, N, K_D, K_D, K_D, K_NONE)                          \
    X(FMV_D, "fmv.d", "fmv.d ft3, ft0", RAW, N, K_D, K_D, K_NONE, K_NONE)                       \
    X(FNEG_D, "fneg.d", "fneg.d ft3, ft0", RAW, N, K_D, K_D, K_NONE, K_NONE)                    \
    X(FABS_D, "fabs.d", "fabs.d ft3, ft0", RAW, N, K_D, K_D, K_NONE, K_NONE)                    \
    X(FEQ_D, "feq.d", "feq.d", XFF, N, K_X, K_D, K_D, K_NONE)                                   \
    X(FLT_D, "flt.d", "flt.d", XFF, N, K_X, K_D, K_D, K_NONE)                                   \
    X(FLE_D, "fle.d", "fle.d", XFF, N, K_X, K_D, K_D, K_NONE)                                   \
    X(FCLASS_D, "fclass.d", "fclass.d", XF, N, K_X, K_D, K_NONE, K_NONE)                        \
    X(FCVT_W_S, "fcvt.w.s", "fcvt.w.s", XF, R, K_I, K_S, K_NONE, K_NONE)                        \
    X(FCVT_WU_S, "fcvt.wu.s", "fcvt.wu.s", XF, R, K_I, K_S, K_NONE, K_NONE)                     \
    X(FCVT_L_S, "fcvt.l.s", "fcvt.l.s", XF, R, K_I, K_S, K_NONE, K_NONE)                        \
    X(FCVT_LU_S, "fcvt.lu.s", "fcvt.lu.s", XF, R, K_I, K_S, K_NONE, K_NONE)                     \
    X(FCVT_W_D, "fcvt.w.d", "fcvt.w.d", XF, R, K_I, K_D, K_NONE, K_NONE)                        \
    X(FCVT_WU_D, "fcvt.wu.d", "fcvt.wu.d", XF, R, K_I, K_D, K_NONE, K_NONE)                     \
    X(FCVT_L_D, "fcvt.l.d", "fcvt.l.d", XF, R, K_I, K_D, K_NONE, K_NONE)                        \
    X(FCVT_LU_D, "fcvt.lu.d", "fcvt.lu.d", XF, R, K_I, K_D, K_NONE, K_NONE)                     \
    X(FCVT_S_W, "fcvt.s.w", "fcvt.s.w", FX, R, K_S, K_I, K_NONE, K_NONE)                        \
    X(FCVT_S_WU, "fcvt.s.wu", "fcvt.s.wu", FX, R, K_S, K_I, K_NONE, K_NONE)                     \
    X(FCVT_S_L, "fcvt.s.l", "fcvt.s.l", FX, R, K_S, K_I, K_NONE, K_NONE)                        \
    X(FCVT_S_LU, "fcvt.s.lu", "fcvt.s.lu", FX, R, K_S, K_I, K_NONE, K_NONE)                     \
    X(FCVT_D_W, "fcvt.d.w", "fcvt.d.w", FX, N, K_D, K_I, K_NONE, K_NONE)                        \
    X(FCVT_D_WU, "fcvt.d.wu", "fcvt.d.wu", FX, N, K_D, K_I, K_NONE, K_NONE)                     \
    X(FCVT_D_L, "fcvt.d.l", "fcvt.d.l", FX, R, K_D, K_I, K_NONE, K_NONE)                        \
    X(FCVT_D_LU, "fcvt.d.lu", "fcvt.d.lu", FX, R, K_D, K_I, K_NONE, K_NONE)                     \
    X(FCVT_S_D, "fcvt.s.d", "fcvt.s.d", FF, R, K_S, K_D, K_NONE, K_NONE)                        \
    X(FCVT_D_S, "fcvt.d.s", "fcvt.d.s", FF, N, K_D, K_S, K_NONE, K_NONE)                        \
    /* The exact conversions with rm fields other than the assembler's rne (funct7, rs2). */    \
    X(FCVT_D_S_RTZ, "fcvt.d.s,rtz", ".insn r 0x53, 1, 0x21, ft3, ft0, f0", RAW, N, K_D, K_S,    \
      K_NONE, K_NONE)                                                                           \
    X(FCVT_D_S_DYN, "fcvt.d.s,dyn", ".insn r 0x53, 7, 0x21, ft3, ft0, f0", RAW, N, K_D, K_S,    \
      K_NONE, K_NONE)                                                                           \
    X(FCVT_D_W_RUP, "fcvt.d.w,rup", ".insn r 0x53, 3, 0x69, ft3, %[a], x0", RAW, N, K_D, K_I,  \
      K_NONE, K_NONE)                                                                           \
    X(FCVT_D_WU_DYN, "fcvt.d.wu,dyn", ".insn r 0x53, 7, 0x69, ft3, %[a], x1", RAW, N, K_D,     \
      K_I, K_NONE, K_NONE)                                                                      \
    X(FMV_X_W, "fmv.x.w", "fmv.x.w", XF, N, K_I, K_S, K_NONE, K_NONE)                           \
    X(FMV_W_X, "fmv.w.x", "fmv.w.x", FX, N, K_S, K_I, K_NONE, K_NONE)                           \
    X(FMV_X_D, "fmv.x.d", "fmv.x.d", XF, N, K_I, K_D, K_NONE, K_NONE)                           \
    X(FMV_D_X, "fmv.d.x", "fmv.d.x", FX, N, K_D, K_I, K_NONE, K_NONE)                           \
    /* fmv.x.w / fclass.s / fsgnj.s reading a register whose upper half is not all ones. */     \
    X(FMV_X_W_RAW, "fmv.x.w", "fmv.x.w", XF, N, K_I, K_D, K_NONE, K_NONE)

#define X_ENUM(id, ...) id,
enum { OPS(X_ENUM) NOPS };

struct opinfo {
    const char *name;
    char rm, res, a, b, c;
};
#define HAS_RM_R 1
#define HAS_RM_N 0
#define X_INFO(id, name, text, shape, R, rk, ak, bk, ck) {name, HAS_RM_##R, rk, ak, bk, ck},
static const struct opinfo OPINFO[NOPS] = {OPS(X_INFO)};

/* Every case: set frm, load the operands (64-bit patterns) into ft0-ft2, clear fflags, run the
   instruction, read fflags and the result. */
#define PRE                                                                                     \
    "fsrm %[frm]\n\tfmv.d.x ft0, %[a]\n\tfmv.d.x ft1, %[b]\n\tfmv.d.x ft2, %[c]\n\t"          \
    "csrw fflags, zero\n\t"
#define IO                                                                                      \
    : [r] "=r"(r), [f] "=r"(f)                                                                  \
    : [a] "r"(a), [b] "r"(b), [c] "r"(c), [frm] "r"(frm)                                       \
    : "ft0", "ft1", "ft2", "ft3"
#define POST_F "\n\tfrflags %[f]\n\tfmv.x.d %[r], ft3"
#define POST_X "\n\tfrflags %[f]"
#define ASM_FFF(m, rm) asm volatile(PRE m " ft3, ft0, ft1" rm POST_F IO)
#define ASM_FF(m, rm) asm volatile(PRE m " ft3, ft0" rm POST_F IO)
#define ASM_FFFF(m, rm) asm volatile(PRE m " ft3, ft0, ft1, ft2" rm POST_F IO)
#define ASM_XFF(m, rm) asm volatile(PRE m " %[r], ft0, ft1" rm POST_X IO)
#define ASM_XF(m, rm) asm volatile(PRE m " %[r], ft0" rm POST_X IO)
#define ASM_FX(m, rm) asm volatile(PRE m " ft3, %[a]" rm POST_F IO)
#define ASM_RAW(m, rm) asm volatile(PRE m POST_F IO)
#define EXEC_N(shape, m) ASM_##shape(m, "")
#define EXEC_R(shape, m)                                                                        \
    switch (rm) {                                                                               \
    case 0:                                                                                     \
        ASM_##shape(m, ", rne");                                                                \
        break;                                                                                  \
    case 1:                                                                                     \
        ASM_##shape(m, ", rtz");                                                                \
        break;                                                                                  \
    case 2:                                                                                     \
        ASM_##shape(m, ", rdn");                                                                \
        break;                                                                                  \
    case 3:                                                                                     \
        ASM_##shape(m, ", rup");                                                                \
        break;                                                                                  \
    case 4:                                                                                     \
        ASM_##shape(m, ", rmm");                                                                \
        break;                                                                                  \
    default:                                                                                    \
        ASM_##shape(m, ", dyn");                                                                \
        break;                                                                                  \
    }
#define X_CASE(id, name, text, shape, R, ...)                                                   \
    case id:                                                                                    \
        EXEC_##R(shape, text);                                                                  \
        break;

/* Run instruction `id` with rounding mode rm (0-4 static, 7 dyn) and frm = `frm`. */
static u64 exec(int id, int rm, u64 a, u64 b, u64 c, u64 frm, u64 *flags)
{
    u64 r = 0, f = 0;
    switch (id) {
        OPS(X_CASE)
    }
    *flags = f;
    return r;
}

/* ---- output: lines or digests ------------------------------------------------------------ */

static char line[1024];
static int len;

static void put_str(const char *s)
{
    while (*s && len < (int)sizeof line - 1)
        line[len++] = *s++;
}

static void put_hex(u64 v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = hex[v & 15];
        v >>= 4;
    } while (v || n < digits);
    while (n && len < (int)sizeof line - 1)
        line[len++] = tmp[--n];
}

static void put_val(int kind, u64 v)
{
    switch (kind) {
    case K_S:
        if ((v & BOX) == BOX)
            put_hex(v & 0xffffffff, 8);
        else
            put_hex(v, 16);
        break;
    case K_X:
        put_hex(v, 1);
        break;
    default:
        put_hex(v, 16);
    }
}

static void flush_line(void)
{
    line[len] = 0;
    uart_puts(line);
    uart_putc('\n');
    len = 0;
}

static int group_id, group_lines;
static const char *group_what;
static u64 group_hash;
static unsigned long group_cases;
static u64 dyn_frm; /* frm of the next dyn case, rotating through the five modes */

static void mix(u64 v)
{
    group_hash ^= v;
    group_hash *= 0x9e3779b97f4a7c15UL;
    group_hash ^= group_hash >> 29;
}

/* Start a group of cases, printed as lines if `lines` (or when expanded), else digested. */
static void group(const char *what, int lines)
{
    group_id++;
    group_what = what;
    group_lines = lines || group_id == FPSWEEP_EXPAND;
    group_hash = 0x243f6a8885a308d3UL ^ (u64)group_id;
    group_cases = 0;
    rt_printf("# group %d: %s%s\n", group_id, what, group_lines ? "" : " (digest)");
}

static void end_group(void)
{
    if (!group_lines)
        rt_printf("digest #%d %s: cases=%lu hash=%016lx\n", group_id, group_what, group_cases,
                  group_hash);
}

static const char *const RM_NAME[8] = {"rne", "rtz", "rdn", "rup", "rmm", "rm5", "rm6", "dyn"};

/* One case: `n` instructions (ids) on the same operands, on one line. Instructions with a
   rounding mode run under all six. */
static void run_ops(const int *ids, int n, u64 a, u64 b, u64 c)
{
    const struct opinfo *o0 = &OPINFO[ids[0]];
    if (group_lines) {
        put_str(n == 1 ? o0->name : "ops");
        put_str(" ");
        put_val(o0->a, a);
        if (o0->b) {
            put_str(" ");
            put_val(o0->b, b);
        }
        if (o0->c) {
            put_str(" ");
            put_val(o0->c, c);
        }
        put_str(":");
    }
    for (int k = 0; k < n; k++) {
        const struct opinfo *o = &OPINFO[ids[k]];
        int runs = o->rm ? 6 : 1;
        for (int i = 0; i < runs; i++) {
            int rm = !o->rm ? 0 : i < 5 ? i : 7;
            u64 frm = rm == 7 ? dyn_frm : (u64)(i + 3) % 5;
            u64 fl, r = exec(ids[k], rm, a, b, c, frm, &fl);
            if (group_lines) {
                put_str(" ");
                if (n > 1) {
                    put_str(o->name);
                    if (o->rm)
                        put_str(",");
                }
                if (o->rm) {
                    put_str(RM_NAME[rm]);
                    if (rm == 7) {
                        put_str("(");
                        put_str(RM_NAME[frm]);
                        put_str(")");
                    }
                }
                put_str("=");
                put_val(o->res, r);
                put_str("/");
                put_hex(fl, 2);
            } else {
                mix(r);
                mix(fl);
            }
        }
    }
    dyn_frm = (dyn_frm + 1) % 5;
    group_cases++;
    if (group_lines)
        flush_line();
}

static void run1(int id, u64 a, u64 b, u64 c) { run_ops(&id, 1, a, b, c); }

/* ---- operands -------------------------------------------------------------------------- */

static u64 rng_state = 0x9e3779b97f4a7c15UL ^ (PART * 0x1000193UL);

static u64 rnd(void)
{
    u64 x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

#define N_ELEMS(a) (int)(sizeof(a) / sizeof((a)[0]))

/* Single-precision specials. */
static const u32 SPEC_S[] = {
    0x00000000, 0x80000000, /* +-0 */
    0x00000001, 0x80000001, /* +-min subnormal */
    0x007fffff, 0x807fffff, /* +-max subnormal */
    0x00400000, 0x00000003, /* subnormals */
    0x00800000, 0x80800000, /* +-min normal */
    0x00800001,             /* min normal + ulp */
    0x3f800000, 0xbf800000, /* +-1 */
    0x3f800001, 0x3f7fffff, /* 1 + ulp, 1 - ulp */
    0x3f000000, 0xbf000000, /* +-0.5 */
    0x3fc00000, 0xbfc00000, /* +-1.5 */
    0x40200000, 0x40400000, /* 2.5, 3 */
    0x3eaaaaab, 0x3dcccccd, /* 1/3, 0.1 */
    0x33800000, 0x33800001, 0x337fffff, /* 2^-24 (half an ulp of 1) and neighbours */
    0x4b800000, 0x4b7fffff, /* 2^24, 2^24 - 1 */
    0x4f000000, 0xcf000000, /* +-2^31 */
    0x5f000000,             /* 2^63 */
    0x1f800000,             /* 2^-64 */
    0x7effffff,             /* just under max / 2 */
    0x7f7fffff, 0xff7fffff, /* +-max finite */
    0x7f800000, 0xff800000, /* +-inf */
    0x7fc00000, 0xffc00000, /* +-canonical qNaN */
    0x7f800001, 0xff800001, /* +-sNaN */
    0x7fc12345,             /* qNaN with payload */
    0x7fa00000,             /* sNaN with payload */
};

/* The subset the line-printing cross products use. */
static const u32 CORE_S[] __attribute__((unused)) = {
    0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x3f800000,
    0xbf800000, 0x3f800001, 0x3fc00000, 0x3eaaaaab, 0x33800000, 0x33800001,
    0x4b800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0x7fc00000, 0x7f800001,
};

/* Double-precision specials. */
static const u64 SPEC_D[] = {
    0x0000000000000000, 0x8000000000000000, /* +-0 */
    0x0000000000000001, 0x8000000000000001, /* +-min subnormal */
    0x000fffffffffffff, 0x800fffffffffffff, /* +-max subnormal */
    0x0008000000000000, 0x0000000000000003, /* subnormals */
    0x0010000000000000, 0x8010000000000000, /* +-min normal */
    0x0010000000000001,                     /* min normal + ulp */
    0x3ff0000000000000, 0xbff0000000000000, /* +-1 */
    0x3ff0000000000001, 0x3fefffffffffffff, /* 1 + ulp, 1 - ulp */
    0x3fe0000000000000, 0xbfe0000000000000, /* +-0.5 */
    0x3ff8000000000000, 0xbff8000000000000, /* +-1.5 */
    0x4004000000000000, 0x4008000000000000, /* 2.5, 3 */
    0x3fd5555555555555, 0x3fb999999999999a, /* 1/3, 0.1 */
    0x3ca0000000000000, 0x3ca0000000000001, 0x3c9fffffffffffff, /* 2^-53 and neighbours */
    0x4340000000000000, 0x433fffffffffffff, /* 2^53, 2^53 - 1 */
    0x41e0000000000000, 0xc1e0000000000000, /* +-2^31 */
    0x43e0000000000000,                     /* 2^63 */
    0x3bf0000000000000,                     /* 2^-64 */
    0x7fdfffffffffffff,                     /* just under max / 2 */
    0x7fefffffffffffff, 0xffefffffffffffff, /* +-max finite */
    0x7ff0000000000000, 0xfff0000000000000, /* +-inf */
    0x7ff8000000000000, 0xfff8000000000000, /* +-canonical qNaN */
    0x7ff0000000000001, 0xfff0000000000001, /* +-sNaN */
    0x7ff8000012345678,                     /* qNaN with payload */
    0x7ff4000000000000,                     /* sNaN with payload */
};

static const u64 CORE_D[] __attribute__((unused)) = {
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x800fffffffffffff,
    0x0010000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000001,
    0x3ff8000000000000, 0x3fd5555555555555, 0x3ca0000000000000, 0x3ca0000000000001,
    0x4340000000000000, 0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000,
    0x7ff8000000000000, 0x7ff0000000000001,
};

/* A random value of the given width: raw bits, a special, or (mostly) a finite number with
   a random sign, an exponent near 1 or near the ends of the range, and a mantissa that is
   random or has its low bits cleared (so products and sums land on rounding ties). */
static u64 rnd_fp(int dbl)
{
    u64 r = rnd(), m = rnd();
    unsigned kind = r & 15;
    int ebits = dbl ? 11 : 8, mbits = dbl ? 52 : 23, bias = dbl ? 1023 : 127;
    u64 v;
    if (kind < 3) {
        v = m;
    } else if (kind < 5) {
        v = dbl ? SPEC_D[m % N_ELEMS(SPEC_D)] : SPEC_S[m % N_ELEMS(SPEC_S)];
    } else {
        long e;
        unsigned which = (r >> 4) & 7;
        if (which < 5)
            e = bias + (long)((r >> 8) % 61) - 30; /* around 1 */
        else if (which == 5)
            e = (long)((r >> 8) % 40); /* tiny, including subnormals (e = 0) */
        else
            e = (1L << ebits) - 2 - (long)((r >> 8) % 40); /* huge */
        u64 mant = m & ((1UL << mbits) - 1);
        if ((r >> 20) & 1)
            mant &= ~((1UL << (mbits / 2)) - 1);
        v = ((r >> 30) & 1) << (ebits + mbits) | (u64)e << mbits | mant;
    }
    if (!dbl)
        v = BX(v);
    return v;
}

/* ---- the sweeps ------------------------------------------------------------------------ */
#if PART == 1 || PART == 2

struct width {
    int dbl;
    const char *sfx;
    int add, sub, mul, div, sqrt, fmadd, fmsub, fnmsub, fnmadd, min, max, sgnj, sgnjn, sgnjx,
        mv, neg, abs, eq, lt, le, cls;
    u64 spec[64], core[32];
    int nspec, ncore;
};

static void setup(struct width *w, int dbl)
{
    w->dbl = dbl;
    if (dbl) {
        w->add = FADD_D, w->sub = FSUB_D, w->mul = FMUL_D, w->div = FDIV_D, w->sqrt = FSQRT_D;
        w->fmadd = FMADD_D, w->fmsub = FMSUB_D, w->fnmsub = FNMSUB_D, w->fnmadd = FNMADD_D;
        w->min = FMIN_D, w->max = FMAX_D, w->sgnj = FSGNJ_D, w->sgnjn = FSGNJN_D;
        w->sgnjx = FSGNJX_D, w->mv = FMV_D, w->neg = FNEG_D, w->abs = FABS_D;
        w->eq = FEQ_D, w->lt = FLT_D, w->le = FLE_D, w->cls = FCLASS_D;
        w->nspec = N_ELEMS(SPEC_D), w->ncore = N_ELEMS(CORE_D);
        for (int i = 0; i < w->nspec; i++)
            w->spec[i] = SPEC_D[i];
        for (int i = 0; i < w->ncore; i++)
            w->core[i] = CORE_D[i];
    } else {
        w->add = FADD_S, w->sub = FSUB_S, w->mul = FMUL_S, w->div = FDIV_S, w->sqrt = FSQRT_S;
        w->fmadd = FMADD_S, w->fmsub = FMSUB_S, w->fnmsub = FNMSUB_S, w->fnmadd = FNMADD_S;
        w->min = FMIN_S, w->max = FMAX_S, w->sgnj = FSGNJ_S, w->sgnjn = FSGNJN_S;
        w->sgnjx = FSGNJX_S, w->mv = FMV_S, w->neg = FNEG_S, w->abs = FABS_S;
        w->eq = FEQ_S, w->lt = FLT_S, w->le = FLE_S, w->cls = FCLASS_S;
        w->nspec = N_ELEMS(SPEC_S), w->ncore = N_ELEMS(CORE_S);
        for (int i = 0; i < w->nspec; i++)
            w->spec[i] = BX(SPEC_S[i]);
        for (int i = 0; i < w->ncore; i++)
            w->core[i] = BX(CORE_S[i]);
    }
}

/* Fused multiply-add triples worth a line each: invalid products, NaN propagation and
   signalling, exact zeros whose sign depends on the rounding mode, cancellation, overflow and
   underflow. Values are indices into the table below, filled per width. */
enum { Z, NZ, ONE, NONE, HALF, THREE, THIRD, MAXF, NMAXF, INF, NINF, QNAN, SNAN, MINSUB, MINNORM,
       ONEP, ONEM, TIE, TWO, NV_ };
static const unsigned char FMA_TRIPLES[][3] = {
    {INF, Z, ONE},        {Z, INF, ONE},      {INF, Z, QNAN},      {Z, NINF, QNAN},
    {INF, Z, SNAN},       {INF, ONE, NINF},   {NINF, NONE, NINF},  {INF, INF, NINF},
    {ONE, ONE, NONE},     {NONE, ONE, ONE},   {Z, Z, NZ},          {NZ, Z, Z},
    {NZ, Z, NZ},          {Z, NZ, NZ},        {ONEP, ONEM, NONE},  {ONEM, ONEM, NONE},
    {THIRD, THREE, NONE}, {MAXF, TWO, NMAXF}, {MAXF, MAXF, NINF},  {MAXF, MAXF, Z},
    {MAXF, HALF, MAXF},   {MINSUB, HALF, Z},  {MINSUB, MINSUB, Z}, {MINSUB, MINSUB, NZ},
    {MINNORM, HALF, Z},   {MINNORM, ONEM, Z}, {MINNORM, NONE, MINSUB}, {QNAN, SNAN, ONE},
    {SNAN, ONE, QNAN},    {ONE, ONE, SNAN},   {QNAN, ONE, ONE},    {ONE, QNAN, INF},
    {TIE, ONE, ONE},      {ONE, TIE, NONE},   {TIE, TIE, Z},       {TWO, TIE, NONE},
    {HALF, HALF, NONE},   {THIRD, THIRD, THIRD}, {MINSUB, NONE, MINSUB}, {NMAXF, MAXF, MAXF},
};

static void fma_values(const struct width *w, u64 *v)
{
    static const u32 S[NV_] = {0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000,
                               0x40400000, 0x3eaaaaab, 0x7f7fffff, 0xff7fffff, 0x7f800000,
                               0xff800000, 0x7fc00000, 0x7f800001, 0x00000001, 0x00800000,
                               0x3f800001, 0x3f7fffff, 0x33800000, 0x40000000};
    static const u64 D[NV_] = {
        0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
        0x3fe0000000000000, 0x4008000000000000, 0x3fd5555555555555, 0x7fefffffffffffff,
        0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
        0x7ff0000000000001, 0x0000000000000001, 0x0010000000000000, 0x3ff0000000000001,
        0x3fefffffffffffff, 0x3ca0000000000000, 0x4000000000000000};
    for (int i = 0; i < NV_; i++)
        v[i] = w->dbl ? D[i] : BX(S[i]);
}

static void sweep_width(int dbl)
{
    static struct width W;
    struct width *w = &W;
    setup(w, dbl);
    const char *s = dbl ? "d" : "s";
    int arith[4] = {w->add, w->sub, w->mul, w->div};
    int fma[4] = {w->fmadd, w->fmsub, w->fnmsub, w->fnmadd};
    int nonrm[11] = {w->eq, w->lt, w->le, w->min, w->max, w->sgnj, w->sgnjn, w->sgnjx};
    int unary_nonrm[4] = {w->cls, w->mv, w->neg, w->abs};

    rt_printf("## %s precision\n", dbl ? "double" : "single");

    /* Unary operations over every special. */
    group(dbl ? "fsqrt.d over specials" : "fsqrt.s over specials", 1);
    for (int i = 0; i < w->nspec; i++)
        run1(w->sqrt, w->spec[i], 0, 0);
    end_group();
    group(dbl ? "fclass.d fmv.d fneg.d fabs.d over specials"
              : "fclass.s fmv.s fneg.s fabs.s over specials",
          1);
    for (int i = 0; i < w->nspec; i++)
        run_ops(unary_nonrm, 4, w->spec[i], 0, 0);
    end_group();

    /* Arithmetic: one line per (op, a, b) over the core set, all specials digested. */
    for (int k = 0; k < 4; k++) {
        group(OPINFO[arith[k]].name, 1);
        for (int i = 0; i < w->ncore; i++)
            for (int j = 0; j < w->ncore; j++)
                run1(arith[k], w->core[i], w->core[j], 0);
        end_group();
    }
    for (int k = 0; k < 4; k++) {
        group(OPINFO[arith[k]].name, 0);
        for (int i = 0; i < w->nspec; i++)
            for (int j = 0; j < w->nspec; j++)
                run1(arith[k], w->spec[i], w->spec[j], 0);
        end_group();
    }

    /* Compares, min/max, sign injection: one line per pair (all eight instructions). */
    group(dbl ? "feq flt fle fmin fmax fsgnj fsgnjn fsgnjx (.d) over core pairs"
              : "feq flt fle fmin fmax fsgnj fsgnjn fsgnjx (.s) over core pairs",
          1);
    for (int i = 0; i < w->ncore; i++)
        for (int j = 0; j < w->ncore; j++)
            run_ops(nonrm, 8, w->core[i], w->core[j], 0);
    end_group();
    group(dbl ? "feq flt fle fmin fmax fsgnj fsgnjn fsgnjx (.d) over special pairs"
              : "feq flt fle fmin fmax fsgnj fsgnjn fsgnjx (.s) over special pairs",
          0);
    for (int i = 0; i < w->nspec; i++)
        for (int j = 0; j < w->nspec; j++)
            run_ops(nonrm, 8, w->spec[i], w->spec[j], 0);
    end_group();

    /* Fused multiply-add: chosen triples as lines, special triples digested. */
    u64 v[NV_];
    fma_values(w, v);
    for (int k = 0; k < 4; k++) {
        group(OPINFO[fma[k]].name, 1);
        for (int t = 0; t < N_ELEMS(FMA_TRIPLES); t++)
            run1(fma[k], v[FMA_TRIPLES[t][0]], v[FMA_TRIPLES[t][1]], v[FMA_TRIPLES[t][2]]);
        end_group();
    }
    for (int k = 0; k < 4; k++) {
        group(OPINFO[fma[k]].name, 0);
        for (int i = 0; i < w->nspec; i += 2)
            for (int j = 0; j < w->nspec; j++)
                for (int l = 1; l < w->nspec; l += 2)
                    run1(fma[k], w->spec[i], w->spec[j], w->spec[l]);
        end_group();
    }

    /* Pseudo-random operands: a few hundred printed, many more digested. */
    group(dbl ? "random operands (.d)" : "random operands (.s)", 1);
    for (int n = 0; n < 100; n++) {
        u64 a = rnd_fp(dbl), b = rnd_fp(dbl), c = rnd_fp(dbl);
        if (n % 8 == 7) /* cancellation: a*1 - a, exact zero with a rounding-mode sign */
            b = v[ONE], c = a ^ (dbl ? 1UL << 63 : 1UL << 31);
        run1(arith[n & 3], a, b, 0);
        run1(arith[(n + 1) & 3], b, a, 0);
        run1(fma[n & 3], a, b, c);
        run1(w->sqrt, a, 0, 0);
        run_ops(nonrm, 8, a, b, 0);
    }
    end_group();
    (void)s;
    int all[19] = {w->add, w->sub, w->mul, w->div, w->sqrt, w->fmadd, w->fmsub, w->fnmsub,
                   w->fnmadd, w->min, w->max, w->eq, w->lt, w->le, w->cls, w->sgnj, w->sgnjn,
                   w->sgnjx, w->neg};
    for (int k = 0; k < 19; k++) {
        group(OPINFO[all[k]].name, 0);
        for (int n = 0; n < 1500; n++) {
            u64 a = rnd_fp(dbl), b = rnd_fp(dbl), c = rnd_fp(dbl);
            run1(all[k], a, b, c);
        }
        end_group();
    }
}

#else
/* ---- conversions, moves, NaN boxing, memory, fcsr (PART 3) ------------------------------ */

static const u32 CVT_S[] = {
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000, 0x3f000000,
    0xbf000000, 0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000, 0x3effffff, 0xbeffffff,
    0x3f400000, 0x40600000, 0x40900000, 0xc0900000, 0x40b00000,
    0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f7fffff, 0x4f800000, 0x5effffff,
    0x5f000000, 0xdf000000, 0xdf000001, 0x5f7fffff, 0x5f800000, 0x501502f9, 0x7f7fffff,
    0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345,
};

static const u64 CVT_D[] = {
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x8000000000000001,
    0x3ff0000000000000, 0xbff0000000000000, 0x3fe0000000000000, 0xbfe0000000000000,
    0x3ff8000000000000, 0xbff8000000000000, 0x4004000000000000, 0xc004000000000000,
    0x3fdfffffffffffff, 0xbfdfffffffffffff, 0x4012000000000000, 0xc012000000000000,
    0x4016000000000000,
    0x41dfffffffc00000, /* 2^31 - 1 */
    0x41dfffffffe00000, /* 2^31 - 0.5 */
    0x41dffffffff00000, /* 2^31 - 0.25 */
    0x41e0000000000000, /* 2^31 */
    0x41e0000000100000, /* 2^31 + 0.5 */
    0xc1e0000000000000, /* -2^31 */
    0xc1e0000000100000, /* -2^31 - 0.5 */
    0xc1e0000000200000, /* -2^31 - 1 */
    0x41efffffffe00000, /* 2^32 - 1 */
    0x41effffffff00000, /* 2^32 - 0.5 */
    0x41f0000000000000, /* 2^32 */
    0x43dfffffffffffff, /* largest below 2^63 */
    0x43e0000000000000, /* 2^63 */
    0xc3e0000000000000, /* -2^63 */
    0xc3e0000000000001, /* just below -2^63 */
    0x43efffffffffffff, /* largest below 2^64 */
    0x43f0000000000000, /* 2^64 */
    0x4202a05f20000000, /* 1e10 */
    0x4330000000000001, /* 2^52 + 1 */
    0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0xfff4000000012345,
};

static const u64 CVT_I[] = {
    0, 1, 2, 3, 0xffffffffffffffff, 0xfffffffffffffffe,
    0x7fffffff, 0x80000000, 0xffffffff, 0xffffffff80000000, 0xffffffff7fffffff,
    0x00ffffff, 0x01000000, 0x01000001, 0x01000003, 0x02000005, 0xfffffffffeffffff,
    0x7fffffc0, 0x7fffffbf, 0x7fffff40, 0xffffff80, 0xffffff7f,
    0x001fffffffffffff, 0x0020000000000001, 0x0020000000000003, 0x0040000000000006,
    0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001, 0x7ffffffffffffdff,
    0x7ffffe8000000000, 0x8000008000000000, 0xfffffe0000000001, 0xfffffffffffffc00,
    0x123456789abcdef0, 0xdeadbeef00000001, 0x00000001ffffffff, 0x5555555555555555,
};

/* Values around single precision's limits, in double, for fcvt.s.d. */
static const u64 NARROW_D[] = {
    0x3ff0000010000000, /* 1 + 2^-24: tie */
    0x3ff0000030000000, /* 1 + 3*2^-24: tie, odd */
    0x3ff0000010000001, /* just above the tie */
    0x3ff000000fffffff, /* just below the tie */
    0x47efffffe0000000, /* max single */
    0x47efffffefffffff, /* below max + half ulp */
    0x47effffff0000000, /* max + half ulp: overflows to nearest */
    0x47f0000000000000, /* 2^128 */
    0x36a0000000000000, /* 2^-149, min subnormal single */
    0x3690000000000000, /* 2^-150: tie between 0 and min subnormal */
    0x3698000000000000, /* 3 * 2^-151 */
    0x3680000000000000, /* 2^-151 */
    0x380fffffc0000000, /* max subnormal single */
    0x380fffffe0000000, /* between max subnormal and min normal: tie */
    0x3810000000000000, /* min normal single */
    0x380ffffff0000000, /* just below min normal */
    0xb810000000000000, 0x0000000000000001, 0x8000000000000001, 0x7fefffffffffffff,
    0x3fd5555555555555, 0x3fb999999999999a, 0x7ff8000000000000, 0xfff8000012345678,
    0x7ff0000000000001, 0x7ff4000000000000, 0x7ff0000000000000, 0xfff0000000000000,
};

/* Single-precision operands that are not properly NaN-boxed, and the boxed references. */
static const u64 UNBOXED[] = {
    0x000000003f800000, 0xfffffffe3f800000, 0x7fffffff3f800000, 0xffff0000ffc00000,
    0x3ff0000000000000, 0xfffffffe7f800001, 0xffffffff3f800000, 0xffffffff7f800001,
};

static volatile unsigned long trap_cause, trap_count;
static void skip_trap(struct trap_frame *f)
{
    trap_cause = f->cause;
    trap_count++;
    f->epc += insn_len(f->epc);
}

static u64 mem64[6] __attribute__((aligned(16)));

static void part3(void)
{
    rt_printf("## conversions, moves, NaN boxing, memory, fcsr\n");
    static const int F2I_S[4] = {FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S};
    static const int F2I_D[4] = {FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D};
    static const int I2F[8] = {FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU,
                               FCVT_D_W, FCVT_D_WU, FCVT_D_L, FCVT_D_LU};

    group("fcvt.{w,wu,l,lu}.s", 1);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < N_ELEMS(CVT_S); i++)
            run1(F2I_S[k], BX(CVT_S[i]), 0, 0);
    end_group();
    group("fcvt.{w,wu,l,lu}.d", 1);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < N_ELEMS(CVT_D); i++)
            run1(F2I_D[k], CVT_D[i], 0, 0);
    end_group();
    group("fcvt.{s,d}.{w,wu,l,lu}", 1);
    for (int k = 0; k < 8; k++)
        for (int i = 0; i < N_ELEMS(CVT_I); i++)
            run1(I2F[k], CVT_I[i], 0, 0);
    end_group();
    group("fcvt.s.d", 1);
    for (int i = 0; i < N_ELEMS(NARROW_D); i++)
        run1(FCVT_S_D, NARROW_D[i], 0, 0);
    for (int i = 0; i < N_ELEMS(SPEC_D); i++)
        run1(FCVT_S_D, SPEC_D[i], 0, 0);
    end_group();
    group("fcvt.d.s (rm rne, rtz, dyn)", 1);
    {
        static const int ids[3] = {FCVT_D_S, FCVT_D_S_RTZ, FCVT_D_S_DYN};
        for (int i = 0; i < N_ELEMS(SPEC_S); i++)
            run_ops(ids, 3, BX(SPEC_S[i]), 0, 0);
    }
    end_group();
    group("fcvt.d.w/wu with rm fields rup, dyn", 1);
    {
        static const int ids[2] = {FCVT_D_W_RUP, FCVT_D_WU_DYN};
        for (int i = 0; i < N_ELEMS(CVT_I); i++)
            run_ops(ids, 2, CVT_I[i], 0, 0);
    }
    end_group();

    group("fmv.x.w fmv.w.x fmv.x.d fmv.d.x", 1);
    {
        static const u64 pats[] = {0, 0x3f800000, 0x80000000, 0xffffffff, 0x7fc00001,
                                   0xffffffff80000000, 0x123456787f800001, 0xfffffffe00000000,
                                   0x8000000000000000, 0x7ff0000000000001, 0xdeadbeefcafef00d};
        static const int ids[4] = {FMV_X_W_RAW, FMV_W_X, FMV_X_D, FMV_D_X};
        for (int i = 0; i < N_ELEMS(pats); i++)
            run_ops(ids, 4, pats[i], 0, 0);
    }
    end_group();

    /* NaN boxing: single-precision instructions reading improperly boxed registers see the
       canonical NaN (fmv.x.w and fsw excepted, they move the raw low bits). */
    group("NaN boxing", 1);
    {
        static const int unary[] = {FSQRT_S,  FCLASS_S, FMV_S,    FNEG_S,    FABS_S,
                                    FCVT_D_S, FCVT_W_S, FCVT_LU_S, FMV_X_W};
        static const int binary[] = {FADD_S,  FMUL_S,  FDIV_S,   FMIN_S,   FMAX_S,  FSGNJ_S,
                                     FSGNJN_S, FSGNJX_S, FEQ_S, FLT_S, FLE_S};
        static const int ternary[] = {FMADD_S, FNMSUB_S};
        static const u64 other[] = {BX(0x3f800000), BX(0xbf800000), BX(0x7f800001),
                                    BX(0x80000000)};
        for (int i = 0; i < N_ELEMS(UNBOXED); i++) {
            for (int k = 0; k < N_ELEMS(unary); k++)
                run1(unary[k], UNBOXED[i], 0, 0);
            for (int k = 0; k < N_ELEMS(binary); k++)
                for (int j = 0; j < N_ELEMS(other); j++) {
                    run1(binary[k], UNBOXED[i], other[j], 0);
                    run1(binary[k], other[j], UNBOXED[i], 0);
                }
            for (int k = 0; k < N_ELEMS(ternary); k++) {
                run1(ternary[k], UNBOXED[i], other[0], other[1]);
                run1(ternary[k], other[0], other[1], UNBOXED[i]);
            }
        }
    }
    end_group();

    /* Random conversions: some printed, many digested. */
    group("random conversions", 1);
    for (int n = 0; n < 40; n++) {
        u64 s = rnd_fp(0), d = rnd_fp(1), x = rnd();
        run1(F2I_S[n & 3], s, 0, 0);
        run1(F2I_D[n & 3], d, 0, 0);
        run1(I2F[n & 7], x >> (n % 50), 0, 0);
        run1(FCVT_S_D, d, 0, 0);
    }
    end_group();
    {
        static const int all[] = {FCVT_W_S,  FCVT_WU_S, FCVT_L_S,  FCVT_LU_S, FCVT_W_D,
                                  FCVT_WU_D, FCVT_L_D,  FCVT_LU_D, FCVT_S_W,  FCVT_S_WU,
                                  FCVT_S_L,  FCVT_S_LU, FCVT_D_W,  FCVT_D_WU, FCVT_D_L,
                                  FCVT_D_LU, FCVT_S_D,  FCVT_D_S};
        for (int k = 0; k < N_ELEMS(all); k++) {
            const struct opinfo *o = &OPINFO[all[k]];
            group(o->name, 0);
            for (int n = 0; n < 2000; n++) {
                u64 a;
                if (o->a == K_I) {
                    a = rnd();
                    a >>= rnd() % 64;
                    if (n & 1)
                        a = -a;
                } else {
                    a = rnd_fp(o->a == K_D);
                }
                run1(all[k], a, 0, 0);
            }
            end_group();
        }
    }

    /* FP loads and stores: flw boxes, fsw stores the raw low word, fld/fsd move 64 bits. */
    rt_printf("# FP loads and stores\n");
    {
        u64 out[6];
        register u64 *m asm("a5") = mem64; /* c.fld/c.fsd need a base in x8-x15 */
        mem64[0] = 0x123456789abcdef0;
        mem64[1] = 0x7ff0000000000001;
        mem64[2] = mem64[3] = mem64[4] = mem64[5] = 0;
        asm volatile("flw ft0, 0(%[m])\n\t"
                     "flw ft1, 4(%[m])\n\t"
                     "fld ft2, 8(%[m])\n\t"
                     "fmv.x.d %[o0], ft0\n\t"
                     "fmv.x.d %[o1], ft1\n\t"
                     "fmv.x.d %[o2], ft2\n\t"
                     "fsw ft2, 16(%[m])\n\t" /* unboxed: low word stored as is */
                     "fsw ft0, 20(%[m])\n\t"
                     "fsd ft1, 24(%[m])\n\t"
                     "c.fld fs1, 8(%[m])\n\t"
                     "fmv.x.d %[o3], fs1\n\t"
                     "c.fsd fs1, 32(%[m])\n\t"
                     "fsd ft0, 40(%[m])\n\t"
                     "fld ft3, 32(%[m])\n\t"
                     "fmv.x.d %[o4], ft3\n\t"
                     "fld ft3, 24(%[m])\n\t"
                     "fmv.x.d %[o5], ft3\n\t"
                     : [o0] "=&r"(out[0]), [o1] "=&r"(out[1]), [o2] "=&r"(out[2]),
                       [o3] "=&r"(out[3]), [o4] "=&r"(out[4]), [o5] "=&r"(out[5])
                     : [m] "r"(m)
                     : "ft0", "ft1", "ft2", "ft3", "fs1", "memory");
        for (int i = 0; i < 6; i++)
            rt_printf("fpmem %d = %016lx\n", i, out[i]);
        for (int i = 0; i < 6; i++)
            rt_printf("mem64[%d] = %016lx\n", i, mem64[i]);
    }

    /* fcsr, frm and fflags: field widths, write masks, the aliases, sticky flags. */
    rt_printf("# fcsr\n");
    {
        u64 r[12];
        asm volatile("csrw fcsr, %[all]\n\t"
                     "csrr %[r0], fcsr\n\t"
                     "csrr %[r1], frm\n\t"
                     "csrr %[r2], fflags\n\t"
                     "csrw fflags, %[all]\n\t"
                     "csrr %[r3], fcsr\n\t"
                     "csrwi frm, 2\n\t"
                     "csrr %[r4], fcsr\n\t"
                     "csrrci %[r5], fflags, 0x5\n\t"
                     "csrr %[r6], fcsr\n\t"
                     "csrrw %[r7], fcsr, zero\n\t"
                     "fsrmi %[r8], 3\n\t"
                     "fsflagsi %[r9], 0x1f\n\t"
                     "csrrs %[r10], frm, zero\n\t"
                     "csrr %[r11], fcsr\n\t"
                     "csrw fcsr, zero\n\t"
                     : [r0] "=&r"(r[0]), [r1] "=&r"(r[1]), [r2] "=&r"(r[2]), [r3] "=&r"(r[3]),
                       [r4] "=&r"(r[4]), [r5] "=&r"(r[5]), [r6] "=&r"(r[6]), [r7] "=&r"(r[7]),
                       [r8] "=&r"(r[8]), [r9] "=&r"(r[9]), [r10] "=&r"(r[10]),
                       [r11] "=&r"(r[11])
                     : [all] "r"(~0UL));
        for (int i = 0; i < 12; i++)
            rt_printf("fcsr step %d: %lx\n", i, r[i]);
        /* Flags accumulate across instructions until cleared. */
        u64 f1, f2, f3;
        asm volatile("csrw fflags, zero\n\t"
                     "fmv.w.x ft0, %[one]\n\t"
                     "fmv.w.x ft1, %[three]\n\t"
                     "fdiv.s ft2, ft0, ft1\n\t"  /* NX */
                     "frflags %[f1]\n\t"
                     "fmv.w.x ft1, zero\n\t"
                     "fdiv.s ft2, ft0, ft1\n\t"  /* DZ */
                     "frflags %[f2]\n\t"
                     "fdiv.s ft2, ft1, ft1\n\t"  /* NV */
                     "fsflags %[f3], zero\n\t"
                     : [f1] "=&r"(f1), [f2] "=&r"(f2), [f3] "=&r"(f3)
                     : [one] "r"(0x3f800000UL), [three] "r"(0x40400000UL)
                     : "ft0", "ft1", "ft2");
        rt_printf("sticky flags: %lx %lx %lx\n", f1, f2, f3);
    }

    /* Reserved rounding modes are illegal: static rm 5 and 6, dyn with frm 5, 6, 7. */
    rt_printf("# illegal rounding modes\n");
    m_trap_hook = skip_trap;
    {
        u64 res;
        for (int frm = 5; frm < 8; frm++) {
            trap_count = 0;
            trap_cause = 0;
            asm volatile("fmv.w.x ft0, %[one]\n\t"
                         "fmv.w.x ft3, zero\n\t"
                         "csrw frm, %[frm]\n\t"
                         "fadd.s ft3, ft0, ft0, dyn\n\t"
                         "fmv.x.w %[res], ft3\n\t"
                         "csrw frm, zero\n\t"
                         : [res] "=&r"(res)
                         : [one] "r"(0x3f800000UL), [frm] "r"((u64)frm)
                         : "ft0", "ft3");
            rt_printf("fadd.s dyn frm=%d: traps=%lu cause=%lx result=%lx\n", frm, trap_count,
                      trap_cause, res);
            trap_count = 0;
            trap_cause = 0;
            asm volatile("fmv.d.x ft0, %[one]\n\t"
                         "fmv.x.d %[res], ft0\n\t"
                         "csrw frm, %[frm]\n\t"
                         "fcvt.w.d %[res], ft0, dyn\n\t"
                         "csrw frm, zero\n\t"
                         : [res] "=&r"(res)
                         : [one] "r"(0x3ff8000000000000UL), [frm] "r"((u64)frm)
                         : "ft0");
            rt_printf("fcvt.w.d dyn frm=%d: traps=%lu cause=%lx result=%lx\n", frm, trap_count,
                      trap_cause, res);
        }
        trap_count = 0;
        asm volatile("fmv.w.x ft0, %[one]\n\t"
                     "fmv.w.x ft3, zero\n\t"
                     ".insn r 0x53, 5, 0x00, ft3, ft0, ft0\n\t" /* fadd.s rm=5 */
                     ".insn r 0x53, 6, 0x01, ft3, ft0, ft0\n\t" /* fadd.d rm=6 */
                     "fmv.x.d %[res], ft3\n\t"
                     : [res] "=&r"(res)
                     : [one] "r"(0x3f800000UL)
                     : "ft0", "ft3");
        rt_printf("static rm 5, 6: traps=%lu cause=%lx result=%lx\n", trap_count, trap_cause,
                  res);

        /* With frm = 5: the exact conversions trap with dyn or a reserved static rm too;
           instructions without an rm field do not trap. */
#define RM_CASE(name, insn)                                                                     \
    do {                                                                                        \
        trap_count = 0;                                                                         \
        trap_cause = 0;                                                                         \
        asm volatile("csrwi frm, 5\n\t" insn "\n\tcsrwi frm, 0" ::: "ft0", "ft1", "a0", "memory"); \
        rt_printf("frm=5 %s: traps=%lu cause=%lx\n", name, trap_count, trap_cause);            \
    } while (0)
        RM_CASE("fcvt.d.wu,dyn", ".insn r 0x53, 7, 0x69, ft0, a0, x1");
        RM_CASE("fcvt.d.w,dyn", ".insn r 0x53, 7, 0x69, ft0, a0, x0");
        RM_CASE("fcvt.d.s,dyn", ".insn r 0x53, 7, 0x21, ft0, ft1, f0");
        RM_CASE("fcvt.d.s,rm5", ".insn r 0x53, 5, 0x21, ft0, ft1, f0");
        RM_CASE("fcvt.d.w,rm6", ".insn r 0x53, 6, 0x69, ft0, a0, x0");
        RM_CASE("fsgnj.s", "fsgnj.s ft0, ft1, ft1");
        RM_CASE("fmin.d", "fmin.d ft0, ft1, ft1");
        RM_CASE("feq.s", "feq.s a0, ft1, ft1");
        RM_CASE("fmv.x.w", "fmv.x.w a0, ft1");
        RM_CASE("fclass.d", "fclass.d a0, ft1");
        RM_CASE("flw", "flw ft0, 0(sp)");
        RM_CASE("fcvt.s.d,rne", "fcvt.s.d ft0, ft1, rne");
        RM_CASE("fcvt.w.s,rtz", "fcvt.w.s a0, ft1, rtz");
#undef RM_CASE
    }

    /* With mstatus.FS = Off every FP instruction and fcsr access is illegal. */
    rt_printf("# mstatus.FS = Off\n");
    {
        u64 res = 0x55;
        static u32 word = 0x40000000;
        register u64 *d asm("a5") = mem64;
        csr_clear(mstatus, 3UL << 13);
        trap_count = 0;
        asm volatile("fadd.s ft0, ft0, ft0\n\t"
                     "flw ft0, 0(%[w])\n\t"
                     "fsw ft0, 0(%[w])\n\t"
                     "fmv.x.w %[res], ft0\n\t"
                     "csrr %[res], fcsr\n\t"
                     "csrw frm, zero\n\t"
                     "c.fld fs1, 0(%[d])\n\t"
                     : [res] "+&r"(res)
                     : [w] "r"(&word), [d] "r"(d)
                     : "ft0", "fs1", "memory");
        unsigned long n = trap_count, cause = trap_cause;
        csr_set(mstatus, 1UL << 13);
        rt_printf("FS=Off: traps=%lu cause=%lx res=%lx word=%x\n", n, cause, res, word);
    }
    m_trap_hook = 0;
}
#endif

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    rt_printf("fpsweep part %d\n", PART);
#if PART == 1
    sweep_width(0);
#elif PART == 2
    sweep_width(1);
#else
    part3();
#endif
    rt_printf("done\n");
    return 0;
}
