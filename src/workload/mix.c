/* SPDX-License-Identifier: MIT */
#include "mix.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "valsize.h"

static const char *const op_names[WL_OP_COUNT] = {
    "read", "update", "insert", "delete", "scan", "rmw",
};

const char *
wl_op_name(enum wl_op op)
{
    return (unsigned)op < WL_OP_COUNT ? op_names[op] : "unknown";
}

int
wl_op_parse(const char *name)
{
    for (int op = 0; op < WL_OP_COUNT; op++)
        if (strcmp(name, op_names[op]) == 0)
            return op;
    return -1;
}

int
wl_mix_init(struct wl_mix *m, const double share[WL_OP_COUNT], enum wl_scan_dist scan_dist,
            uint32_t scan_max)
{
    double total = 0.0;
    for (int op = 0; op < WL_OP_COUNT; op++) {
        if (!(share[op] >= 0.0 && isfinite(share[op])))
            return -EINVAL;
        total += share[op];
    }
    if (!(total > 0.0) || !isfinite(total) || scan_max < 1 ||
        (scan_dist != WL_SCAN_UNIFORM && scan_dist != WL_SCAN_PARETO && scan_dist != WL_SCAN_FIXED))
        return -EINVAL;
    int last = 0; /* the last operation with a share: it takes every draw past the cuts */
    for (int op = 0; op < WL_OP_COUNT; op++)
        if (share[op] > 0.0)
            last = op;
    double cum = 0.0;
    for (int op = 0; op < WL_OP_COUNT; op++) {
        m->share[op] = share[op];
        cum += share[op];
        double c = cum / total * 18446744073709551616.0; /* 2^64 */
        m->cut[op] = op >= last || c >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)c;
    }
    m->scan_dist = scan_dist;
    m->scan_max = scan_max;
    m->scan_k = WL_SCAN_PARETO_K;
    m->scan_sigma = WL_SCAN_PARETO_SIGMA;
    return 0;
}

static int
mix_error(char *err, size_t errlen, const char *spec, const char *detail)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "operation mix '%s': %s", spec, detail);
    return -EINVAL;
}

/* One "name=share" item of [s, end). */
static int
parse_item(const char *spec, const char *s, const char *end, double share[WL_OP_COUNT],
           bool seen[WL_OP_COUNT], char *err, size_t errlen)
{
    const char *eq = memchr(s, '=', (size_t)(end - s));
    char name[16], num[48];
    if (eq == NULL || eq == s || (size_t)(eq - s) >= sizeof(name) || eq + 1 == end ||
        (size_t)(end - eq - 1) >= sizeof(num))
        return mix_error(err, errlen, spec,
                         "expected OP=SHARE,... with OP read, update, insert, delete, scan, rmw");
    memcpy(name, s, (size_t)(eq - s));
    name[eq - s] = '\0';
    memcpy(num, eq + 1, (size_t)(end - eq - 1));
    num[end - eq - 1] = '\0';
    int op = wl_op_parse(name);
    if (op < 0)
        return mix_error(err, errlen, spec,
                         "unknown operation; allowed: read, update, insert, delete, scan, rmw");
    if (seen[op])
        return mix_error(err, errlen, spec, "an operation is given twice");
    char *stop;
    double x = strtod(num, &stop);
    if (*stop != '\0' || !(x >= 0.0) || !isfinite(x))
        return mix_error(err, errlen, spec, "a share must be a number >= 0");
    seen[op] = true;
    share[op] = x;
    return 0;
}

int
wl_mix_parse(const char *spec, double share[WL_OP_COUNT], char *err, size_t errlen)
{
    if (spec == NULL)
        return -EINVAL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    bool seen[WL_OP_COUNT] = {false};
    double parsed[WL_OP_COUNT] = {0};
    const char *s = spec;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *end = comma != NULL ? comma : s + strlen(s);
        int rc = parse_item(spec, s, end, parsed, seen, err, errlen);
        if (rc != 0)
            return rc;
        if (comma == NULL)
            break;
        s = comma + 1;
    }
    double total = 0.0;
    for (int op = 0; op < WL_OP_COUNT; op++)
        total += parsed[op];
    if (!(total > 0.0))
        return mix_error(err, errlen, spec, "at least one share must be positive");
    memcpy(share, parsed, sizeof(parsed));
    return 0;
}

enum wl_op
wl_mix_next(const struct wl_mix *m, struct nvkv_rng *rng)
{
    uint64_t x = nvkv_rng_next(rng);
    int op = 0;
    while (op < WL_OP_COUNT - 1 && x >= m->cut[op])
        op++;
    /* x == 2^64 - 1 passes even the last cut: it belongs to the last operation with a share */
    while (op > 0 && m->share[op] <= 0.0)
        op--;
    return (enum wl_op)op;
}

uint32_t
wl_scan_len_next(const struct wl_mix *m, struct nvkv_rng *rng)
{
    switch (m->scan_dist) {
    case WL_SCAN_FIXED:
        return m->scan_max;
    case WL_SCAN_PARETO: {
        /* db_bench: ParetoCdfInversion(u, iter_theta 0, iter_k, iter_sigma) % mix_max_scan_len */
        double x = ceil(wl_pareto_inverse(nvkv_rng_unit(rng), 0.0, m->scan_k, m->scan_sigma));
        uint64_t len = x <= 0.0 ? 0 : x >= 1e18 ? (uint64_t)1e18 : (uint64_t)x;
        len %= m->scan_max;
        return len < 1 ? 1u : (uint32_t)len;
    }
    default:
        return 1 + (uint32_t)nvkv_rng_below(rng, m->scan_max);
    }
}
