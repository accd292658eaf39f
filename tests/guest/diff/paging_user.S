/* Code pages for the paging program, each on its own page so it can be mapped at other
   virtual addresses: the user-mode snippets (mapped U|R|X) and a probe function (mapped
   read-only and execute-only). All of it is position independent and uses no stack: the user
   snippets run with S mode's sp untouched, which S mode's trap vector then uses. */

    .section .text.paging_pages, "ax", @progbits
    .balign 4096
    .globl user_code_page
user_code_page:

/* user_sum(ptr, n): sum of n 32-bit words at ptr, returned through ecall. */
    .globl user_sum
user_sum:
    li t0, 0
1:  lw t1, 0(a0)
    add t0, t0, t1
    addi a0, a0, 4
    addi a1, a1, -1
    bnez a1, 1b
    mv a0, t0
    ecall
    j .

/* user_load(addr): load a doubleword and return it through ecall. */
    .globl user_load
user_load:
    ld a0, 0(a0)
    ecall
    j .

/* user_csr(): read sstatus, which U mode may not. */
    .globl user_csr
user_csr:
    csrr a0, sstatus
    ecall
    j .

    .balign 4096
    .globl probe_page
probe_page:
/* probe_fn(): returns 0x1234. */
    .globl probe_fn
probe_fn:
    li a0, 0x1234
    ret

    .balign 4096

/* enter_user(entry, arg0, arg1): run entry in U mode with a0/a1 = arg0/arg1. Returns the value
   S mode's trap handler passes to user_return when U mode traps. */
    .section .text, "ax", @progbits
    .balign 4
    .globl enter_user
enter_user:
    la t0, user_ctx
    sd ra, 0(t0)
    sd sp, 8(t0)
    sd s0, 16(t0)
    sd s1, 24(t0)
    sd s2, 32(t0)
    sd s3, 40(t0)
    sd s4, 48(t0)
    sd s5, 56(t0)
    sd s6, 64(t0)
    sd s7, 72(t0)
    sd s8, 80(t0)
    sd s9, 88(t0)
    sd s10, 96(t0)
    sd s11, 104(t0)
    csrw sepc, a0
    li t1, 1 << 8            /* sstatus.SPP = U */
    csrc sstatus, t1
    mv a0, a1
    mv a1, a2
    sret

/* user_return(value): resume after the enter_user call with value. */
    .globl user_return
user_return:
    la t0, user_ctx
    ld ra, 0(t0)
    ld sp, 8(t0)
    ld s0, 16(t0)
    ld s1, 24(t0)
    ld s2, 32(t0)
    ld s3, 40(t0)
    ld s4, 48(t0)
    ld s5, 56(t0)
    ld s6, 64(t0)
    ld s7, 72(t0)
    ld s8, 80(t0)
    ld s9, 88(t0)
    ld s10, 96(t0)
    ld s11, 104(t0)
    ret

    .section .bss
    .balign 8
user_ctx:
    .skip 112
