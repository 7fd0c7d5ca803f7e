/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <errno.h>

#include <math.h>

#include "check.h"

static void
write_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* Separator, newline, indentation and key of the next member. */
static void
member(struct nvkv_json *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = false;
    fputc('\n', j->out);
    for (int i = 0; i <= j->depth; i++)
        fputs("  ", j->out);
    if (!j->is_array[j->depth]) {
        NVKV_CHECK(key != NULL);
        write_escaped(j->out, key);
        fputs(": ", j->out);
    }
}

static void
open_container(struct nvkv_json *j, const char *key, bool array)
{
    member(j, key);
    NVKV_CHECK(j->depth + 1 < NVKV_JSON_MAX_DEPTH);
    fputc(array ? '[' : '{', j->out);
    j->depth++;
    j->first[j->depth] = true;
    j->is_array[j->depth] = array;
}

void
nvkv_json_begin(struct nvkv_json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->first[0] = true;
    j->is_array[0] = false;
    fputc('{', out);
}

int
nvkv_json_end(struct nvkv_json *j)
{
    NVKV_CHECK(j->depth == 0);
    fputs("\n}\n", j->out);
    return ferror(j->out) ? -EIO : 0;
}

void
nvkv_json_object(struct nvkv_json *j, const char *key)
{
    open_container(j, key, false);
}

void
nvkv_json_array(struct nvkv_json *j, const char *key)
{
    open_container(j, key, true);
}

void
nvkv_json_close(struct nvkv_json *j)
{
    NVKV_CHECK(j->depth > 0);
    bool empty = j->first[j->depth];
    bool array = j->is_array[j->depth];
    j->depth--;
    if (!empty) {
        fputc('\n', j->out);
        for (int i = 0; i <= j->depth; i++)
            fputs("  ", j->out);
    }
    fputc(array ? ']' : '}', j->out);
}

void
nvkv_json_u64(struct nvkv_json *j, const char *key, uint64_t v)
{
    member(j, key);
    fprintf(j->out, "%llu", (unsigned long long)v);
}

void
nvkv_json_i64(struct nvkv_json *j, const char *key, int64_t v)
{
    member(j, key);
    fprintf(j->out, "%lld", (long long)v);
}

void
nvkv_json_double(struct nvkv_json *j, const char *key, double v)
{
    member(j, key);
    /* JSON has no NaN or infinity; null says "not defined" honestly. */
    if (!isfinite(v))
        fputs("null", j->out);
    else
        fprintf(j->out, "%.12g", v);
}

void
nvkv_json_bool(struct nvkv_json *j, const char *key, bool v)
{
    member(j, key);
    fputs(v ? "true" : "false", j->out);
}

void
nvkv_json_string(struct nvkv_json *j, const char *key, const char *v)
{
    member(j, key);
    write_escaped(j->out, v);
}
