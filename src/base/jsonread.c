/* SPDX-License-Identifier: MIT */
#include "jsonread.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#define NO_NODE  SIZE_MAX
#define MAX_FILE ((size_t)64 << 20)

/* A node while parsing: links are indices because the node array grows (and moves). */
struct raw_node {
    enum nvkv_jtype type;
    bool boolean;
    double number;
    size_t key_off; /* NO_NODE: no key */
    size_t str_off, str_len;
    size_t n_members;
    size_t first, next; /* NO_NODE: none */
};

struct nvkv_jdoc {
    struct nvkv_jnode *nodes;
    char *strings;
};

struct parser {
    const char *text;
    size_t len, pos;
    struct raw_node *nodes;
    size_t n_nodes, cap_nodes;
    char *strings; /* every decoded key and string, each NUL-terminated */
    size_t n_strings, cap_strings;
    int depth;
    int rc;
    char *err;
    size_t errlen;
};

/* ---------------------------------------------------------------------------------------------
 * Errors and storage
 * ------------------------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int
fail_at(struct parser *ps, size_t pos, const char *fmt, ...)
{
    if (ps->rc != 0)
        return -1; /* keep the first error */
    ps->rc = -EINVAL;
    size_t line = 1;
    for (size_t i = 0; i < pos && i < ps->len; i++)
        line += ps->text[i] == '\n';
    int n = snprintf(ps->err, ps->errlen, "byte %zu (line %zu): ", pos, line);
    if (n >= 0 && (size_t)n < ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int
out_of_memory(struct parser *ps)
{
    if (ps->rc == 0) {
        ps->rc = -ENOMEM;
        snprintf(ps->err, ps->errlen, "out of memory");
    }
    return -1;
}

/* `buf` with room for `need` elements (doubling), or NULL with `buf` left as it was. */
static void *
grow(void *buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return buf;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *p = realloc(buf, c * elem);
    if (p != NULL)
        *cap = c;
    return p;
}

static size_t
new_node(struct parser *ps, enum nvkv_jtype type)
{
    struct raw_node *grown = grow(ps->nodes, &ps->cap_nodes, ps->n_nodes + 1, sizeof(*grown));
    if (grown == NULL) {
        out_of_memory(ps);
        return NO_NODE;
    }
    ps->nodes = grown;
    struct raw_node *n = &ps->nodes[ps->n_nodes];
    memset(n, 0, sizeof(*n));
    n->type = type;
    n->key_off = NO_NODE;
    n->first = n->next = NO_NODE;
    return ps->n_nodes++;
}

static int
put_bytes(struct parser *ps, const char *bytes, size_t n)
{
    char *grown = grow(ps->strings, &ps->cap_strings, ps->n_strings + n, 1);
    if (grown == NULL)
        return out_of_memory(ps);
    ps->strings = grown;
    memcpy(ps->strings + ps->n_strings, bytes, n);
    ps->n_strings += n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Lexical pieces
 * ------------------------------------------------------------------------------------------- */

static void
skip_space(struct parser *ps)
{
    while (ps->pos < ps->len) {
        char c = ps->text[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ps->pos++;
    }
}

static int
peek(const struct parser *ps)
{
    return ps->pos < ps->len ? (unsigned char)ps->text[ps->pos] : -1;
}

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at pos; -1 when they are not. */
static long
read_hex4(const struct parser *ps, size_t pos)
{
    if (ps->len - pos < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value((unsigned char)ps->text[pos + (size_t)i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static int
put_utf8(struct parser *ps, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return put_bytes(ps, b, n);
}

/* A \uXXXX escape (pos at the backslash), joining a surrogate pair into one code point. */
static int
unicode_escape(struct parser *ps)
{
    size_t at = ps->pos;
    long hi = read_hex4(ps, at + 2);
    if (hi < 0)
        return fail_at(ps, at, "\\u needs four hex digits");
    ps->pos = at + 6;
    if (hi >= 0xdc00 && hi <= 0xdfff)
        return fail_at(ps, at, "lone low surrogate \\u%04lx", hi);
    if (hi < 0xd800 || hi > 0xdbff)
        return put_utf8(ps, (unsigned long)hi);
    long lo = -1;
    if (ps->len - ps->pos >= 2 && ps->text[ps->pos] == '\\' && ps->text[ps->pos + 1] == 'u')
        lo = read_hex4(ps, ps->pos + 2);
    if (lo < 0xdc00 || lo > 0xdfff)
        return fail_at(ps, at, "high surrogate \\u%04lx without a low surrogate after it", hi);
    ps->pos += 6;
    return put_utf8(ps,
                    0x10000 + (((unsigned long)hi - 0xd800) << 10) + ((unsigned long)lo - 0xdc00));
}

static int
simple_escape(struct parser *ps)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    int c = ps->pos + 1 < ps->len ? (unsigned char)ps->text[ps->pos + 1] : -1;
    const char *hit = c > 0 ? strchr(from, c) : NULL;
    if (hit == NULL)
        return fail_at(ps, ps->pos, "invalid escape in string");
    ps->pos += 2;
    return put_bytes(ps, &to[hit - from], 1);
}

/* Length of the valid UTF-8 sequence at pos (lead byte >= 0x80), or 0 when invalid. */
static size_t
utf8_length(const struct parser *ps, size_t pos)
{
    const unsigned char *s = (const unsigned char *)ps->text + pos;
    size_t avail = ps->len - pos;
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* no overlong forms */
        if (c == 0xed)
            hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

/* A string at pos (the opening quote); its decoded bytes are appended, NUL-terminated. */
static int
parse_string(struct parser *ps, size_t *off, size_t *len)
{
    size_t start = ps->pos;
    ps->pos++;
    *off = ps->n_strings;
    for (;;) {
        if (ps->pos >= ps->len)
            return fail_at(ps, start, "unterminated string");
        unsigned char c = (unsigned char)ps->text[ps->pos];
        int rc = 0;
        if (c == '"') {
            ps->pos++;
            break;
        } else if (c == '\\') {
            bool is_u = ps->pos + 1 < ps->len && ps->text[ps->pos + 1] == 'u';
            rc = is_u ? unicode_escape(ps) : simple_escape(ps);
        } else if (c < 0x20) {
            return fail_at(ps, ps->pos, "control character 0x%02x in string (escape it)", c);
        } else if (c < 0x80) {
            rc = put_bytes(ps, (const char *)&c, 1);
            ps->pos++;
        } else {
            size_t n = utf8_length(ps, ps->pos);
            if (n == 0)
                return fail_at(ps, ps->pos, "invalid UTF-8 in string");
            rc = put_bytes(ps, ps->text + ps->pos, n);
            ps->pos += n;
        }
        if (rc != 0)
            return -1;
    }
    *len = ps->n_strings - *off;
    return put_bytes(ps, "", 1);
}

static size_t
digits_from(const struct parser *ps, size_t pos)
{
    size_t n = 0;
    while (pos + n < ps->len && is_digit((unsigned char)ps->text[pos + n]))
        n++;
    return n;
}

/* The JSON number grammar, checked before strtod so strtod never sees hex, inf or nan. */
static int
number_extent(struct parser *ps, size_t *end)
{
    size_t start = ps->pos, p = start;
    if (p < ps->len && ps->text[p] == '-')
        p++;
    size_t int_digits = digits_from(ps, p);
    if (int_digits == 0)
        return fail_at(ps, p, "number needs a digit");
    if (int_digits > 1 && ps->text[p] == '0')
        return fail_at(ps, p, "number with a leading zero");
    p += int_digits;
    if (p < ps->len && ps->text[p] == '.') {
        size_t frac = digits_from(ps, p + 1);
        if (frac == 0)
            return fail_at(ps, p + 1, "number needs a digit after '.'");
        p += 1 + frac;
    }
    if (p < ps->len && (ps->text[p] == 'e' || ps->text[p] == 'E')) {
        p++;
        if (p < ps->len && (ps->text[p] == '+' || ps->text[p] == '-'))
            p++;
        size_t exp = digits_from(ps, p);
        if (exp == 0)
            return fail_at(ps, p, "number needs a digit in its exponent");
        p += exp;
    }
    *end = p;
    return 0;
}

static int
parse_number(struct parser *ps, size_t node)
{
    size_t start = ps->pos, end = start;
    if (number_extent(ps, &end) != 0)
        return -1;
    /* strtod needs a terminated copy: the input need not end in NUL */
    char small[64];
    size_t n = end - start;
    char *copy = n < sizeof(small) ? small : malloc(n + 1);
    if (copy == NULL)
        return out_of_memory(ps);
    memcpy(copy, ps->text + start, n);
    copy[n] = '\0';
    double v = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    if (isinf(v))
        return fail_at(ps, start, "number out of range of a double");
    ps->nodes[node].number = v;
    ps->pos = end;
    return 0;
}

static int
parse_literal(struct parser *ps, size_t node)
{
    static const struct {
        const char *word;
        enum nvkv_jtype type;
        bool value;
    } words[] = {
        {"true", NVKV_JBOOL, true}, {"false", NVKV_JBOOL, false}, {"null", NVKV_JNULL, false}};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i].word);
        if (ps->len - ps->pos >= n && memcmp(ps->text + ps->pos, words[i].word, n) == 0) {
            ps->nodes[node].type = words[i].type;
            ps->nodes[node].boolean = words[i].value;
            ps->pos += n;
            return 0;
        }
    }
    return fail_at(ps, ps->pos,
                   "expected a value (object, array, string, number, true, false "
                   "or null)");
}

/* ---------------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------------- */

static size_t parse_value(struct parser *ps);

/* Append `child` to `parent`'s children; `last` is the previous child or NO_NODE. */
static void
link_child(struct parser *ps, size_t parent, size_t *last, size_t child)
{
    if (*last == NO_NODE)
        ps->nodes[parent].first = child;
    else
        ps->nodes[*last].next = child;
    *last = child;
    ps->nodes[parent].n_members++;
}

/* After a member or element: ',' (more follow) or the closing bracket. 1 = more, 0 = done. */
static int
after_item(struct parser *ps, char close, const char *what)
{
    skip_space(ps);
    int c = peek(ps);
    if (c == ',') {
        ps->pos++;
        return 1;
    }
    if (c == close) {
        ps->pos++;
        return 0;
    }
    if (c < 0)
        return fail_at(ps, ps->pos, "unexpected end of input inside %s", what);
    return fail_at(ps, ps->pos, "expected ',' or '%c' in %s", close, what);
}

static int
parse_member(struct parser *ps, size_t obj, size_t *last)
{
    skip_space(ps);
    if (peek(ps) != '"')
        return fail_at(ps, ps->pos, "expected a string key in object");
    size_t key_off, key_len;
    if (parse_string(ps, &key_off, &key_len) != 0)
        return -1;
    skip_space(ps);
    if (peek(ps) != ':')
        return fail_at(ps, ps->pos, "expected ':' after object key");
    ps->pos++;
    size_t v = parse_value(ps);
    if (v == NO_NODE)
        return -1;
    ps->nodes[v].key_off = key_off;
    link_child(ps, obj, last, v);
    return 0;
}

static int
parse_container(struct parser *ps, size_t node, bool is_object)
{
    const char *what = is_object ? "object" : "array";
    char close = is_object ? '}' : ']';
    if (++ps->depth > NVKV_JSONREAD_MAX_DEPTH)
        return fail_at(ps, ps->pos, "nesting deeper than %d", NVKV_JSONREAD_MAX_DEPTH);
    ps->pos++;
    skip_space(ps);
    if (peek(ps) == close) {
        ps->pos++;
        ps->depth--;
        return 0;
    }
    size_t last = NO_NODE;
    int more;
    do {
        if (is_object) {
            if (parse_member(ps, node, &last) != 0)
                return -1;
        } else {
            size_t v = parse_value(ps);
            if (v == NO_NODE)
                return -1;
            link_child(ps, node, &last, v);
        }
        more = after_item(ps, close, what);
        if (more < 0)
            return -1;
    } while (more);
    ps->depth--;
    return 0;
}

static size_t
parse_value(struct parser *ps)
{
    skip_space(ps);
    int c = peek(ps);
    if (c < 0) {
        fail_at(ps, ps->pos, "unexpected end of input, expected a value");
        return NO_NODE;
    }
    size_t node = new_node(ps, NVKV_JNULL);
    if (node == NO_NODE)
        return NO_NODE;
    int rc;
    if (c == '{' || c == '[') {
        ps->nodes[node].type = c == '{' ? NVKV_JOBJECT : NVKV_JARRAY;
        rc = parse_container(ps, node, c == '{');
    } else if (c == '"') {
        ps->nodes[node].type = NVKV_JSTRING;
        rc = parse_string(ps, &ps->nodes[node].str_off, &ps->nodes[node].str_len);
    } else if (c == '-' || is_digit(c)) {
        ps->nodes[node].type = NVKV_JNUMBER;
        rc = parse_number(ps, node);
    } else {
        rc = parse_literal(ps, node);
    }
    return rc == 0 ? node : NO_NODE;
}

/* ---------------------------------------------------------------------------------------------
 * The document
 * ------------------------------------------------------------------------------------------- */

/* Turn the index-linked raw nodes into the public pointer-linked ones. */
static struct nvkv_jdoc *
finish(struct parser *ps)
{
    struct nvkv_jdoc *doc = calloc(1, sizeof(*doc));
    struct nvkv_jnode *nodes = calloc(ps->n_nodes, sizeof(*nodes));
    if (doc == NULL || nodes == NULL) {
        free(doc);
        free(nodes);
        return NULL;
    }
    for (size_t i = 0; i < ps->n_nodes; i++) {
        const struct raw_node *r = &ps->nodes[i];
        struct nvkv_jnode *n = &nodes[i];
        n->type = r->type;
        n->boolean = r->boolean;
        n->number = r->number;
        n->key = r->key_off == NO_NODE ? NULL : ps->strings + r->key_off;
        n->str = r->type == NVKV_JSTRING ? ps->strings + r->str_off : NULL;
        n->str_len = r->str_len;
        n->n_members = r->n_members;
        n->first = r->first == NO_NODE ? NULL : &nodes[r->first];
        n->next = r->next == NO_NODE ? NULL : &nodes[r->next];
    }
    doc->nodes = nodes;
    doc->strings = ps->strings;
    return doc;
}

int
nvkv_jdoc_parse(const char *text, size_t len, struct nvkv_jdoc **doc, char *err, size_t errlen)
{
    struct parser ps = {.text = text, .len = len, .err = err, .errlen = errlen};
    *doc = NULL;
    if (errlen > 0)
        err[0] = '\0';
    size_t root = parse_value(&ps);
    if (root != NO_NODE) {
        skip_space(&ps);
        if (ps.pos < ps.len)
            fail_at(&ps, ps.pos, "unexpected data after the top-level value");
    }
    /* the strings buffer must exist even when no string was read: nodes point into it */
    if (ps.rc == 0 && put_bytes(&ps, "", 1) == 0 && (*doc = finish(&ps)) == NULL)
        out_of_memory(&ps);
    free(ps.nodes);
    if (ps.rc != 0)
        free(ps.strings);
    return ps.rc;
}

int
nvkv_jdoc_load(const char *path, struct nvkv_jdoc **doc, char *err, size_t errlen)
{
    *doc = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    char *buf = malloc(MAX_FILE + 1);
    size_t n = buf != NULL ? fread(buf, 1, MAX_FILE + 1, f) : 0;
    bool read_error = ferror(f) != 0;
    fclose(f);
    int rc = 0;
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -ENOMEM;
    } else if (read_error) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -EIO;
    } else if (n > MAX_FILE) {
        snprintf(err, errlen, "%s: larger than %zu MiB", path, MAX_FILE >> 20);
        rc = -EFBIG;
    } else {
        char msg[256];
        rc = nvkv_jdoc_parse(buf, n, doc, msg, sizeof(msg));
        if (rc != 0)
            snprintf(err, errlen, "%s: %s", path, msg);
    }
    free(buf);
    return rc;
}

void
nvkv_jdoc_free(struct nvkv_jdoc *doc)
{
    if (doc == NULL)
        return;
    free(doc->nodes);
    free(doc->strings);
    free(doc);
}

const struct nvkv_jnode *
nvkv_jdoc_root(const struct nvkv_jdoc *doc)
{
    return doc != NULL ? &doc->nodes[0] : NULL;
}

/* The child of `node` named by the path segment [seg, seg + n). */
static const struct nvkv_jnode *
child_named(const struct nvkv_jnode *node, const char *seg, size_t n)
{
    if (node->type == NVKV_JOBJECT) {
        for (const struct nvkv_jnode *c = node->first; c != NULL; c = c->next)
            if (strncmp(c->key, seg, n) == 0 && c->key[n] == '\0')
                return c;
        return NULL;
    }
    if (node->type != NVKV_JARRAY || n == 0 || n > 9)
        return NULL;
    size_t index = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)seg[i]))
            return NULL;
        index = index * 10 + (size_t)(seg[i] - '0');
    }
    const struct nvkv_jnode *c = node->first;
    while (c != NULL && index-- > 0)
        c = c->next;
    return c;
}

const struct nvkv_jnode *
nvkv_jnode_at(const struct nvkv_jnode *node, const char *path)
{
    while (node != NULL && *path != '\0') {
        const char *dot = strchr(path, '.');
        size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
        node = child_named(node, path, n);
        path += n + (dot != NULL);
    }
    return node;
}

bool
nvkv_jnode_number_at(const struct nvkv_jnode *node, const char *path, double *out)
{
    const struct nvkv_jnode *n = nvkv_jnode_at(node, path);
    if (n == NULL || n->type != NVKV_JNUMBER)
        return false;
    *out = n->number;
    return true;
}

const char *
nvkv_jnode_string_at(const struct nvkv_jnode *node, const char *path)
{
    const struct nvkv_jnode *n = nvkv_jnode_at(node, path);
    return n != NULL && n->type == NVKV_JSTRING ? n->str : NULL;
}
