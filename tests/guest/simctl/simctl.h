/* The simulator-control device (docs/hardware/sim-control.md): register addresses. */
#ifndef HARTLAB_SIMCTL_H
#define HARTLAB_SIMCTL_H

#define SIMCTL_BASE      0x102000
#define SIMCTL_TIMING    0x00
#define SIMCTL_EVENT     0x10
#define SIMCTL_STATS     0x18
#define SIMCTL_NOW_PS    0x20
#define SIMCTL_SAMPLE(k) (0x100 + 8 * (k))
#define STATS_RESET      1
#define STATS_DUMP       2

#endif
