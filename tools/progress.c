/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <stdio.h>

#include <unistd.h>

#include "cli.h"

void
progress_init(struct progress *p, const char *label, bool quiet)
{
    p->enabled = !quiet;
    p->tty = isatty(STDERR_FILENO) == 1;
    p->drawn = false;
    p->label = label;
    p->t_start = p->t_last = cli_wall_seconds();
}

static void
format_eta(char *buf, size_t len, double seconds)
{
    if (seconds < 0)
        snprintf(buf, len, "?");
    else if (seconds < 120)
        snprintf(buf, len, "%.0fs", seconds);
    else
        snprintf(buf, len, "%llum%02llus", (unsigned long long)seconds / 60,
                 (unsigned long long)seconds % 60);
}

void
progress_update(struct progress *p, double frac, uint64_t virtual_ns, uint64_t ops)
{
    if (!p->enabled)
        return;
    double now = cli_wall_seconds();
    if (now - p->t_last < (p->tty ? PROGRESS_TTY_S : PROGRESS_PLAIN_S))
        return;
    p->t_last = now;
    double elapsed = now - p->t_start;
    double rate = elapsed > 0 ? (double)ops / elapsed : 0;
    char eta[32];
    format_eta(eta, sizeof(eta), frac > 0 ? elapsed * (1 - frac) / frac : -1);
    char pct[16] = "";
    if (frac >= 0)
        snprintf(pct, sizeof(pct), "%5.1f%% ", frac * 100);
    fprintf(stderr, "%s%s: %s%.3f s virtual, %llu ops, %.2f M ops/s, ETA %s%s", p->tty ? "\r" : "",
            p->label, pct, (double)virtual_ns / 1e9, (unsigned long long)ops, rate / 1e6, eta,
            p->tty ? "\033[K" : "\n");
    fflush(stderr);
    p->drawn = p->tty;
}

void
progress_done(struct progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = false;
}
