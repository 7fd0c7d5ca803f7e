/* SPDX-License-Identifier: MIT */
#include "valsize.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

/* db_bench mixgraph (BandSlim W(M)): generalized Pareto theta 0, k 0.2615, sigma 25.45. */
#define WM_K          0.2615
#define WM_SIGMA      25.45
#define WM_MIN_VALUE  10u
#define MIX_MAX_VALUE 1024u /* db_bench --mix_max_value_size default */

/* BandSlim's two sizes and W(D)'s largest. */
#define SMALL_VALUE 8u
#define LARGE_VALUE 2048u

/* A raw Pareto draw is capped here before the modulo (ceil of a huge double is no size). */
#define PARETO_RAW_CAP 1000000000000000000.0

static const char *const names[] = {"fixed", "wb", "wc", "wd", "wm", "uniform", "pareto"};

#define N_KINDS (int)(sizeof(names) / sizeof(names[0]))

#define SPEC_FORMS \
    "allowed: a size in bytes, wb, wc, wd, wm, uniform:MIN-MAX, pareto:K,SIGMA[,MIN,MAX]"

static const char spec_forms[] = SPEC_FORMS;
static const char spec_unknown[] = "unknown; " SPEC_FORMS;

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
    return kind >= 0 && kind < N_KINDS ? names[kind] : "unknown";
}

/*
 * db_bench's ParetoCdfInversion with theta 0, truncated instead of rounded up and clamped to
 * [10, 1024] after the modulo (db_bench raises only negative sizes to 10). Kept as it was: the
 * published W(M) figures were drawn with it.
 */
static uint32_t
mixgraph(struct nvkv_rng *rng)
{
    const double k = WM_K, sigma = WM_SIGMA;
    double u = nvkv_rng_unit(rng);
    if (u <= 0.0)
        u = 0x1.0p-53;
    double v = sigma * (pow(u, -k) - 1.0) / k;
    uint64_t size = v > 1e9 ? 1000000000ull : (uint64_t)v;
    if (size > MIX_MAX_VALUE)
        size %= MIX_MAX_VALUE;
    return size < WM_MIN_VALUE ? WM_MIN_VALUE : (uint32_t)size;
}

double
wl_pareto_inverse(double u, double theta, double k, double sigma)
{
    if (u <= 0.0)
        u = 0x1.0p-53;
    if (k == 0.0)
        return theta - sigma * log(u);
    return theta + sigma * (pow(u, -k) - 1.0) / k;
}

/* db_bench's clamps: over max taken modulo max, then under min raised to min. */
static uint64_t
clamp_size(uint64_t s, uint32_t min, uint32_t max)
{
    if (s > max && max > 0)
        s %= max;
    return s < min ? min : s;
}

static uint32_t
pareto(const struct wl_valsize *v, struct nvkv_rng *rng)
{
    double x = ceil(wl_pareto_inverse(nvkv_rng_unit(rng), v->theta, v->k, v->sigma));
    uint64_t s = x <= 0.0 ? 0 : x >= PARETO_RAW_CAP ? (uint64_t)PARETO_RAW_CAP : (uint64_t)x;
    return (uint32_t)clamp_size(s, v->min, v->max);
}

uint32_t
wl_valsize_next(const struct wl_valsize *v, struct nvkv_rng *rng)
{
    switch (v->kind) {
    case WL_VALSIZE_WB:
        return nvkv_rng_below(rng, 10) < 9 ? SMALL_VALUE : LARGE_VALUE;
    case WL_VALSIZE_WC:
        return nvkv_rng_below(rng, 10) < 1 ? SMALL_VALUE : LARGE_VALUE;
    case WL_VALSIZE_WD:
        return SMALL_VALUE << nvkv_rng_below(rng, 9);
    case WL_VALSIZE_WM:
        return mixgraph(rng);
    case WL_VALSIZE_UNIFORM:
        return v->min + (uint32_t)nvkv_rng_below(rng, (uint64_t)v->max - v->min + 1);
    case WL_VALSIZE_PARETO:
        return pareto(v, rng);
    default:
        return v->fixed;
    }
}

/* ---- spec parsing ---- */

/* A decimal without sign or blanks, up to `limit`; false for anything else. */
static bool
parse_uint(const char *s, const char *end, uint64_t limit, uint64_t *out)
{
    if (s == end)
        return false;
    uint64_t x = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (x > (limit - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

/* A finite double spanning exactly [s, end). */
static bool
parse_double(const char *s, const char *end, double *out)
{
    char buf[64];
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *stop;
    double x = strtod(buf, &stop);
    if (*stop != '\0' || !isfinite(x))
        return false;
    *out = x;
    return true;
}

static int
spec_error(char *err, size_t errlen, const char *spec, const char *detail)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "value size spec '%s': %s", spec, detail);
    return -EINVAL;
}

static void
set_wm(struct wl_valsize *v)
{
    v->kind = WL_VALSIZE_WM;
    v->min = WM_MIN_VALUE;
    v->max = MIX_MAX_VALUE;
    v->theta = 0.0;
    v->k = WM_K;
    v->sigma = WM_SIGMA;
}

static int
parse_named(const char *spec, int kind, uint32_t max_size, struct wl_valsize *v, char *err,
            size_t errlen)
{
    if (kind == WL_VALSIZE_WM) {
        set_wm(v);
    } else {
        v->kind = kind;
        v->min = SMALL_VALUE;
        v->max = LARGE_VALUE;
    }
    if (v->max > max_size) {
        char detail[64];
        snprintf(detail, sizeof(detail), "draws sizes up to %u, over the maximum %u", v->max,
                 max_size);
        return spec_error(err, errlen, spec, detail);
    }
    return 0;
}

static int
parse_uniform(const char *spec, const char *args, uint32_t max_size, struct wl_valsize *v,
              char *err, size_t errlen)
{
    const char *dash = strchr(args, '-');
    uint64_t lo, hi;
    if (dash == NULL || !parse_uint(args, dash, UINT32_MAX, &lo) ||
        !parse_uint(dash + 1, args + strlen(args), UINT32_MAX, &hi))
        return spec_error(err, errlen, spec,
                          "expected uniform:MIN-MAX with MIN and MAX sizes in bytes");
    if (lo > hi)
        return spec_error(err, errlen, spec, "needs MIN <= MAX");
    if (hi > max_size) {
        char detail[64];
        snprintf(detail, sizeof(detail), "MAX over the maximum value size %u", max_size);
        return spec_error(err, errlen, spec, detail);
    }
    memset(v, 0, sizeof(*v));
    v->kind = WL_VALSIZE_UNIFORM;
    v->min = (uint32_t)lo;
    v->max = (uint32_t)hi;
    return 0;
}

/* Split "a,b,c,d" into at most 4 fields; returns the count, or 5 when there are more. */
static int
split_fields(const char *s, const char *start[4], const char *end[4])
{
    int n = 0;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *stop = comma != NULL ? comma : s + strlen(s);
        if (n == 4)
            return 5;
        start[n] = s;
        end[n] = stop;
        n++;
        if (comma == NULL)
            return n;
        s = comma + 1;
    }
}

static int
parse_pareto(const char *spec, const char *args, uint32_t max_size, struct wl_valsize *v, char *err,
             size_t errlen)
{
    static const char form[] = "expected pareto:K,SIGMA or pareto:K,SIGMA,MIN,MAX";
    const char *start[4], *end[4];
    int n = split_fields(args, start, end);
    double k, sigma;
    uint64_t lo = WM_MIN_VALUE, hi = MIX_MAX_VALUE;
    if ((n != 2 && n != 4) || !parse_double(start[0], end[0], &k) ||
        !parse_double(start[1], end[1], &sigma))
        return spec_error(err, errlen, spec, form);
    if (n == 4 && (!parse_uint(start[2], end[2], UINT32_MAX, &lo) ||
                   !parse_uint(start[3], end[3], UINT32_MAX, &hi)))
        return spec_error(err, errlen, spec, form);
    if (!(k >= 0.0 && k < 1.0))
        return spec_error(err, errlen, spec, "K must be in [0, 1) (the mean is infinite from 1)");
    if (!(sigma > 0.0))
        return spec_error(err, errlen, spec, "SIGMA must be > 0");
    if (lo > hi || hi < 1)
        return spec_error(err, errlen, spec, "needs MIN <= MAX and MAX >= 1");
    if (hi > max_size) {
        char detail[64];
        snprintf(detail, sizeof(detail), "MAX over the maximum value size %u", max_size);
        return spec_error(err, errlen, spec, detail);
    }
    memset(v, 0, sizeof(*v));
    v->kind = WL_VALSIZE_PARETO;
    v->k = k;
    v->sigma = sigma;
    v->min = (uint32_t)lo;
    v->max = (uint32_t)hi;
    return 0;
}

int
wl_valsize_parse_spec(const char *spec, uint32_t max_size, struct wl_valsize *v, char *err,
                      size_t errlen)
{
    if (spec == NULL || v == NULL)
        return -EINVAL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    size_t len = strlen(spec);
    uint64_t fixed;
    if (len > 0 && spec[0] >= '0' && spec[0] <= '9') {
        if (!parse_uint(spec, spec + len, UINT32_MAX, &fixed))
            return spec_error(err, errlen, spec, spec_forms);
        if (fixed > max_size) {
            char detail[64];
            snprintf(detail, sizeof(detail), "over the maximum value size %u", max_size);
            return spec_error(err, errlen, spec, detail);
        }
        memset(v, 0, sizeof(*v));
        v->kind = WL_VALSIZE_FIXED;
        v->fixed = (uint32_t)fixed;
        return 0;
    }
    int kind = wl_valsize_parse(spec);
    if (kind >= 0) {
        memset(v, 0, sizeof(*v));
        return parse_named(spec, kind, max_size, v, err, errlen);
    }
    if (strncmp(spec, "uniform:", 8) == 0)
        return parse_uniform(spec, spec + 8, max_size, v, err, errlen);
    if (strncmp(spec, "pareto:", 7) == 0)
        return parse_pareto(spec, spec + 7, max_size, v, err, errlen);
    return spec_error(err, errlen, spec, spec_unknown);
}

/* The shortest of %.15g .. %.17g that reads back as the same double. */
static void
format_double(double x, char *buf, size_t len)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

void
wl_valsize_format(const struct wl_valsize *v, char *buf, size_t len)
{
    char k[32], sigma[32];
    switch (v->kind) {
    case WL_VALSIZE_WB:
    case WL_VALSIZE_WC:
    case WL_VALSIZE_WD:
    case WL_VALSIZE_WM:
        snprintf(buf, len, "%s", names[v->kind]);
        break;
    case WL_VALSIZE_UNIFORM:
        snprintf(buf, len, "uniform:%u-%u", v->min, v->max);
        break;
    case WL_VALSIZE_PARETO:
        format_double(v->k, k, sizeof(k));
        format_double(v->sigma, sigma, sizeof(sigma));
        snprintf(buf, len, "pareto:%s,%s,%u,%u", k, sigma, v->min, v->max);
        break;
    default:
        snprintf(buf, len, "%u", v->fixed);
        break;
    }
}

uint32_t
wl_valsize_max(const struct wl_valsize *v)
{
    switch (v->kind) {
    case WL_VALSIZE_WB:
    case WL_VALSIZE_WC:
    case WL_VALSIZE_WD:
        return LARGE_VALUE;
    case WL_VALSIZE_WM:
        return MIX_MAX_VALUE;
    case WL_VALSIZE_UNIFORM:
    case WL_VALSIZE_PARETO:
        return v->max;
    default:
        return v->fixed;
    }
}

/* ---- numerical means of the Pareto kinds ---- */

/* The generalized Pareto CDF at x. */
static double
pareto_cdf(double x, double theta, double k, double sigma)
{
    if (x <= theta)
        return 0.0;
    double z = (x - theta) / sigma;
    return k == 0.0 ? -expm1(-z) : 1.0 - pow(1.0 + k * z, -1.0 / k);
}

/* Sizes summed one by one up to this many, or until the mass left is below TAIL_EPS. */
#define MEAN_TERMS_MAX (1u << 22)
#define TAIL_EPS       1e-13

/*
 * Mean of clamp_size(S) where S is the integer size: ceil(x) (round_up) or floor(x) of a
 * generalized Pareto x. The mass past the summed sizes is far out in the tail, where the
 * modulo spreads it evenly over [0, max): it is counted at that even spread's mean.
 */
static double
folded_pareto_mean(double theta, double k, double sigma, bool round_up, uint32_t min, uint32_t max)
{
    if (max == 0)
        return min;
    double mean = 0.0, below = 0.0; /* P(S <= s - 1) */
    uint64_t s = 0;
    for (; s < MEAN_TERMS_MAX; s++) {
        double upto = pareto_cdf(round_up ? (double)s : (double)s + 1.0, theta, k, sigma);
        mean += (upto - below) * (double)clamp_size(s, min, max);
        below = upto;
        if (1.0 - below < TAIL_EPS && (double)s > theta)
            break;
    }
    /* residues 0 .. max - 1, those under min raised to min */
    double lo = min < max ? (double)min : (double)max;
    double spread = lo * (double)min + ((double)max - 1.0 + lo) * ((double)max - lo) / 2.0;
    return mean + (1.0 - below) * spread / (double)max;
}

double
wl_valsize_mean(const struct wl_valsize *v)
{
    switch (v->kind) {
    case WL_VALSIZE_WB:
        return (9.0 * SMALL_VALUE + LARGE_VALUE) / 10.0;
    case WL_VALSIZE_WC:
        return (SMALL_VALUE + 9.0 * LARGE_VALUE) / 10.0;
    case WL_VALSIZE_WD:
        return (double)(SMALL_VALUE * 511u) / 9.0; /* 8 (1 + 2 + ... + 256) / 9 */
    case WL_VALSIZE_WM:
        return folded_pareto_mean(0.0, WM_K, WM_SIGMA, false, WM_MIN_VALUE, MIX_MAX_VALUE);
    case WL_VALSIZE_UNIFORM:
        return ((double)v->min + (double)v->max) / 2.0;
    case WL_VALSIZE_PARETO:
        return folded_pareto_mean(v->theta, v->k, v->sigma, true, v->min, v->max);
    default:
        return (double)v->fixed;
    }
}
