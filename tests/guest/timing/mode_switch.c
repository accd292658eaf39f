/* Functional-to-timed switch through the simulator-control device: time a chain of 64
   dependent multiplies, ask for timed mode with one store, time the chain again. Prints
   "mode <before> <after>" (the TIMING register) and "chain <cycles before> <cycles after>". */
#include "rt.h"

#define SIM_CONTROL_TIMING 0x102000UL

static __attribute__((noinline)) uint64_t mul_chain(void) {
    uint64_t a = 3, b = 5;
    uint64_t t0 = csr_read(mcycle);
    asm volatile(".rept 64\n mul %0, %0, %1\n .endr" : "+r"(a) : "r"(b));
    uint64_t t1 = csr_read(mcycle);
    asm volatile("" ::"r"(a));
    return t1 - t0;
}

int main(unsigned long hartid, void *dtb) {
    (void)dtb;
    if (hartid != 0)
        return 0;
    mul_chain();
    uint64_t before = mul_chain();
    uint64_t mode_before = mmio_read64(SIM_CONTROL_TIMING);
    mmio_write64(SIM_CONTROL_TIMING, 1);
    uint64_t mode_after = mmio_read64(SIM_CONTROL_TIMING);
    mul_chain();
    uint64_t after = mul_chain();
    rt_printf("mode %lu %lu\n", (unsigned long)mode_before, (unsigned long)mode_after);
    rt_printf("chain %lu %lu\n", (unsigned long)before, (unsigned long)after);
    return 0;
}
