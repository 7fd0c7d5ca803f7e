/* SPDX-License-Identifier: MIT */
/*
 * Progress of a long run on stderr: on a terminal one line redrawn in place (percent, virtual
 * time, operations, simulated operations per wall second, ETA); otherwise a plain line every
 * PROGRESS_PLAIN_S seconds, so logs stay readable. Nothing with --quiet. Callers report every
 * few thousand operations; the wall clock is read only then.
 */
#ifndef NVKV_TOOLS_PROGRESS_H
#define NVKV_TOOLS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_TTY_S   0.25
#define PROGRESS_PLAIN_S 10.0

struct progress {
    bool enabled;
    bool tty;
    bool drawn; /* a redrawable line is on the terminal */
    const char *label;
    double t_start, t_last;
};

void progress_init(struct progress *p, const char *label, bool quiet);

/* frac: share done in [0, 1] (ETA from it), or negative when unknown. */
void progress_update(struct progress *p, double frac, uint64_t virtual_ns, uint64_t ops);

/* Clear the redrawn line (a terminal) before the caller prints its results. */
void progress_done(struct progress *p);

#endif
