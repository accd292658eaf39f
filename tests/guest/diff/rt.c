/* Runtime of hartlab's differential test programs: UART console, printf-like formatter,
   finisher, locks, barrier, trap dispatch and the freestanding memory functions. */
#include "rt.h"

volatile trap_fn m_trap_hook;
volatile trap_fn s_trap_hook;
static spinlock_t print_lock;

/* ---- console ---------------------------------------------------------------------------- */

void uart_putc(char c)
{
    while (!(mmio_read8(UART_BASE + UART_LSR) & UART_LSR_THRE))
        ;
    mmio_write8(UART_BASE + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

/* Output sink of the formatter: either the UART or a bounded buffer. */
struct sink {
    char *buf;
    size_t size, len;
};

static void sink_put(struct sink *k, char c)
{
    if (k->buf) {
        if (k->len + 1 < k->size)
            k->buf[k->len] = c;
    } else {
        uart_putc(c);
    }
    k->len++;
}

static void sink_pad(struct sink *k, char c, int n)
{
    while (n-- > 0)
        sink_put(k, c);
}

/* Supports %[-][0][width][l|ll|z]{d,i,u,x,X,c,s,p,%}. */
static int format(struct sink *k, const char *fmt, va_list ap)
{
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            sink_put(k, *fmt);
            continue;
        }
        fmt++;
        int left = 0, zero = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng = 1;
            fmt++;
        }
        char tmp[24];
        int n = 0, neg = 0;
        const char *str = tmp;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
            uint64_t u = (uint64_t)v;
            if (v < 0) {
                neg = 1;
                u = 0 - u; /* also right for INT64_MIN */
            }
            do {
                tmp[n++] = lower[u % 10];
                u /= 10;
            } while (u);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            uint64_t u;
            unsigned base = *fmt == 'u' ? 10 : 16;
            const char *digits = *fmt == 'X' ? upper : lower;
            if (*fmt == 'p')
                u = (uint64_t)va_arg(ap, void *);
            else
                u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            do {
                tmp[n++] = digits[u % base];
                u /= base;
            } while (u);
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            n = 1;
            break;
        case 's':
            str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            n = (int)rt_strlen(str);
            break;
        case '%':
            tmp[0] = '%';
            n = 1;
            break;
        default: /* unknown conversion: print it verbatim */
            sink_put(k, '%');
            if (!*fmt)
                return (int)k->len;
            sink_put(k, *fmt);
            continue;
        }
        int numeric = str == tmp && *fmt != 'c' && *fmt != '%';
        int total = n + neg;
        if (!left && !(zero && numeric))
            sink_pad(k, ' ', width - total);
        if (neg)
            sink_put(k, '-');
        if (!left && zero && numeric)
            sink_pad(k, '0', width - total);
        if (str == tmp && numeric) {
            while (n > 0)
                sink_put(k, tmp[--n]);
        } else {
            for (int i = 0; i < n; i++)
                sink_put(k, str[i]);
        }
        if (left)
            sink_pad(k, ' ', width - total);
    }
    return (int)k->len;
}

int rt_vprintf(const char *fmt, va_list ap)
{
    struct sink k = {0, 0, 0};
    spin_lock(&print_lock);
    int n = format(&k, fmt, ap);
    spin_unlock(&print_lock);
    return n;
}

int rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    struct sink k = {buf, size, 0};
    va_list ap;
    va_start(ap, fmt);
    int n = format(&k, fmt, ap);
    va_end(ap);
    if (size)
        buf[k.len < size ? k.len : size - 1] = 0;
    return n;
}

/* ---- finisher --------------------------------------------------------------------------- */

void rt_exit(int code)
{
    fence();
    if (code == 0)
        mmio_write32(FINISHER_BASE, FINISHER_PASS);
    else
        mmio_write32(FINISHER_BASE, ((uint32_t)(code & 0xffff) << 16) | FINISHER_FAIL);
    for (;;)
        wfi();
}

void rt_fail(int code, const char *why)
{
    rt_printf("FAIL(%d): %s\n", code, why);
    rt_exit(code ? code : 1);
}

/* ---- locks and barrier ------------------------------------------------------------------ */

void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
        while (l->v)
            cpu_relax();
}

void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->v, 0, __ATOMIC_RELEASE); }

void barrier_wait(barrier_t *b, uint32_t n)
{
    uint32_t gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
    if (__atomic_fetch_add(&b->count, 1, __ATOMIC_ACQ_REL) == n - 1) {
        b->count = 0;
        __atomic_store_n(&b->gen, gen + 1, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen)
            cpu_relax();
    }
}

/* ---- traps ------------------------------------------------------------------------------ */

void rt_unexpected_trap(struct trap_frame *f, const char *mode)
{
    rt_printf("unexpected %s-mode trap: cause=%lx epc=%lx tval=%lx status=%lx\n", mode, f->cause,
              f->epc, f->tval, f->status);
    rt_exit(98);
}

void rt_m_trap(struct trap_frame *f)
{
    trap_fn h = m_trap_hook;
    if (!h)
        rt_unexpected_trap(f, "M");
    h(f);
}

void rt_s_trap(struct trap_frame *f)
{
    trap_fn h = s_trap_hook;
    if (!h)
        rt_unexpected_trap(f, "S");
    h(f);
}

/* ---- memory and strings ----------------------------------------------------------------- */
/* Byte loops only: the simulator traps misaligned accesses, so nothing here may widen them.
   The loops are written so gcc cannot turn them back into calls to themselves. */

void *memset(void *d, int c, size_t n)
{
    volatile unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    volatile unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    volatile unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q) {
        while (n--)
            *p++ = *q++;
    } else {
        p += n;
        q += n;
        while (n--)
            *--p = *--q;
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

size_t rt_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int rt_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}
