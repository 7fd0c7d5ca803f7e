/* SPDX-License-Identifier: MIT */
/*
 * A small, strict, read-only JSON parser (RFC 8259) for reading result files back: objects,
 * arrays, strings with every escape, numbers, true, false, null. The whole document becomes a
 * tree of nodes that is queried by dotted path ("flash.page_writes.flush"; a path segment of
 * digits indexes an array) or walked member by member.
 *
 * Strict means: no comments, no trailing commas, no leading zeros, no NaN/Infinity, no control
 * characters or invalid UTF-8 inside strings, no lone surrogates, no numbers beyond double's
 * range, nothing after the top-level value. Nesting deeper than NVKV_JSONREAD_MAX_DEPTH is
 * refused, so no input can exhaust the stack. Malformed input gives an error naming the byte
 * offset (and line) of the first offending byte; no input makes the parser crash. Duplicate
 * keys are kept; lookups find the first.
 */
#ifndef NVKV_BASE_JSONREAD_H
#define NVKV_BASE_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

#define NVKV_JSONREAD_MAX_DEPTH 64

enum nvkv_jtype {
    NVKV_JNULL,
    NVKV_JBOOL,
    NVKV_JNUMBER,
    NVKV_JSTRING,
    NVKV_JARRAY,
    NVKV_JOBJECT,
};

/* One value of the tree; read it through the functions below. */
struct nvkv_jnode {
    enum nvkv_jtype type;
    bool boolean;
    double number;
    const char *key;                /* member name inside an object, else NULL; NUL-terminated */
    const char *str;                /* NVKV_JSTRING: the decoded bytes, NUL-terminated */
    size_t str_len;                 /* may hold embedded NULs (\u0000) */
    size_t n_members;               /* NVKV_JARRAY / NVKV_JOBJECT: number of children */
    const struct nvkv_jnode *first; /* first child or NULL */
    const struct nvkv_jnode *next;  /* next sibling or NULL */
};

struct nvkv_jdoc;

/*
 * Parse `len` bytes (need not be NUL-terminated). Returns 0 and *doc, or -EINVAL (malformed;
 * err says "byte N (line L): what") or -ENOMEM. Free *doc with nvkv_jdoc_free.
 */
int nvkv_jdoc_parse(const char *text, size_t len, struct nvkv_jdoc **doc, char *err, size_t errlen);

/* Read and parse a file of at most 64 MiB; errors name the path. */
int nvkv_jdoc_load(const char *path, struct nvkv_jdoc **doc, char *err, size_t errlen);

void nvkv_jdoc_free(struct nvkv_jdoc *doc);

const struct nvkv_jnode *nvkv_jdoc_root(const struct nvkv_jdoc *doc);

/* The node at a dotted path below `node` ("" is `node` itself), or NULL. */
const struct nvkv_jnode *nvkv_jnode_at(const struct nvkv_jnode *node, const char *path);

/* The number at `path`; false (and *out untouched) when absent or not a number. */
bool nvkv_jnode_number_at(const struct nvkv_jnode *node, const char *path, double *out);

/* The string at `path`, or NULL when absent or not a string. */
const char *nvkv_jnode_string_at(const struct nvkv_jnode *node, const char *path);

#endif
