/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for result files. Output is pretty-printed with one member per
 * line, keys in the order written, and numbers formatted identically on every machine, so two
 * runs can be compared line by line (see tests/sim/determinism.sh).
 */
#ifndef NVKV_BASE_JSON_H
#define NVKV_BASE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NVKV_JSON_MAX_DEPTH 32

struct nvkv_json {
    FILE *out;
    int depth;
    bool first[NVKV_JSON_MAX_DEPTH]; /* no member written yet at this depth */
    bool is_array[NVKV_JSON_MAX_DEPTH];
};

/* Start a document; the writer does not own `out`. The top level is an object. */
void nvkv_json_begin(struct nvkv_json *j, FILE *out);

/* Finish the document (closes the top-level object). Returns 0 or -EIO. */
int nvkv_json_end(struct nvkv_json *j);

/* Members of the current object; `key` is ignored (pass NULL) inside arrays. */
void nvkv_json_object(struct nvkv_json *j, const char *key);
void nvkv_json_array(struct nvkv_json *j, const char *key);
void nvkv_json_close(struct nvkv_json *j);
void nvkv_json_u64(struct nvkv_json *j, const char *key, uint64_t v);
void nvkv_json_i64(struct nvkv_json *j, const char *key, int64_t v);
void nvkv_json_double(struct nvkv_json *j, const char *key, double v);
void nvkv_json_bool(struct nvkv_json *j, const char *key, bool v);
void nvkv_json_string(struct nvkv_json *j, const char *key, const char *v);

#endif
