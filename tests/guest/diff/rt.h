/* Small bare-metal runtime shared by hartlab's differential test programs (and the intbench
   benchmark): QEMU-virt addresses, CSR and MMIO helpers, UART output with a printf-like
   formatter, locks, a barrier, trap frames and the test finisher.

   Entry contract (crt0.S): every hart below NHARTS calls main(hartid, dtb) in M mode on its own
   stack, with mtvec pointing at the runtime's trap vector. When hart 0 returns from main, its
   return value ends the run through the finisher (0 = pass); other harts that return park. */
#ifndef HARTLAB_DIFF_RT_H
#define HARTLAB_DIFF_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef NHARTS
#define NHARTS 1
#endif
#define MAX_HARTS 8
#define STACK_SIZE 16384

/* QEMU virt memory map. */
#define UART_BASE 0x10000000UL
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define CLINT_BASE 0x02000000UL
#define CLINT_MSIP(h) (CLINT_BASE + 4UL * (h))
#define CLINT_MTIMECMP(h) (CLINT_BASE + 0x4000UL + 8UL * (h))
#define CLINT_MTIME (CLINT_BASE + 0xBFF8UL)
#define FINISHER_BASE 0x100000UL
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333
#define RAM_BASE 0x80000000UL
#define RAM_SIZE 0x10000000UL
#define TIMEBASE_HZ 10000000UL

/* mstatus / sstatus bits. */
#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3UL << MSTATUS_MPP_SHIFT)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)

/* mip / mie bits. */
#define MIP_SSIP (1UL << 1)
#define MIP_MSIP (1UL << 3)
#define MIP_STIP (1UL << 5)
#define MIP_MTIP (1UL << 7)
#define MIP_MEIP (1UL << 11)

#define CAUSE_INTERRUPT (1UL << 63)
#define CAUSE_M_SOFT (CAUSE_INTERRUPT | 3)
#define CAUSE_M_TIMER (CAUSE_INTERRUPT | 7)
#define CAUSE_ILLEGAL 2
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE 12
#define CAUSE_LOAD_PAGE 13
#define CAUSE_STORE_PAGE 15

#define STR_(x) #x
#define STR(x) STR_(x)
#define csr_read(csr)                                                    \
    ({                                                                   \
        unsigned long __v;                                               \
        asm volatile("csrr %0, " STR(csr) : "=r"(__v)::"memory");        \
        __v;                                                             \
    })
#define csr_write(csr, val) asm volatile("csrw " STR(csr) ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, val) asm volatile("csrs " STR(csr) ", %0" ::"rK"(val) : "memory")
#define csr_clear(csr, val) asm volatile("csrc " STR(csr) ", %0" ::"rK"(val) : "memory")

static inline void fence(void) { asm volatile("fence rw, rw" ::: "memory"); }
static inline void wfi(void) { asm volatile("wfi" ::: "memory"); }
static inline void cpu_relax(void) { asm volatile("nop" ::: "memory"); }

static inline uint8_t mmio_read8(unsigned long a) { return *(volatile uint8_t *)a; }
static inline void mmio_write8(unsigned long a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t mmio_read32(unsigned long a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(unsigned long a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t mmio_read64(unsigned long a) { return *(volatile uint64_t *)a; }
static inline void mmio_write64(unsigned long a, uint64_t v) { *(volatile uint64_t *)a = v; }

static inline uint64_t mtime(void) { return mmio_read64(CLINT_MTIME); }
static inline void set_mtimecmp(unsigned long hart, uint64_t v) { mmio_write64(CLINT_MTIMECMP(hart), v); }
static inline void set_msip(unsigned long hart, uint32_t v) { mmio_write32(CLINT_MSIP(hart), v); }
static inline uint32_t get_msip(unsigned long hart) { return mmio_read32(CLINT_MSIP(hart)); }

/* Console. Only one hart may be printing at a time for the output to be deterministic; the
   lock in rt_printf only keeps a failing hart's message from tearing another line. */
void uart_putc(char c);
void uart_puts(const char *s);
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vprintf(const char *fmt, va_list ap);
/* Format into buf (at most size bytes including the NUL); returns the untruncated length. */
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* End the run: code 0 passes, anything else fails with that code. */
void rt_exit(int code) __attribute__((noreturn));
void rt_fail(int code, const char *why) __attribute__((noreturn));
#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond))                                                      \
            rt_fail(99, __FILE__ ":" STR(__LINE__) ": " #cond);            \
    } while (0)

/* A test-and-set spinlock (amoswap.w.aq / sw with release). */
typedef struct {
    volatile uint32_t v;
} spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);

/* A reusable barrier for n harts. */
typedef struct {
    volatile uint32_t count;
    volatile uint32_t gen;
} barrier_t;
void barrier_wait(barrier_t *b, uint32_t n);

/* Trap frame built by the trap vectors in crt0.S: x[i] is register xi (x[2] is sp at the
   trap), then the trap CSRs of the mode that took the trap. Handlers may change epc, status
   and x[] (except sp); the vector restores them. */
struct trap_frame {
    uint64_t x[32];
    uint64_t epc, cause, tval, status;
};
typedef void (*trap_fn)(struct trap_frame *);
/* Hooks called by the M- and S-mode trap vectors; when null, the trap is reported as
   unexpected and the run fails. */
extern volatile trap_fn m_trap_hook;
extern volatile trap_fn s_trap_hook;
extern char m_trap_vector[], s_trap_vector[];
void rt_unexpected_trap(struct trap_frame *f, const char *mode) __attribute__((noreturn));

/* Length in bytes of the instruction at pc (2 for compressed, else 4). */
static inline unsigned insn_len(uint64_t pc) { return ((*(volatile uint16_t *)pc) & 3) == 3 ? 4 : 2; }

/* Freestanding helpers gcc may call. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t rt_strlen(const char *s);
int rt_strcmp(const char *a, const char *b);

extern char _end[];

#endif
