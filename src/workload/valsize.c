/* SPDX-License-Identifier: MIT */
#include "valsize.h"

#include <string.h>

#include <math.h>

#define MIX_MAX_VALUE 1024u

static const char *const names[] = {"fixed", "wb", "wc", "wd", "wm"};

int
wl_valsize_parse(const char *name)
{
    for (int i = WL_VALSIZE_WB; i <= WL_VALSIZE_WM; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *
wl_valsize_name(int kind)
{
    return kind >= 0 && kind <= WL_VALSIZE_WM ? names[kind] : "unknown";
}

/* db_bench's ParetoCdfInversion with theta 0. */
static uint32_t
mixgraph(struct nvkv_rng *rng)
{
    const double k = 0.2615, sigma = 25.45;
    double u = nvkv_rng_unit(rng);
    if (u <= 0.0)
        u = 0x1.0p-53;
    double v = sigma * (pow(u, -k) - 1.0) / k;
    uint64_t size = v > 1e9 ? 1000000000ull : (uint64_t)v;
    if (size > MIX_MAX_VALUE)
        size %= MIX_MAX_VALUE;
    return size < 10 ? 10u : (uint32_t)size;
}

uint32_t
wl_valsize_next(const struct wl_valsize *v, struct nvkv_rng *rng)
{
    switch (v->kind) {
    case WL_VALSIZE_WB:
        return nvkv_rng_below(rng, 10) < 9 ? 8u : 2048u;
    case WL_VALSIZE_WC:
        return nvkv_rng_below(rng, 10) < 1 ? 8u : 2048u;
    case WL_VALSIZE_WD:
        return 8u << nvkv_rng_below(rng, 9);
    case WL_VALSIZE_WM:
        return mixgraph(rng);
    default:
        return v->fixed;
    }
}
