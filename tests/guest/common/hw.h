/* hartlab's hardware ABI for the bare-metal test programs: the board's memory map and
 * the registers of its devices. GENERATED from guest-kernel/abi (abi::c_header): do not
 * edit; `HARTLAB_WRITE_HW_HEADER=1 cargo test --test hw_header` rewrites it. */
#ifndef HARTLAB_HW_H
#define HARTLAB_HW_H

/* ---- memory map (abi::board) ---- */
#define RAM_BASE 0x80000000
#define FINISHER_BASE 0x100000
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333
#define UART_BASE 0x10000000
#define UART_IRQ 10
#define CLINT_BASE 0x2000000
#define CLINT_MSIP (CLINT_BASE + 0x0) /* + 4 * hart */
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000) /* + 8 * hart */
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define PLIC_BASE 0xc000000
#define SIMCTL_BASE 0x102000
#define UINTC_BASE 0x2f10000
#define UINTC_SLOTS 512
#define TC_BASE 0x11000000

/* ---- simulator control (abi::sim_control), offsets ---- */
#define SIMCTL_TIMING 0x0
#define SIMCTL_EVENT 0x10
#define SIMCTL_STATS 0x18
#define SIMCTL_NOW_PS 0x20
#define SIMCTL_SPAN_BEGIN 0x28
#define SIMCTL_SPAN_END 0x30
#define SIMCTL_TRACE_EVENT 0x38
#define SIMCTL_SAMPLE(k) (0x100 + 8 * (k))
#define SIMCTL_SAMPLE_KEYS 480
#define STATS_RESET 1
#define STATS_DUMP 2

/* ---- UINTC (abi::uintc) ---- */
#define UINTC_SLOT_BYTES 0x20
#define UINTC_SLOT(i) (UINTC_BASE + UINTC_SLOT_BYTES * (i))
#define UINTC_SEND 0x0
#define UINTC_LOW 0x8
#define UINTC_HIGH 0x10
#define UINTC_ACTIVE 0x18
/* LOW: [0] active, [1] mode (RV64), [31:16] hart id */
#define UINTC_LOWV(active, hart) ((active) | 0x2 | ((hart) << 16))
#define UINTR_EN 0x8000000000000000
/* sender-table entry: [0] valid, [31:16] vector, [63:48] receiver slot */
#define UISTE(valid, vec, slot) ((valid) | ((vec) << 16) | ((slot) << 48))
/* suist: EN, size in pages at [55:44], PPN */
#define SUIST_PAGES(n) ((n) << 44)

/* ---- task controller (abi::task_controller) ---- */
#define TC_REGION 0x4000
#define TC_ID_VALUE 0x5441534b43544c01
/* global region */
#define TC_ID (TC_BASE + 0x0)
#define TC_CONFIG (TC_BASE + 0x8)
#define TC_ALLOC (TC_BASE + 0x10)
#define TC_FREE (TC_BASE + 0x18)
#define TC_ERROR (TC_BASE + 0x20)
#define TC_CAP (TC_BASE + 0x28)
#define TC_IRQ_GRANT (TC_BASE + 0x30)
#define TC_PULSE (TC_BASE + 0x38)
#define TC_HART_KSET(i) (TC_BASE + 0x1000 + 8 * (i))
#define TC_HART_USET(i) (TC_BASE + 0x2000 + 8 * (i))
/* region of set s */
#define TC_SET(s) (TC_BASE + TC_REGION * (1 + (s)))
#define TC_SET_CTRL(s) (TC_SET(s) + 0x0)
#define TC_SET_STATUS(s) (TC_SET(s) + 0x8)
#define TC_SET_ERROR(s) (TC_SET(s) + 0x10)
#define TC_SET_SEND(s) (TC_SET(s) + 0x18)
#define TC_SET_ACK(s) (TC_SET(s) + 0x20)
#define TC_SET_CHAN_PENDING(s) (TC_SET(s) + 0x28)
#define TC_SET_BEST(s) (TC_SET(s) + 0x30)
#define TC_SET_IRQ_HANDLER(s, i) (TC_SET(s) + 0x400 + 8 * (i))
#define TC_SET_CHAN_HANDLER(s, i) (TC_SET(s) + 0x800 + 8 * (i))
#define TC_SET_ENQUEUE(s, i) (TC_SET(s) + 0x1000 + 8 * (i))
#define TC_SET_DEQUEUE(s, i) (TC_SET(s) + 0x2000 + 8 * (i))
#define TC_SET_COUNT(s, i) (TC_SET(s) + 0x3000 + 8 * (i))
/* CTRL / STATUS policy codes */
#define POLICY_DFCFS 1
#define POLICY_STEAL 2
#define POLICY_CFCFS 3
/* ERROR bits */
#define E_QUEUE_FULL 0x1
#define E_NOT_INIT 0x2
#define E_NO_PERMISSION 0x4
#define E_BAD_INDEX 0x8
#define E_BAD_TASK 0x10
/* a task id: record n (a 64-byte-aligned address / 64), priority, preempt flag */
#define TASK(n, prio, pre) (((n) << 6) | ((prio) << 1) | (pre))
/* SEND / CAP / IRQ_GRANT operands */
#define CHAN(set, c) (((set) << 16) | (c))
#define CAP(from, to, c) (((from) << 32) | CHAN(to, c))
#define GRANT(set, src) (((set) << 32) | (src))
#define REVOKE 0x8000000000000000

#endif /* HARTLAB_HW_H */
