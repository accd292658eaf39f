/* console: one hart prints a few hundred lines of deterministic computed values.

   Proves that the simulator's integer datapath matches QEMU bit for bit: mul, mulh, mulhsu,
   mulhu, div, rem including division by zero and overflow, 64- and 32-bit (W) shifts with
   out-of-range amounts, comparisons, sign extension of W results, plus ordinary compiled
   code (formatting, strings, a sort, a CRC, recursion) and that a1 points at a device tree
   describing the machine (one cpu, 256 MiB of RAM at 0x8000_0000). */
#include "rt.h"

/* Each R-type instruction through inline asm, so C's undefined behaviour (division by zero,
   overflow, over-wide shifts) cannot interfere. */
#define OP2(name, insn)                                                          \
    static uint64_t name(uint64_t a, uint64_t b)                                 \
    {                                                                            \
        uint64_t r;                                                              \
        asm volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));             \
        return r;                                                                \
    }
OP2(op_mul, "mul")
OP2(op_mulh, "mulh")
OP2(op_mulhsu, "mulhsu")
OP2(op_mulhu, "mulhu")
OP2(op_mulw, "mulw")
OP2(op_div, "div")
OP2(op_divu, "divu")
OP2(op_rem, "rem")
OP2(op_remu, "remu")
OP2(op_divw, "divw")
OP2(op_divuw, "divuw")
OP2(op_remw, "remw")
OP2(op_remuw, "remuw")
OP2(op_sll, "sll")
OP2(op_srl, "srl")
OP2(op_sra, "sra")
OP2(op_sllw, "sllw")
OP2(op_srlw, "srlw")
OP2(op_sraw, "sraw")
OP2(op_addw, "addw")
OP2(op_subw, "subw")
OP2(op_slt, "slt")
OP2(op_sltu, "sltu")

static const uint64_t vals[] = {
    0,
    1,
    2,
    7,
    (uint64_t)-1,
    (uint64_t)-2,
    (uint64_t)-7,
    0x7fffffffUL,
    0x80000000UL,
    0xffffffffUL,
    0xffffffff80000000UL,
    0x7fffffffffffffffUL,
    0x8000000000000000UL,
    0x123456789abcdef0UL,
    0x55555555aaaaaaaaUL,
    0x00000001fffffffeUL,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static const uint64_t shamts[] = {0, 1, 5, 31, 32, 33, 63, 64, 65, 127, (uint64_t)-1};
#define NSHAMTS (sizeof(shamts) / sizeof(shamts[0]))

static void arith_tables(void)
{
    rt_printf("== div/rem (64-bit) ==\n");
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = 0; j < NVALS; j += 3) {
            uint64_t a = vals[i], b = vals[j];
            rt_printf("%lx / %lx: div=%lx rem=%lx divu=%lx remu=%lx\n", a, b, op_div(a, b),
                      op_rem(a, b), op_divu(a, b), op_remu(a, b));
        }
    rt_printf("== div/rem (W) ==\n");
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = 1; j < NVALS; j += 3) {
            uint64_t a = vals[i], b = vals[j];
            rt_printf("%lx /w %lx: divw=%lx remw=%lx divuw=%lx remuw=%lx\n", a, b, op_divw(a, b),
                      op_remw(a, b), op_divuw(a, b), op_remuw(a, b));
        }
    rt_printf("== mul ==\n");
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = i; j < NVALS; j += 4) {
            uint64_t a = vals[i], b = vals[j];
            rt_printf("%lx * %lx: mul=%lx mulh=%lx mulhsu=%lx mulhu=%lx mulw=%lx\n", a, b,
                      op_mul(a, b), op_mulh(a, b), op_mulhsu(a, b), op_mulhu(a, b),
                      op_mulw(a, b));
        }
    rt_printf("== shifts ==\n");
    for (unsigned i = 0; i < NVALS; i += 2)
        for (unsigned j = 0; j < NSHAMTS; j += 2) {
            uint64_t a = vals[i], s = shamts[j];
            rt_printf("%lx sh %ld: sll=%lx srl=%lx sra=%lx sllw=%lx srlw=%lx sraw=%lx\n", a,
                      (long)s, op_sll(a, s), op_srl(a, s), op_sra(a, s), op_sllw(a, s),
                      op_srlw(a, s), op_sraw(a, s));
        }
    rt_printf("== W add/sub, compares ==\n");
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = 0; j < NVALS; j += 5) {
            uint64_t a = vals[i], b = vals[j];
            rt_printf("%lx ? %lx: addw=%lx subw=%lx slt=%ld sltu=%ld\n", a, b, op_addw(a, b),
                      op_subw(a, b), (long)op_slt(a, b), (long)op_sltu(a, b));
        }
}

/* Immediate forms and sign extension of loads, with compiler-chosen code. */
static void immediates(void)
{
    static volatile int8_t b8[4] = {-128, -1, 127, 5};
    static volatile int16_t h16[4] = {-32768, -1, 32767, 1234};
    static volatile int32_t w32[4] = {(int32_t)0x80000000, -1, 0x7fffffff, 99999};
    rt_printf("== loads ==\n");
    for (int i = 0; i < 4; i++)
        rt_printf("lb=%ld lbu=%lu lh=%ld lhu=%lu lw=%ld lwu=%lu\n", (long)b8[i],
                  (unsigned long)(uint8_t)b8[i], (long)h16[i], (unsigned long)(uint16_t)h16[i],
                  (long)w32[i], (unsigned long)(uint32_t)w32[i]);
    uint64_t r;
    rt_printf("== immediates ==\n");
    asm volatile("li %0, -2048; addiw %0, %0, -1" : "=r"(r));
    rt_printf("addiw -2049 = %lx\n", r);
    asm volatile("li %0, 0x7fffffff; addiw %0, %0, 1" : "=r"(r));
    rt_printf("addiw wrap = %lx\n", r);
    asm volatile("lui %0, 0x80000" : "=r"(r));
    rt_printf("lui 0x80000 = %lx\n", r);
    asm volatile("li %0, -1; slliw %0, %0, 31" : "=r"(r));
    rt_printf("slliw -1,31 = %lx\n", r);
    asm volatile("li %0, 0x80000000; sraiw %0, %0, 4" : "=r"(r));
    rt_printf("sraiw = %lx\n", r);
    asm volatile("li %0, -1; srliw %0, %0, 1" : "=r"(r));
    rt_printf("srliw = %lx\n", r);
    asm volatile("li %0, -1; srai %0, %0, 63" : "=r"(r));
    rt_printf("srai 63 = %lx\n", r);
    asm volatile("li %0, 5; sltiu %0, %0, -1" : "=r"(r));
    rt_printf("sltiu 5,-1 = %lu\n", r);
    asm volatile("li %0, -5; slti %0, %0, 3" : "=r"(r));
    rt_printf("slti -5,3 = %lu\n", r);
    asm volatile("li %0, 0x123; xori %0, %0, -1" : "=r"(r));
    rt_printf("xori -1 = %lx\n", r);
}

/* ---- ordinary code ---------------------------------------------------------------------- */

static uint32_t crc32_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc32_table[i] = c;
    }
}

static uint32_t crc32(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t c = 0xffffffffu;
    while (n--)
        c = crc32_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint64_t lcg_state = 0x2545f4914f6cdd1dUL;
static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005UL + 1442695040888963407UL;
    return lcg_state >> 17;
}

static void shell_sort(int64_t *a, int n)
{
    for (int gap = n / 2; gap > 0; gap /= 2)
        for (int i = gap; i < n; i++) {
            int64_t t = a[i];
            int j = i;
            for (; j >= gap && a[j - gap] > t; j -= gap)
                a[j] = a[j - gap];
            a[j] = t;
        }
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static unsigned collatz_len(uint64_t n)
{
    unsigned len = 1;
    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        len++;
    }
    return len;
}

static uint64_t fib_rec(unsigned n) { return n < 2 ? n : fib_rec(n - 1) + fib_rec(n - 2); }

static uint64_t fib_iter(unsigned n)
{
    uint64_t a = 0, b = 1;
    while (n--) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

static uint32_t bitrev32(uint32_t x)
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i++, x >>= 1)
        r = (r << 1) | (x & 1);
    return r;
}

static unsigned popcount64(uint64_t x)
{
    unsigned n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

static void reverse(char *s)
{
    size_t n = rt_strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        char t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
}

static void ordinary_code(void)
{
    rt_printf("== formatting ==\n");
    rt_printf("[%d] [%5d] [%-5d] [%05d] [%x] [%08X] [%lu]\n", -42, 42, 42, -42, 0xbeefu, 0xbeefu,
              18446744073709551615UL);
    rt_printf("[%ld] [%ld] [%s] [%-8s] [%8s] [%c%c] [%%]\n", (long)0x8000000000000000UL,
              0x7fffffffffffffffL, "str", "left", "right", 'o', 'k');
    char buf[40];
    int n = rt_snprintf(buf, sizeof buf, "%016lx|%d", 0xdeadbeefUL, 7);
    rt_printf("snprintf: \"%s\" len=%d\n", buf, n);
    n = rt_snprintf(buf, 8, "truncated-%d", 12345);
    rt_printf("snprintf truncated: \"%s\" len=%d\n", buf, n);

    rt_printf("== crc32 ==\n");
    crc32_init();
    static const char *msgs[] = {"", "a", "abc", "123456789", "The quick brown fox jumps over the lazy dog",
                                 "hartlab differential test"};
    for (unsigned i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        rt_printf("crc32(\"%s\") = %08x\n", msgs[i], crc32(msgs[i], rt_strlen(msgs[i])));
    static uint8_t block[4096];
    for (unsigned i = 0; i < sizeof block; i++)
        block[i] = (uint8_t)(lcg() & 0xff);
    rt_printf("crc32(4 KiB pseudo-random) = %08x\n", crc32(block, sizeof block));

    rt_printf("== sort ==\n");
    static int64_t arr[64];
    for (int i = 0; i < 64; i++)
        arr[i] = (int64_t)(lcg() % 2001) - 1000;
    shell_sort(arr, 64);
    for (int i = 0; i < 64; i += 8)
        rt_printf("%6ld %6ld %6ld %6ld %6ld %6ld %6ld %6ld\n", arr[i], arr[i + 1], arr[i + 2],
                  arr[i + 3], arr[i + 4], arr[i + 5], arr[i + 6], arr[i + 7]);
    int sorted = 1;
    for (int i = 1; i < 64; i++)
        sorted &= arr[i - 1] <= arr[i];
    rt_printf("sorted: %s\n", sorted ? "yes" : "no");

    rt_printf("== number theory ==\n");
    for (unsigned i = 1; i <= 30; i++) {
        uint64_t a = lcg() % 1000000 + 1, b = lcg() % 1000000 + 1;
        rt_printf("gcd(%lu, %lu) = %lu; collatz(%u) = %u; fib(%u) = %lu\n", a, b, gcd(a, b),
                  i * 37, collatz_len(i * 37), i * 3, i <= 7 ? fib_rec(i * 3) : fib_iter(i * 3));
    }

    rt_printf("== bits ==\n");
    for (unsigned i = 0; i < 24; i++) {
        uint64_t x = lcg() ^ (lcg() << 40);
        rt_printf("x=%016lx rev32=%08x pop=%u\n", x, bitrev32((uint32_t)x), popcount64(x));
    }

    rt_printf("== strings ==\n");
    char s[64];
    for (unsigned i = 0; i < 10; i++) {
        rt_snprintf(s, sizeof s, "%lu-%s", lcg() % 100000, msgs[i % 6]);
        reverse(s);
        rt_printf("rev: %s cmp=%d\n", s, rt_strcmp(s, msgs[i % 6]) > 0 ? 1 : -1);
    }
}

/* ---- device tree ------------------------------------------------------------------------ */

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

/* Count /cpus/cpu@* nodes and read /memory@*'s reg (2 address and 2 size cells, as on virt). */
static void check_dtb(const uint8_t *dtb)
{
    rt_printf("== device tree ==\n");
    unsigned long a = (unsigned long)dtb;
    int in_ram = a >= RAM_BASE && a < RAM_BASE + RAM_SIZE && (a & 7) == 0;
    rt_printf("dtb pointer in RAM and aligned: %s\n", in_ram ? "yes" : "no");
    if (!in_ram)
        return;
    rt_printf("dtb magic: %08x\n", be32(dtb));
    if (be32(dtb) != 0xd00dfeed)
        return;
    const uint8_t *p = dtb + be32(dtb + 8);
    const char *strings = (const char *)dtb + be32(dtb + 12);
    int depth = 0, in_cpus = 0, in_memory = 0, cpus = 0;
    uint64_t mem_base = 0, mem_size = 0;
    for (;;) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == 1) { /* FDT_BEGIN_NODE */
            const char *name = (const char *)p;
            size_t len = rt_strlen(name);
            p += (len + 4) & ~3UL;
            depth++;
            if (depth == 2 && rt_strcmp(name, "cpus") == 0)
                in_cpus = 1;
            if (depth == 3 && in_cpus && starts_with(name, "cpu@"))
                cpus++;
            if (depth == 2 && starts_with(name, "memory@"))
                in_memory = 1;
        } else if (tok == 2) { /* FDT_END_NODE */
            if (depth == 2)
                in_cpus = in_memory = 0;
            depth--;
        } else if (tok == 3) { /* FDT_PROP */
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (depth == 2 && in_memory && rt_strcmp(strings + nameoff, "reg") == 0 && len >= 16) {
                mem_base = ((uint64_t)be32(val) << 32) | be32(val + 4);
                mem_size = ((uint64_t)be32(val + 8) << 32) | be32(val + 12);
            }
            p += 8 + ((len + 3) & ~3UL);
        } else if (tok == 4) { /* FDT_NOP */
        } else {
            break; /* FDT_END or garbage */
        }
    }
    rt_printf("dtb cpus: %d\n", cpus);
    rt_printf("dtb memory: base=%lx size=%lx\n", mem_base, mem_size);
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    rt_printf("console: deterministic integer results\n");
    arith_tables();
    immediates();
    ordinary_code();
    check_dtb(dtb);
    rt_printf("done\n");
    return 0;
}
