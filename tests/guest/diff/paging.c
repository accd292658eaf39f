/* paging: Sv39 virtual memory in S and U mode (1 hart).

   M mode opens PMP, builds Sv39 tables (identity gigapages for devices and RAM, a megapage and
   4 KiB pages at the top of the address space), delegates page faults, illegal instructions
   and U ecalls to S, and mrets to S. S mode proves: aliased mappings see the same memory;
   megapage and 4 KiB translations; read-only, unmapped and non-canonical addresses fault with
   the right cause and stval; the hardware sets A on access and D on store (as QEMU does);
   sfence.vma makes a changed PTE visible; demand paging maps pages from the fault handler;
   SUM and MXR; fetch faults on non-executable pages; U mode runs on U pages, traps on S pages
   and on privileged CSRs, and returns through ecall; M mode's MPRV load translates. */
#include "rt.h"

#define PAGE 4096UL
#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_U 0x10UL
#define PTE_G 0x20UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define SATP_SV39 (8UL << 60)

/* Virtual layout at the top of the address space (root entry 511). */
#define HI 0xffffffffc0000000UL
#define VA_ALIAS0 (HI + 0 * PAGE)    /* P0 */
#define VA_ALIAS1 (HI + 1 * PAGE)    /* P0 again */
#define VA_RO (HI + 2 * PAGE)        /* P1, read-only */
#define VA_AD (HI + 3 * PAGE)        /* P2, A and D clear */
#define VA_REMAP (HI + 4 * PAGE)     /* P3, later P4 */
#define VA_UDATA (HI + 5 * PAGE)     /* P5, user data */
#define VA_UCODE (HI + 6 * PAGE)     /* user code page, U|R|X */
#define VA_PROBE_R (HI + 7 * PAGE)   /* probe page, R only */
#define VA_PROBE_X (HI + 8 * PAGE)   /* probe page, X only */
#define DEMAND_FIRST 16              /* pages 16..23: mapped on demand */
#define DEMAND_PAGES 8
#define VA_DEMAND (HI + DEMAND_FIRST * PAGE)
#define VA_MEGA (HI + 0x200000UL)    /* 2 MiB page onto MEGA_PA */
#define MEGA_PA 0x80400000UL

static uint64_t pt[3][512] __attribute__((aligned(4096)));       /* root, high L1, high L0 */
static uint8_t phys[6][PAGE] __attribute__((aligned(4096)));      /* P0..P5 */
static uint8_t demand_pool[DEMAND_PAGES][PAGE] __attribute__((aligned(4096)));
static unsigned demand_used;

extern char user_code_page[], user_sum[], user_load[], user_csr[], probe_page[], probe_fn[];
extern uint64_t enter_user(uint64_t entry, uint64_t a0, uint64_t a1);
extern void user_return(uint64_t value) __attribute__((noreturn));

static uint64_t pte(uint64_t pa, uint64_t flags) { return ((pa >> 12) << 10) | flags; }
static uint64_t *l0 = pt[2];

/* Single accesses the compiler cannot merge or move; a skipped faulting load leaves the
   sentinel in place. */
static uint64_t ld64(uint64_t va)
{
    uint64_t v = 0x5e5e5e5e5e5e5e5eUL;
    asm volatile("ld %0, 0(%1)" : "+r"(v) : "r"(va) : "memory");
    return v;
}
static void sd64(uint64_t va, uint64_t v) { asm volatile("sd %0, 0(%1)" ::"r"(v), "r"(va) : "memory"); }
static void sfence_va(uint64_t va) { asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory"); }
static void sfence_all(void) { asm volatile("sfence.vma" ::: "memory"); }

/* ---- S-mode trap handling --------------------------------------------------------------- */

enum { EXPECT_NONE, EXPECT_SKIP, EXPECT_FETCH };
static volatile int expect;
static volatile uint64_t got_cause, got_tval, got_epc_is_tval;
static struct {
    uint64_t cause;
    unsigned page;
} demand_log[32];
static unsigned demand_faults;

static void s_handler(struct trap_frame *f)
{
    if (!(f->status & MSTATUS_SPP)) {
        /* From U mode: an ecall returns its a0, anything else kills the snippet. */
        got_cause = f->cause;
        got_tval = f->cause == CAUSE_ILLEGAL ? 0 : f->tval; /* stval of illegal insn varies */
        user_return(f->cause == CAUSE_ECALL_U ? f->x[10] : (uint64_t)-1);
    }
    uint64_t va = f->tval;
    if ((f->cause == CAUSE_LOAD_PAGE || f->cause == CAUSE_STORE_PAGE) && va >= VA_DEMAND &&
        va < VA_DEMAND + DEMAND_PAGES * PAGE) {
        unsigned idx = (unsigned)((va - HI) / PAGE);
        uint64_t *e = &l0[idx];
        if (!(*e & PTE_V)) {
            if (demand_used == DEMAND_PAGES)
                rt_fail(20, "demand pool exhausted");
            uint8_t *p = demand_pool[demand_used++];
            memset(p, 0, PAGE);
            *e = pte((uint64_t)p, PTE_V | PTE_R | PTE_A);
        }
        if (f->cause == CAUSE_STORE_PAGE)
            *e |= PTE_W | PTE_D;
        fence();
        sfence_va(va);
        if (demand_faults < 32) {
            demand_log[demand_faults].cause = f->cause;
            demand_log[demand_faults].page = idx - DEMAND_FIRST;
        }
        demand_faults++;
        return;
    }
    if (expect == EXPECT_SKIP) {
        got_cause = f->cause;
        got_tval = f->tval;
        f->epc += insn_len(f->epc);
        expect = EXPECT_NONE;
        return;
    }
    if (expect == EXPECT_FETCH && f->cause == CAUSE_FETCH_PAGE) {
        got_cause = f->cause;
        got_tval = f->tval;
        got_epc_is_tval = f->epc == f->tval;
        f->epc = f->x[1]; /* return to the caller ... */
        f->x[10] = 0xdead; /* ... with a0 = 0xdead */
        expect = EXPECT_NONE;
        return;
    }
    rt_unexpected_trap(f, "S");
}

/* Run one access that must fault; print what happened. */
static void expect_load_fault(const char *what, uint64_t va)
{
    got_cause = got_tval = 0;
    expect = EXPECT_SKIP;
    uint64_t v = ld64(va);
    rt_printf("%s: cause=%lu stval=%s value=%lx\n", what, got_cause,
              got_tval == va ? "addr" : "OTHER", v);
    expect = EXPECT_NONE;
}

static void expect_store_fault(const char *what, uint64_t va)
{
    got_cause = got_tval = 0;
    expect = EXPECT_SKIP;
    sd64(va, 0x77);
    rt_printf("%s: cause=%lu stval=%s\n", what, got_cause, got_tval == va ? "addr" : "OTHER");
    expect = EXPECT_NONE;
}

static const char *yes(int c) { return c ? "yes" : "no"; }

static void print_ad(const char *when, uint64_t e)
{
    rt_printf("A/D %s: A=%d D=%d\n", when, (int)((e >> 6) & 1), (int)((e >> 7) & 1));
}

static void s_main(void) __attribute__((noreturn));
static void s_main(void)
{
    s_trap_hook = s_handler;
    csr_write(stvec, (uint64_t)s_trap_vector);
    uint64_t satp = SATP_SV39 | ((uint64_t)pt[0] >> 12);
    csr_write(satp, satp);
    sfence_all();
    rt_printf("S mode: satp reads back: %s, mode %lu\n", yes(csr_read(satp) == satp),
              csr_read(satp) >> 60);

    /* Aliases: one physical page under two virtual addresses and its identity address. */
    for (int i = 0; i < 8; i++)
        sd64(VA_ALIAS0 + 8 * i, 0x1111111100000000UL + (uint64_t)i * 0x01010101UL);
    uint64_t x = 0;
    int same = 1;
    for (int i = 0; i < 8; i++) {
        uint64_t a = ld64(VA_ALIAS1 + 8 * i), b = ld64((uint64_t)phys[0] + 8 * i);
        same &= a == b && a == 0x1111111100000000UL + (uint64_t)i * 0x01010101UL;
        x ^= a;
    }
    rt_printf("alias: second mapping and identity see the writes: %s (xor %lx)\n", yes(same), x);
    sd64(VA_ALIAS1 + 0xff8, 0xabcdef);
    rt_printf("alias: write through second mapping read through first: %lx\n",
              ld64(VA_ALIAS0 + 0xff8));

    /* Megapage. */
    sd64(VA_MEGA + 0x1238, 0x4d454741UL);
    sd64(MEGA_PA + 0x1ff000, 0x454e44UL);
    rt_printf("megapage: identity reads %lx, end of megapage reads %lx\n",
              ld64(MEGA_PA + 0x1238), ld64(VA_MEGA + 0x1ff000));

    /* Read-only page. */
    rt_printf("read-only page reads %lx\n", ld64(VA_RO + 16));
    expect_store_fault("store to read-only page", VA_RO + 16);
    rt_printf("read-only page still reads %lx\n", ld64(VA_RO + 16));

    /* Unmapped and non-canonical addresses. */
    expect_load_fault("load from unmapped gigabyte 0x40000000", 0x40000000UL);
    expect_load_fault("load from unmapped 4 KiB page", HI + 12 * PAGE);
    expect_store_fault("store to unmapped 4 KiB page", HI + 13 * PAGE + 8);
    expect_load_fault("load from non-canonical 0x4000000000", 0x4000000000UL);
    expect_load_fault("load from non-canonical 0x8000000000000000", 0x8000000000000000UL);

    /* Accessed and dirty bits, set by the hardware. */
    print_ad("initially", l0[3]);
    uint64_t v = ld64(VA_AD);
    print_ad("after load", l0[3]);
    sd64(VA_AD + 8, v + 1);
    print_ad("after store", l0[3]);
    l0[3] &= ~(PTE_A | PTE_D);
    fence();
    sfence_va(VA_AD);
    (void)ld64(VA_AD + 8);
    print_ad("after clearing, sfence.vma and a load", l0[3]);
    rt_printf("A/D page reads back %lx\n", ld64(VA_AD + 8));

    /* sfence.vma makes a remapped PTE visible. */
    rt_printf("remap: before %lx\n", ld64(VA_REMAP));
    l0[4] = pte((uint64_t)phys[4], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    fence();
    sfence_va(VA_REMAP);
    rt_printf("remap: after sfence.vma addr: %lx\n", ld64(VA_REMAP));
    l0[4] = pte((uint64_t)phys[3], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    fence();
    sfence_all();
    rt_printf("remap: back after global sfence.vma: %lx\n", ld64(VA_REMAP));

    /* Demand paging: first touches fault, the handler maps a zeroed page (read-only on a load
       fault, upgraded on a store fault). */
    static const struct {
        char op;
        unsigned page;
    } touches[] = {{'r', 3}, {'w', 3}, {'w', 0}, {'r', 0}, {'w', 7}, {'r', 5}, {'w', 5}, {'r', 3}, {'r', 7}};
    uint64_t acc = 0;
    for (unsigned i = 0; i < sizeof touches / sizeof touches[0]; i++) {
        uint64_t va = VA_DEMAND + touches[i].page * PAGE + 16 + 8 * touches[i].page;
        if (touches[i].op == 'w') {
            sd64(va, 0xd0d0UL + i);
        } else {
            uint64_t r = ld64(va);
            acc = acc * 31 + r;
            rt_printf("demand: read %u of page %u -> %lx\n", i, touches[i].page, r);
        }
    }
    rt_printf("demand: %u faults, %u pages mapped, read checksum %lx\n", demand_faults, demand_used, acc);
    for (unsigned i = 0; i < demand_faults && i < 32; i++)
        rt_printf("demand fault %u: cause=%lu page=%u\n", i, demand_log[i].cause, demand_log[i].page);
    rt_printf("demand: page 5 via identity address: %lx\n",
              *(volatile uint64_t *)(demand_pool[3] + 16 + 8 * 5));

    /* Instruction fetch: non-executable alias faults, execute-only alias runs. */
    uint64_t off = (uint64_t)(probe_fn - probe_page);
    uint64_t (*fn_r)(void) = (uint64_t(*)(void))(VA_PROBE_R + off);
    uint64_t (*fn_x)(void) = (uint64_t(*)(void))(VA_PROBE_X + off);
    expect = EXPECT_FETCH;
    uint64_t r = fn_r();
    rt_printf("call through read-only alias: returned %lx, cause=%lu stval=%s sepc=stval: %s\n", r,
              got_cause, got_tval == VA_PROBE_R + off ? "addr" : "OTHER", yes(got_epc_is_tval));
    expect = EXPECT_NONE;
    rt_printf("call through execute-only alias: returned %lx\n", fn_x());
    rt_printf("load through read-only alias of code matches: %s\n",
              yes(ld64(VA_PROBE_R + off) == *(volatile uint64_t *)probe_fn));

    /* MXR: execute-only pages become readable. */
    expect_load_fault("load from execute-only page, MXR=0", VA_PROBE_X + off);
    csr_set(sstatus, MSTATUS_MXR);
    rt_printf("load from execute-only page, MXR=1 matches code: %s\n",
              yes(ld64(VA_PROBE_X + off) == *(volatile uint64_t *)probe_fn));
    csr_clear(sstatus, MSTATUS_MXR);

    /* SUM: S mode touches U pages only with sstatus.SUM. */
    expect_load_fault("S load from U page, SUM=0", VA_UDATA);
    csr_set(sstatus, MSTATUS_SUM);
    rt_printf("S load from U page, SUM=1: %lx\n", ld64(VA_UDATA));
    csr_clear(sstatus, MSTATUS_SUM);

    /* U mode. */
    uint64_t ucode = VA_UCODE;
    r = enter_user(ucode + (uint64_t)(user_sum - user_code_page), VA_UDATA, 16);
    rt_printf("U sum of 16 words: %lu (cause %lu)\n", r, got_cause);
    r = enter_user(ucode + (uint64_t)(user_load - user_code_page), VA_UDATA + 8, 0);
    rt_printf("U load from U page: %lx (cause %lu)\n", r, got_cause);
    r = enter_user(ucode + (uint64_t)(user_load - user_code_page), VA_ALIAS0, 0);
    rt_printf("U load from S page: %lx (cause %lu, stval %s)\n", r, got_cause,
              got_tval == VA_ALIAS0 ? "addr" : "OTHER");
    r = enter_user(ucode + (uint64_t)(user_csr - user_code_page), 0, 0);
    rt_printf("U reads sstatus: %lx (cause %lu)\n", r, got_cause);
    r = enter_user(VA_PROBE_X + off, 0, 0);
    rt_printf("U calls S-only code: %lx (cause %lu, stval %s)\n", r, got_cause,
              got_tval == VA_PROBE_X + off ? "addr" : "OTHER");

    /* Back to M mode: an MPRV load through S's translation, then the exit. */
    register uint64_t a0 asm("a0") = VA_ALIAS1 + 0xff8;
    register uint64_t a7 asm("a7") = 1;
    asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    rt_printf("M-mode MPRV load of a high virtual address: %lx\n", a0);
    rt_printf("done\n");
    a0 = 0;
    a7 = 0;
    asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    rt_fail(21, "exit ecall returned");
}

/* ---- M mode ----------------------------------------------------------------------------- */

static void m_handler(struct trap_frame *f)
{
    if (f->cause != CAUSE_ECALL_S)
        rt_unexpected_trap(f, "M");
    if (f->x[17] == 0)
        rt_exit((int)f->x[10]);
    /* a7 = 1: load a0 through S mode's translation (MPP is S after the trap). */
    uint64_t va = f->x[10], v;
    asm volatile("csrs mstatus, %1\n"
                 "ld %0, 0(%2)\n"
                 "csrc mstatus, %1\n"
                 : "=&r"(v)
                 : "r"(MSTATUS_MPRV), "r"(va)
                 : "memory");
    f->x[10] = v;
    f->epc += 4;
}

int main(unsigned long hart, void *dtb)
{
    (void)hart;
    (void)dtb;
    rt_printf("paging: Sv39, 1 hart\n");
    if ((unsigned long)_end > MEGA_PA)
        rt_fail(22, "image overlaps the megapage target");

    /* PMP: one NAPOT region covering everything, RWX, so S and U can access memory. */
    csr_write(pmpaddr0, ~0UL);
    csr_write(pmpcfg0, 0x1f);

    /* Contents. */
    for (int i = 0; i < 512; i++) {
        ((uint64_t *)phys[1])[i] = 0x0101010100000000UL | (uint64_t)i;
        ((uint64_t *)phys[2])[i] = 0x0202020200000000UL | (uint64_t)i;
        ((uint64_t *)phys[3])[i] = 0x0303030300000000UL | (uint64_t)i;
        ((uint64_t *)phys[4])[i] = 0x0404040400000000UL | (uint64_t)i;
    }
    for (int i = 0; i < 16; i++)
        ((uint32_t *)phys[5])[i] = (uint32_t)(i * i + 1);
    ((uint64_t *)phys[5])[1] = 0x5555aaaa5555aaaaUL;

    /* Page tables. */
    pt[0][0] = pte(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);        /* devices */
    pt[0][2] = pte(RAM_BASE, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G);
    pt[0][511] = pte((uint64_t)pt[1], PTE_V);
    pt[1][0] = pte((uint64_t)pt[2], PTE_V);
    pt[1][1] = pte(MEGA_PA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[0] = pte((uint64_t)phys[0], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[1] = pte((uint64_t)phys[0], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[2] = pte((uint64_t)phys[1], PTE_V | PTE_R | PTE_A);
    l0[3] = pte((uint64_t)phys[2], PTE_V | PTE_R | PTE_W);
    l0[4] = pte((uint64_t)phys[3], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[5] = pte((uint64_t)phys[5], PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[6] = pte((uint64_t)user_code_page, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    l0[7] = pte((uint64_t)probe_page, PTE_V | PTE_R | PTE_A);
    l0[8] = pte((uint64_t)probe_page, PTE_V | PTE_X | PTE_A);

    /* Page faults, illegal instructions and U ecalls go to S; S's ecalls come here. */
    csr_write(medeleg, (1UL << CAUSE_ILLEGAL) | (1UL << CAUSE_ECALL_U) | (1UL << CAUSE_FETCH_PAGE) |
                           (1UL << CAUSE_LOAD_PAGE) | (1UL << CAUSE_STORE_PAGE));
    csr_write(mideleg, 0);
    m_trap_hook = m_handler;
    fence();

    /* Drop to S mode at s_main, on this stack. */
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, 1UL << MSTATUS_MPP_SHIFT);
    csr_write(mepc, (uint64_t)s_main);
    asm volatile("mret" ::: "memory");
    __builtin_unreachable();
}
