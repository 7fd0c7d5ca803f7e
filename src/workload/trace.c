/* SPDX-License-Identifier: MIT */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/types.h>

#include "../base/err.h"

#define KEY_MAX 255u
/* A header with more columns than this is not a trace header (and keeps indices in an int). */
#define COLS_MAX 4096
/* Bytes of an offending field quoted in an error message. */
#define QUOTE_MAX 40

/* A field: bytes of the line, not NUL-terminated. */
struct span {
    const char *p;
    size_t n;
};

/* What a parsed row changed to fit: counted by the reader, per request. */
struct row_clamps {
    bool key;
    bool value;
};

/* ---- errors ---- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/*
 * A field as it may appear in a one-line message: at most QUOTE_MAX bytes, anything not
 * printable ASCII as \xNN (so a binary line cannot break the message), "..." when cut.
 */
static const char *
quote(struct span s, char *buf, size_t buflen)
{
    size_t o = 0;
    for (size_t i = 0; i < s.n && i < QUOTE_MAX && o + 5 < buflen; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", c);
    }
    if (s.n > QUOTE_MAX && o + 4 <= buflen) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

#define QBUF (QUOTE_MAX * 4 + 8)

/* ---- fields ---- */

static bool
span_ieq(struct span s, const char *name)
{
    size_t n = strlen(name);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s.p[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

enum num_rc {
    NUM_OK = 0,
    NUM_NOT_DECIMAL,
    NUM_TOO_BIG
};

/* Plain decimal digits only: no sign, no blanks, no empty field. */
static enum num_rc
parse_u64(struct span s, uint64_t *out)
{
    if (s.n == 0)
        return NUM_NOT_DECIMAL;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned)((unsigned char)s.p[i] - '0');
        if (d > 9)
            return NUM_NOT_DECIMAL;
        if (v > (UINT64_MAX - d) / 10)
            return NUM_TOO_BIG;
        v = v * 10 + d;
    }
    *out = v;
    return NUM_OK;
}

static int
parse_number(struct span s, const char *what, uint64_t *out, char *err, size_t errlen)
{
    char q[QBUF];
    switch (parse_u64(s, out)) {
    case NUM_OK:
        return 0;
    case NUM_TOO_BIG:
        return fail(err, errlen, "%s '%s' out of range", what, quote(s, q, sizeof(q)));
    default:
        return fail(err, errlen, "bad %s '%s' (not a decimal number)", what,
                    quote(s, q, sizeof(q)));
    }
}

/* Strip one trailing CR (CRLF files; the LF is gone already). */
static size_t
without_cr(const char *line, size_t len)
{
    return len > 0 && line[len - 1] == '\r' ? len - 1 : len;
}

/* ---- operations ---- */

struct op_name {
    const char *name;
    enum wl_trace_op op;
};

static const struct op_name text_ops[] = {
    {"get", WL_TRACE_GET}, {"put", WL_TRACE_PUT},    {"set", WL_TRACE_PUT},
    {"del", WL_TRACE_DEL}, {"delete", WL_TRACE_DEL}, {NULL, WL_TRACE_GET},
};

/* Every memcached write becomes a put of the recorded size (a KV-SSD has no add/cas/incr). */
static const struct op_name twitter_ops[] = {
    {"get", WL_TRACE_GET},    {"gets", WL_TRACE_GET},    {"set", WL_TRACE_PUT},
    {"add", WL_TRACE_PUT},    {"replace", WL_TRACE_PUT}, {"cas", WL_TRACE_PUT},
    {"append", WL_TRACE_PUT}, {"prepend", WL_TRACE_PUT}, {"incr", WL_TRACE_PUT},
    {"decr", WL_TRACE_PUT},   {"delete", WL_TRACE_DEL},  {NULL, WL_TRACE_GET},
};

/* CacheBench treats the lease variants as the plain operations. */
static const struct op_name cachelib_ops[] = {
    {"GET", WL_TRACE_GET},       {"GET_LEASE", WL_TRACE_GET}, {"SET", WL_TRACE_PUT},
    {"SET_LEASE", WL_TRACE_PUT}, {"DELETE", WL_TRACE_DEL},    {NULL, WL_TRACE_GET},
};

static int
parse_op(const struct op_name *table, struct span s, enum wl_trace_op *op, char *err, size_t errlen)
{
    for (const struct op_name *o = table; o->name != NULL; o++) {
        if (span_ieq(s, o->name)) {
            *op = o->op;
            return 0;
        }
    }
    char q[QBUF];
    if (s.n == 0)
        return fail(err, errlen, "missing operation");
    return fail(err, errlen, "unknown operation '%s'", quote(s, q, sizeof(q)));
}

/* ---- sizes and keys ---- */

/* The recorded value size: puts keep it (cut to max_value, 0 = no limit), gets and dels 0. */
static int
parse_value_size(struct span s, enum wl_trace_op op, uint32_t max_value, uint32_t *out,
                 bool *clamped, char *err, size_t errlen)
{
    uint64_t v = 0;
    NVKV_RET(parse_number(s, "value size", &v, err, errlen));
    uint64_t limit = max_value != 0 ? max_value : UINT32_MAX;
    *clamped = false;
    if (op != WL_TRACE_PUT) {
        *out = 0;
    } else if (v > limit) {
        *out = (uint32_t)limit;
        *clamped = true;
    } else {
        *out = (uint32_t)v;
    }
    return 0;
}

/* A recorded key size: 0 is malformed, above KEY_MAX is cut (and counted). */
static int
parse_key_size(struct span s, uint32_t *out, bool *clamped, char *err, size_t errlen)
{
    uint64_t v = 0;
    NVKV_RET(parse_number(s, "key size", &v, err, errlen));
    if (v == 0)
        return fail(err, errlen, "key size 0");
    *clamped = v > KEY_MAX;
    *out = *clamped ? KEY_MAX : (uint32_t)v;
    return 0;
}

/* The anonymized key's bytes repeated (or cut) to `size`: same anonymized key, same bytes. */
static void
build_key(struct span anon, uint32_t size, uint8_t *keybuf)
{
    for (uint32_t i = 0; i < size; i++)
        keybuf[i] = (uint8_t)anon.p[i % anon.n];
}

/* ---- text ---- */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Up to `max` blank-separated tokens; returns how many there are (max + 1 when more). */
static size_t
split_blanks(const char *line, size_t len, struct span *tok, size_t max)
{
    size_t n = 0, i = 0;
    for (;;) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i == len)
            return n;
        if (n == max)
            return max + 1;
        size_t start = i;
        while (i < len && !is_blank(line[i]))
            i++;
        tok[n++] = (struct span){line + start, i - start};
    }
}

static int
parse_text(const char *line, size_t len, uint32_t max_value, uint8_t *keybuf,
           struct wl_trace_rec *rec, struct row_clamps *cl, char *err, size_t errlen)
{
    struct span tok[3];
    size_t n = split_blanks(line, len, tok, 3);
    if (n == 0 || tok[0].p[0] == '#')
        return 0;
    NVKV_RET(parse_op(text_ops, tok[0], &rec->op, err, errlen));
    if (n < 2)
        return fail(err, errlen, "missing key");
    if (n > 3)
        return fail(err, errlen, "too many fields (want OP KEY VALUE_SIZE)");
    if (tok[1].n > KEY_MAX)
        return fail(err, errlen, "key of %zu bytes (at most %u)", tok[1].n, KEY_MAX);
    if (n < 3 && rec->op == WL_TRACE_PUT)
        return fail(err, errlen, "missing value size");
    rec->value_size = 0;
    if (n == 3)
        NVKV_RET(parse_value_size(tok[2], rec->op, max_value, &rec->value_size, &cl->value, err,
                                  errlen));
    memcpy(keybuf, tok[1].p, tok[1].n);
    rec->key_len = (uint32_t)tok[1].n;
    return 1;
}

/* ---- twitter ---- */

#define TWITTER_FIELDS 7

/*
 * Split a Twitter row: the first field up to the first comma, the last five from the right,
 * the key in between (so it may hold commas). Returns the field count found, TWITTER_FIELDS
 * when the row is complete.
 */
static size_t
split_twitter(const char *line, size_t len, struct span f[TWITTER_FIELDS])
{
    const char *first = memchr(line, ',', len);
    if (first == NULL)
        return 1;
    size_t end = len, found = 0;
    size_t key_start = (size_t)(first - line) + 1;
    for (size_t i = len; i > key_start && found < TWITTER_FIELDS - 2; i--) {
        if (line[i - 1] == ',') {
            f[TWITTER_FIELDS - 1 - found] = (struct span){line + i, end - i};
            end = i - 1;
            found++;
        }
    }
    if (found < TWITTER_FIELDS - 2)
        return 2 + found;
    f[0] = (struct span){line, (size_t)(first - line)};
    f[1] = (struct span){line + key_start, end - key_start};
    return TWITTER_FIELDS;
}

static int
parse_twitter(const char *line, size_t len, uint32_t max_value, uint8_t *keybuf,
              struct wl_trace_rec *rec, struct row_clamps *cl, char *err, size_t errlen)
{
    if (len == 0)
        return 0;
    struct span f[TWITTER_FIELDS];
    size_t n = split_twitter(line, len, f);
    if (n < TWITTER_FIELDS)
        return fail(err, errlen, "%zu fields, a Twitter row has %d", n, TWITTER_FIELDS);
    if (f[1].n == 0)
        return fail(err, errlen, "empty key");
    NVKV_RET(parse_op(twitter_ops, f[5], &rec->op, err, errlen));
    uint32_t key_size = 0;
    NVKV_RET(parse_key_size(f[2], &key_size, &cl->key, err, errlen));
    NVKV_RET(parse_value_size(f[3], rec->op, max_value, &rec->value_size, &cl->value, err, errlen));
    build_key(f[1], key_size, keybuf);
    rec->key_len = key_size;
    return 1;
}

/* ---- cachelib ---- */

/* The fields at the header's used columns; the row must have exactly cols->n fields. */
struct cachelib_row {
    struct span key, key_size, op, op_count, size;
};

static void
pick_field(const struct wl_trace_cols *cols, int i, struct span s, struct cachelib_row *r)
{
    if (i == cols->key)
        r->key = s;
    if (i == cols->key_size)
        r->key_size = s;
    if (i == cols->op)
        r->op = s;
    if (i == cols->op_count)
        r->op_count = s;
    if (i == cols->size)
        r->size = s;
}

static int
split_cachelib(const struct wl_trace_cols *cols, const char *line, size_t len,
               struct cachelib_row *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    int i = 0;
    size_t start = 0;
    for (size_t at = 0; at <= len; at++) {
        if (at < len && line[at] != ',')
            continue;
        if (i < cols->n)
            pick_field(cols, i, (struct span){line + start, at - start}, r);
        i++;
        start = at + 1;
        if (i > cols->n)
            break;
    }
    if (i != cols->n)
        return fail(err, errlen, "%s fields, the header has %d", i > cols->n ? "more" : "fewer",
                    cols->n);
    return 0;
}

static int
parse_op_count(const struct wl_trace_cols *cols, struct span s, uint32_t *out, char *err,
               size_t errlen)
{
    if (cols->op_count < 0) {
        *out = 1;
        return 0;
    }
    uint64_t v = 0;
    NVKV_RET(parse_number(s, "op_count", &v, err, errlen));
    if (v > UINT32_MAX) {
        char q[QBUF];
        return fail(err, errlen, "op_count '%s' out of range", quote(s, q, sizeof(q)));
    }
    *out = (uint32_t)v;
    return 0;
}

static int
parse_cachelib(const struct wl_trace_cols *cols, const char *line, size_t len, uint32_t max_value,
               uint8_t *keybuf, struct wl_trace_rec *rec, uint32_t *op_count, struct row_clamps *cl,
               char *err, size_t errlen)
{
    if (cols == NULL || cols->key < 0 || cols->op < 0 || cols->size < 0 || cols->n <= 0)
        return fail(err, errlen, "no CacheLib header (key, op and size columns)");
    if (len == 0)
        return 0;
    struct cachelib_row r;
    NVKV_RET(split_cachelib(cols, line, len, &r, err, errlen));
    if (r.key.n == 0)
        return fail(err, errlen, "empty key");
    NVKV_RET(parse_op(cachelib_ops, r.op, &rec->op, err, errlen));
    NVKV_RET(parse_op_count(cols, r.op_count, op_count, err, errlen));
    uint32_t key_size = r.key.n > KEY_MAX ? KEY_MAX : (uint32_t)r.key.n;
    cl->key = r.key.n > KEY_MAX;
    if (cols->key_size >= 0)
        NVKV_RET(parse_key_size(r.key_size, &key_size, &cl->key, err, errlen));
    NVKV_RET(
        parse_value_size(r.size, rec->op, max_value, &rec->value_size, &cl->value, err, errlen));
    if (*op_count == 0)
        return 0; /* checked like any row, then skipped: it stands for no request */
    build_key(r.key, key_size, keybuf);
    rec->key_len = key_size;
    return 1;
}

static int
set_column(int *slot, int i, struct span name, char *err, size_t errlen)
{
    char q[QBUF];
    if (*slot >= 0)
        return fail(err, errlen, "column '%s' named twice", quote(name, q, sizeof(q)));
    *slot = i;
    return 0;
}

int
wl_trace_header_parse(const char *line, size_t len, struct wl_trace_cols *cols, char *err,
                      size_t errlen)
{
    *cols = (struct wl_trace_cols){-1, -1, -1, -1, -1, 0};
    len = without_cr(line, len);
    int i = 0;
    size_t start = 0;
    for (size_t at = 0; at <= len; at++) {
        if (at < len && line[at] != ',')
            continue;
        if (i == COLS_MAX)
            return fail(err, errlen, "more than %d columns in the header", COLS_MAX);
        struct span name = {line + start, at - start};
        int *slot = span_ieq(name, "key")        ? &cols->key
                    : span_ieq(name, "key_size") ? &cols->key_size
                    : span_ieq(name, "op")       ? &cols->op
                    : span_ieq(name, "op_count") ? &cols->op_count
                    : span_ieq(name, "size")     ? &cols->size
                                                 : NULL;
        if (slot != NULL)
            NVKV_RET(set_column(slot, i, name, err, errlen));
        i++;
        start = at + 1;
    }
    cols->n = i;
    if (cols->key < 0 || cols->op < 0 || cols->size < 0)
        return fail(err, errlen, "the CacheLib header lacks the %s column",
                    cols->key < 0  ? "key"
                    : cols->op < 0 ? "op"
                                   : "size");
    return 0;
}

/* ---- one line of any format ---- */

static int
parse_row(enum wl_trace_format f, const struct wl_trace_cols *cols, const char *line, size_t len,
          uint32_t max_value, uint8_t *keybuf, struct wl_trace_rec *rec, uint32_t *op_count,
          struct row_clamps *cl, char *err, size_t errlen)
{
    *cl = (struct row_clamps){false, false};
    *op_count = 1;
    rec->line = 0;
    rec->key = keybuf;
    len = without_cr(line, len);
    switch (f) {
    case WL_TRACE_TEXT:
        return parse_text(line, len, max_value, keybuf, rec, cl, err, errlen);
    case WL_TRACE_TWITTER:
        return parse_twitter(line, len, max_value, keybuf, rec, cl, err, errlen);
    case WL_TRACE_CACHELIB:
        return parse_cachelib(cols, line, len, max_value, keybuf, rec, op_count, cl, err, errlen);
    default:
        return fail(err, errlen, "no line parser for format %d", (int)f);
    }
}

int
wl_trace_parse_line(enum wl_trace_format f, const struct wl_trace_cols *cols, const char *line,
                    size_t len, uint32_t max_value, uint8_t *keybuf, struct wl_trace_rec *rec,
                    uint32_t *op_count, char *err, size_t errlen)
{
    struct row_clamps cl;
    uint32_t count;
    int rc = parse_row(f, cols, line, len, max_value, keybuf, rec, &count, &cl, err, errlen);
    if (op_count != NULL)
        *op_count = count;
    return rc;
}

/* ---- names ---- */

static const char *const format_names[] = {"auto", "text", "twitter", "cachelib"};

const char *
wl_trace_format_name(enum wl_trace_format f)
{
    return (unsigned)f <= WL_TRACE_CACHELIB ? format_names[f] : "unknown";
}

int
wl_trace_format_parse(const char *name)
{
    for (int i = WL_TRACE_AUTO; i <= WL_TRACE_CACHELIB; i++)
        if (strcmp(name, format_names[i]) == 0)
            return i;
    return -1;
}

/* ---- the reader ---- */

struct wl_trace {
    FILE *f;
    char *name;
    enum wl_trace_format fmt;
    uint32_t repeat;
    uint32_t max_value;
    struct wl_trace_cols cols;

    char *buf; /* getline's buffer */
    size_t buf_cap;
    const char *line; /* the current line without its LF (and BOM on line 1) */
    size_t line_len;
    bool line_pending; /* the first line, read to detect the format, is still to be parsed */
    uint64_t lineno;

    uint32_t pass;
    uint64_t pass_requests;
    bool done;

    /* the current row, returned `left` more times (op_count repetition) */
    struct wl_trace_rec cur;
    struct row_clamps cur_clamps;
    uint32_t left;
    uint8_t key[KEY_MAX + 1];

    struct wl_trace_counts counts;
    int failed; /* sticky error */
    char failmsg[512];
};

/* Read the next line into t->line: 1, 0 at the end of the file, or a negative errno. */
static int
read_line(struct wl_trace *t)
{
    errno = 0;
    ssize_t n = getline(&t->buf, &t->buf_cap, t->f);
    if (n < 0) {
        if (feof(t->f) && !ferror(t->f))
            return 0;
        return errno != 0 ? -errno : -EIO;
    }
    t->lineno++;
    size_t len = (size_t)n;
    if (len > 0 && t->buf[len - 1] == '\n')
        len--;
    const char *p = t->buf;
    if (t->lineno == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3; /* a UTF-8 byte-order mark, as spreadsheet exports write */
        len -= 3;
    }
    t->line = p;
    t->line_len = len;
    return 1;
}

static bool
header_names(const char *line, size_t len, const char *name)
{
    size_t start = 0;
    for (size_t at = 0; at <= len; at++) {
        if (at < len && line[at] != ',')
            continue;
        if (span_ieq((struct span){line + start, at - start}, name))
            return true;
        start = at + 1;
    }
    return false;
}

static enum wl_trace_format
detect_format(const char *line, size_t len)
{
    len = without_cr(line, len);
    if (header_names(line, len, "key") && header_names(line, len, "op"))
        return WL_TRACE_CACHELIB;
    size_t commas = 0;
    for (size_t i = 0; i < len; i++)
        commas += line[i] == ',';
    return commas == TWITTER_FIELDS - 1 ? WL_TRACE_TWITTER : WL_TRACE_TEXT;
}

/* Point the stream at the first data line of the file again, for the next pass. */
static int
rewind_pass(struct wl_trace *t, char *err, size_t errlen)
{
    if (fseeko(t->f, 0, SEEK_SET) != 0) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot rewind for pass %u: %s", t->name, t->pass + 2,
                 strerror(e));
        return -e;
    }
    t->lineno = 0;
    if (t->fmt == WL_TRACE_CACHELIB) {
        int rc = read_line(t); /* the header, parsed at open */
        if (rc <= 0) {
            snprintf(err, errlen, "%s: the header vanished on rewinding", t->name);
            return rc < 0 ? rc : -EIO;
        }
    }
    return 0;
}

/* Read the first line: detect the format, parse a CacheLib header, else keep it pending. */
static int
open_first_line(struct wl_trace *t, char *err, size_t errlen)
{
    int rc = read_line(t);
    if (rc < 0) {
        snprintf(err, errlen, "%s: read error: %s", t->name, strerror(-rc));
        return rc;
    }
    if (t->fmt == WL_TRACE_AUTO)
        t->fmt = rc == 0 ? WL_TRACE_TEXT : detect_format(t->line, t->line_len);
    if (t->fmt != WL_TRACE_CACHELIB) {
        t->line_pending = rc == 1;
        return 0;
    }
    if (rc == 0) {
        snprintf(err, errlen, "%s: empty file, a CacheLib trace starts with a header", t->name);
        return -EINVAL;
    }
    char why[256];
    if (wl_trace_header_parse(t->line, t->line_len, &t->cols, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s:1: %s", t->name, why);
        return -EINVAL;
    }
    return 0;
}

static int
check_opts(const struct wl_trace_opts *o, char *err, size_t errlen)
{
    if ((unsigned)o->format > WL_TRACE_CACHELIB) {
        snprintf(err, errlen, "unknown trace format %d", (int)o->format);
        return -EINVAL;
    }
    return 0;
}

int
wl_trace_open_file(FILE *f, const char *name, const struct wl_trace_opts *o, struct wl_trace **out,
                   char *err, size_t errlen)
{
    static const struct wl_trace_opts defaults = {WL_TRACE_AUTO, 1, 0};
    *out = NULL;
    if (o == NULL)
        o = &defaults;
    int rc = check_opts(o, err, errlen);
    struct wl_trace *t = calloc(1, sizeof(*t));
    if (rc == 0 && t == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        rc = -ENOMEM;
    }
    if (rc != 0) {
        free(t);
        fclose(f);
        return rc;
    }
    t->f = f;
    t->fmt = o->format;
    t->repeat = o->repeat != 0 ? o->repeat : 1;
    t->max_value = o->max_value;
    t->cols = (struct wl_trace_cols){-1, -1, -1, -1, -1, 0};
    t->name = strdup(name);
    if (t->name == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        rc = -ENOMEM;
    } else if (t->repeat > 1 && ftello(f) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: cannot repeat passes over an input that cannot seek: %s", name,
                 strerror(errno));
    } else {
        rc = open_first_line(t, err, errlen);
    }
    if (rc != 0) {
        wl_trace_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

int
wl_trace_open(const char *path, const struct wl_trace_opts *o, struct wl_trace **out, char *err,
              size_t errlen)
{
    *out = NULL;
    if (o != NULL)
        NVKV_RET(check_opts(o, err, errlen));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    return wl_trace_open_file(f, path, o, out, err, errlen);
}

static int
stick(struct wl_trace *t, int rc, char *err, size_t errlen)
{
    t->failed = rc;
    snprintf(t->failmsg, sizeof(t->failmsg), "%s", err != NULL && errlen > 0 ? err : "");
    return rc;
}

/* The current row once more: mark it for the pass, count it. */
static int
emit(struct wl_trace *t, struct wl_trace_rec *rec)
{
    t->left--;
    t->counts.requests++;
    t->counts.clamped_keys += t->cur_clamps.key;
    t->counts.clamped_values += t->cur_clamps.value;
    t->pass_requests++;
    *rec = t->cur;
    return 1;
}

/*
 * Pass p > 0: bit i of p into the high bit of the i-th byte from the end (see trace.h; setting
 * bits rather than overwriting bytes keeps keys that differ only at the end apart).
 */
static void
mark_pass(uint8_t *key, uint32_t len, uint32_t pass)
{
    for (uint32_t i = 0; i < len && i < 32; i++)
        if ((pass >> i) & 1u)
            key[len - 1 - i] |= 0x80;
}

/* Move to the next line (1), or the next pass, or the end (0). */
static int
advance(struct wl_trace *t, char *err, size_t errlen)
{
    if (t->line_pending) {
        t->line_pending = false;
        return 1;
    }
    for (;;) {
        int rc = read_line(t);
        if (rc < 0) {
            snprintf(err, errlen, "%s:%" PRIu64 ": read error: %s", t->name, t->lineno + 1,
                     strerror(-rc));
            return rc;
        }
        if (rc == 1)
            return 1;
        /* a pass that gave nothing would give nothing again: stop */
        if (t->pass + 1 >= t->repeat || t->pass_requests == 0) {
            t->done = true;
            return 0;
        }
        NVKV_RET(rewind_pass(t, err, errlen));
        t->pass++;
        t->pass_requests = 0;
    }
}

int
wl_trace_next(struct wl_trace *t, struct wl_trace_rec *rec, char *err, size_t errlen)
{
    if (t->failed != 0) {
        snprintf(err, errlen, "%s", t->failmsg);
        return t->failed;
    }
    while (t->left == 0) {
        if (t->done)
            return 0;
        int rc = advance(t, err, errlen);
        if (rc <= 0)
            return rc < 0 ? stick(t, rc, err, errlen) : 0;
        char why[256];
        uint32_t count;
        rc = parse_row(t->fmt, &t->cols, t->line, t->line_len, t->max_value, t->key, &t->cur,
                       &count, &t->cur_clamps, why, sizeof(why));
        if (rc < 0) {
            snprintf(err, errlen, "%s:%" PRIu64 ": %s", t->name, t->lineno, why);
            return stick(t, rc, err, errlen);
        }
        if (rc == 0) {
            t->counts.skipped_rows += count == 0; /* op_count 0, not a blank line */
            continue;
        }
        t->cur.line = t->lineno;
        mark_pass(t->key, t->cur.key_len, t->pass);
        t->left = count;
    }
    return emit(t, rec);
}

void
wl_trace_counts(const struct wl_trace *t, struct wl_trace_counts *c)
{
    *c = t->counts;
    c->pass = t->pass;
}

enum wl_trace_format
wl_trace_format_of(const struct wl_trace *t)
{
    return t->fmt;
}

void
wl_trace_close(struct wl_trace *t)
{
    if (t == NULL)
        return;
    if (t->f != NULL)
        fclose(t->f);
    free(t->buf);
    free(t->name);
    free(t);
}
