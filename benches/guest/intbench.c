/* intbench: a compute-bound integer benchmark guest for measuring simulator speed (MIPS).

   One hart runs ITERATIONS rounds of a mix of ordinary integer kernels: a sieve of
   Eratosthenes, table-driven CRC32, a 16x16 integer matrix multiply, a recursive quicksort,
   a linear-probing hash table, a Horspool string search and an LZ77-style compressor with its
   decompressor. Every round's input depends on the round number, the results fold into a
   checksum printed at the end, and the run ends through the test finisher (decompression
   mismatches fail it). The mix is loads, stores, branches and calls rather than one hot loop.

   Build (same flags as tests/support build_guest):
     riscv64-unknown-elf-gcc -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -static \
       -nostdlib -nostartfiles -ffreestanding -O2 -T tests/guest/common/link.ld \
       -Itests/guest/diff [-DITERATIONS=N] [-DREPORT_INSTRET] \
       benches/guest/intbench.c tests/guest/diff/crt0.S tests/guest/diff/rt.c -o intbench
   The default ITERATIONS executes about 500 million instructions (see ITER_INSNS below).
   With -DREPORT_INSTRET the program also prints minstret's increase, which QEMU makes exact
   under `-icount shift=0`. */
#include "../../tests/guest/diff/rt.h"

/* Measured on QEMU 7.2 with -icount shift=0 -DREPORT_INSTRET: instructions per iteration. */
#define ITER_INSNS 698000UL
#ifndef ITERATIONS
#define ITERATIONS (500000000UL / ITER_INSNS)
#endif

static uint64_t rng_state;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* ---- sieve ------------------------------------------------------------------------------ */

#define SIEVE_N 8192
static uint8_t sieve_flags[SIEVE_N];

static uint32_t sieve(uint32_t limit)
{
    for (uint32_t i = 0; i < limit; i++)
        sieve_flags[i] = 1;
    sieve_flags[0] = sieve_flags[1] = 0;
    for (uint32_t i = 2; i * i < limit; i++)
        if (sieve_flags[i])
            for (uint32_t j = i * i; j < limit; j += i)
                sieve_flags[j] = 0;
    uint32_t count = 0, last = 0;
    for (uint32_t i = 0; i < limit; i++)
        if (sieve_flags[i]) {
            count++;
            last = i;
        }
    return count * 65536 + last;
}

/* ---- CRC32 ------------------------------------------------------------------------------ */

static uint32_t crc_table[256];
static uint8_t buffer[4096];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

/* ---- matrix multiply -------------------------------------------------------------------- */

#define MN 16
static int32_t ma[MN][MN], mb[MN][MN], mc[MN][MN];

static uint32_t matmul(uint32_t seed)
{
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (int32_t)((seed + (uint32_t)(i * 31 + j * 17)) % 201) - 100;
            mb[i][j] = (int32_t)((seed * 7 + (uint32_t)(i * 13 + j * 29)) % 199) - 99;
        }
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t s = 0;
            for (int k = 0; k < MN; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++)
            h = h * 33 + (uint32_t)mc[i][j];
    return h;
}

/* ---- quicksort -------------------------------------------------------------------------- */

#define SORT_N 512
static int32_t sort_buf[SORT_N];

static void insertion_sort(int32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t t = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > t) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = t;
    }
}

static void quicksort(int32_t *a, int n)
{
    while (n > 12) {
        int32_t x = a[0], y = a[n / 2], z = a[n - 1];
        int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            int32_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* Recurse into the smaller side, loop on the larger. */
        if (j + 1 < n - j - 1) {
            quicksort(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            quicksort(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(a, n);
}

static uint32_t sort_kernel(void)
{
    for (int i = 0; i < SORT_N; i++)
        sort_buf[i] = (int32_t)(rng() % 100000) - 50000;
    quicksort(sort_buf, SORT_N);
    uint32_t h = 0, ordered = 1;
    for (int i = 0; i < SORT_N; i++) {
        h = h * 31 + (uint32_t)sort_buf[i];
        if (i && sort_buf[i - 1] > sort_buf[i])
            ordered = 0;
    }
    return h ^ ordered;
}

/* ---- hash table ------------------------------------------------------------------------- */

#define HT_SIZE 1024 /* power of two */
struct ht_entry {
    uint32_t key;  /* 0 = empty */
    uint32_t value;
};
static struct ht_entry table[HT_SIZE];

static uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static void ht_put(uint32_t key, uint32_t value)
{
    uint32_t i = hash32(key) & (HT_SIZE - 1);
    while (table[i].key && table[i].key != key)
        i = (i + 1) & (HT_SIZE - 1);
    table[i].key = key;
    table[i].value = value;
}

static int ht_get(uint32_t key, uint32_t *value)
{
    uint32_t i = hash32(key) & (HT_SIZE - 1);
    while (table[i].key) {
        if (table[i].key == key) {
            *value = table[i].value;
            return 1;
        }
        i = (i + 1) & (HT_SIZE - 1);
    }
    return 0;
}

static uint32_t hash_kernel(uint32_t seed)
{
    memset(table, 0, sizeof table);
    for (uint32_t i = 0; i < 600; i++)
        ht_put((seed * 2654435761u + i * 40503u) | 1, i);
    uint32_t hits = 0, sum = 0, v;
    for (uint32_t i = 0; i < 1200; i++) {
        uint32_t key = (seed * 2654435761u + (i / 2) * 40503u + (i & 1) * 7) | 1;
        if (ht_get(key, &v)) {
            hits++;
            sum += v;
        }
    }
    return hits * 65536 + (sum & 0xffff);
}

/* ---- string search ---------------------------------------------------------------------- */

#define TEXT_N 2048
static uint8_t text[TEXT_N];

/* Horspool search: number of occurrences of pat in text. */
static uint32_t horspool_count(const uint8_t *t, int n, const uint8_t *pat, int m)
{
    int shift[256];
    for (int i = 0; i < 256; i++)
        shift[i] = m;
    for (int i = 0; i < m - 1; i++)
        shift[pat[i]] = m - 1 - i;
    uint32_t count = 0;
    int pos = 0;
    while (pos <= n - m) {
        int j = m - 1;
        while (j >= 0 && t[pos + j] == pat[j])
            j--;
        if (j < 0)
            count++;
        pos += shift[t[pos + m - 1]];
    }
    return count;
}

static uint32_t search_kernel(void)
{
    static const char alphabet[] = "abcdeabcaab e";
    for (int i = 0; i < TEXT_N; i++)
        text[i] = (uint8_t)alphabet[rng() % (sizeof alphabet - 1)];
    static const char *pats[] = {"abc", "aab", "cab e", "e a", "abcab", "dd"};
    uint32_t h = 0;
    for (unsigned p = 0; p < sizeof pats / sizeof pats[0]; p++)
        h = h * 131 + horspool_count(text, TEXT_N, (const uint8_t *)pats[p], (int)rt_strlen(pats[p]));
    return h;
}

/* ---- LZ77-style compression ------------------------------------------------------------- */

#define LZ_N 2048
#define LZ_HASH 1024
static uint8_t lz_in[LZ_N], lz_out[LZ_N * 2], lz_back[LZ_N];
static int16_t lz_head[LZ_HASH];

/* Tokens: literal run "0 len bytes..." or match "1 len off_lo off_hi". */
static int lz_compress(const uint8_t *in, int n, uint8_t *out)
{
    for (int i = 0; i < LZ_HASH; i++)
        lz_head[i] = -1;
    int o = 0, lit_start = 0, i = 0;
    while (i < n) {
        int best_len = 0, best_off = 0;
        if (i + 3 <= n) {
            uint32_t h = ((uint32_t)in[i] * 506832829u ^ (uint32_t)in[i + 1] * 2654435761u ^ in[i + 2]) &
                         (LZ_HASH - 1);
            int cand = lz_head[h];
            lz_head[h] = (int16_t)i;
            if (cand >= 0 && i - cand < 65536) {
                int len = 0;
                while (i + len < n && len < 255 && in[cand + len] == in[i + len])
                    len++;
                if (len >= 4) {
                    best_len = len;
                    best_off = i - cand;
                }
            }
        }
        if (best_len) {
            while (lit_start < i) {
                int run = i - lit_start > 255 ? 255 : i - lit_start;
                out[o++] = 0;
                out[o++] = (uint8_t)run;
                for (int k = 0; k < run; k++)
                    out[o++] = in[lit_start + k];
                lit_start += run;
            }
            out[o++] = 1;
            out[o++] = (uint8_t)best_len;
            out[o++] = (uint8_t)best_off;
            out[o++] = (uint8_t)(best_off >> 8);
            i += best_len;
            lit_start = i;
        } else {
            i++;
        }
    }
    while (lit_start < n) {
        int run = n - lit_start > 255 ? 255 : n - lit_start;
        out[o++] = 0;
        out[o++] = (uint8_t)run;
        for (int k = 0; k < run; k++)
            out[o++] = in[lit_start + k];
        lit_start += run;
    }
    return o;
}

static int lz_decompress(const uint8_t *in, int n, uint8_t *out)
{
    int i = 0, o = 0;
    while (i < n) {
        if (in[i] == 0) {
            int run = in[i + 1];
            for (int k = 0; k < run; k++)
                out[o + k] = in[i + 2 + k];
            o += run;
            i += 2 + run;
        } else {
            int len = in[i + 1], off = in[i + 2] | (in[i + 3] << 8);
            for (int k = 0; k < len; k++)
                out[o + k] = out[o - off + k];
            o += len;
            i += 4;
        }
    }
    return o;
}

static uint32_t lz_kernel(uint32_t *bad)
{
    /* Compressible input: words drawn from a small dictionary with some noise. */
    static const char *words[] = {"the ", "simulator ", "hart ", "cache ", "branch ", "load ",
                                  "store ", "retire ", "cycle ", "of "};
    int n = 0;
    while (n < LZ_N) {
        const char *w = words[rng() % 10];
        while (*w && n < LZ_N)
            lz_in[n++] = (uint8_t)*w++;
        if ((rng() & 7) == 0 && n < LZ_N)
            lz_in[n++] = (uint8_t)('A' + rng() % 26);
    }
    int clen = lz_compress(lz_in, LZ_N, lz_out);
    int dlen = lz_decompress(lz_out, clen, lz_back);
    if (dlen != LZ_N || memcmp(lz_in, lz_back, LZ_N) != 0)
        (*bad)++;
    return (uint32_t)clen * 65536 + crc32(lz_out, (size_t)clen) % 65536;
}

/* ---- driver ----------------------------------------------------------------------------- */

int main(unsigned long hart, void *dtb)
{
    (void)hart;
    (void)dtb;
    uint64_t start = csr_read(minstret);
    crc_init();
    uint64_t checksum = 0;
    uint32_t bad = 0;
    for (uint32_t it = 0; it < ITERATIONS; it++) {
        rng_state = 0x9e3779b97f4a7c15UL ^ ((uint64_t)it << 32 | it);
        uint32_t r[7];
        r[0] = sieve(SIEVE_N - (it % 64) * 16);
        for (size_t i = 0; i < sizeof buffer; i++)
            buffer[i] = (uint8_t)(rng() >> 5);
        r[1] = crc32(buffer, sizeof buffer);
        r[2] = matmul(it);
        r[3] = sort_kernel();
        r[4] = hash_kernel(it + 1);
        r[5] = search_kernel();
        r[6] = lz_kernel(&bad);
        for (int k = 0; k < 7; k++)
            checksum = (checksum ^ r[k]) * 0x100000001b3UL;
    }
    uint64_t insns = csr_read(minstret) - start;
    rt_printf("intbench: %lu iterations, checksum %016lx\n", (unsigned long)ITERATIONS, checksum);
#ifdef REPORT_INSTRET
    rt_printf("instret: %lu\n", insns);
#else
    (void)insns;
#endif
    if (bad) {
        rt_printf("lz round trip failed %u times\n", bad);
        return 5;
    }
    rt_printf("done\n");
    return 0;
}
