/* The simulator-control device (docs/hardware/sim-control.md): its address and registers
 * (SIMCTL_*, STATS_RESET, STATS_DUMP) come from hw.h, which test.h includes; this header is
 * kept for the programs that include it. */
#ifndef HARTLAB_SIMCTL_H
#define HARTLAB_SIMCTL_H

#include "hw.h"

#endif
