/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the JSON reader (outside input: result.json files a user points `nvkv plot`
 * at). The contract checked: never crash; a refusal is one line naming the byte offset, inside
 * the input; an accepted document's tree is consistent (member counts, keys only in objects)
 * and survives a round trip: printed compactly and parsed again, it prints the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/check.h"
#include "../../src/base/jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
print_string(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Print compactly; checks the tree's invariants on the way. */
static void
print_node(FILE *out, const struct nvkv_jnode *n, int depth)
{
    NVKV_CHECK(depth <= NVKV_JSONREAD_MAX_DEPTH);
    switch (n->type) {
    case NVKV_JNULL:
        fputs("null", out);
        return;
    case NVKV_JBOOL:
        fputs(n->boolean ? "true" : "false", out);
        return;
    case NVKV_JNUMBER:
        fprintf(out, "%.17g", n->number);
        return;
    case NVKV_JSTRING:
        NVKV_CHECK(n->str != NULL && n->str[n->str_len] == '\0');
        print_string(out, n->str, n->str_len);
        return;
    case NVKV_JARRAY:
    case NVKV_JOBJECT:
        break;
    }
    bool object = n->type == NVKV_JOBJECT;
    fputc(object ? '{' : '[', out);
    size_t count = 0;
    for (const struct nvkv_jnode *c = n->first; c != NULL; c = c->next, count++) {
        NVKV_CHECK_MSG((c->key != NULL) == object, "key presence does not match the parent");
        if (count > 0)
            fputc(',', out);
        if (object) {
            print_string(out, c->key, strlen(c->key));
            fputc(':', out);
        }
        print_node(out, c, depth + 1);
    }
    NVKV_CHECK_MSG(count == n->n_members, "%zu children, n_members %zu", count, n->n_members);
    fputc(object ? '}' : ']', out);
}

/* The compact text of a document; caller frees. */
static char *
print_doc(const struct nvkv_jdoc *doc, size_t *len)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    NVKV_CHECK(out != NULL);
    print_node(out, nvkv_jdoc_root(doc), 0);
    NVKV_CHECK(fclose(out) == 0);
    return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nvkv_jdoc *doc = NULL;
    char err[256];
    int rc = nvkv_jdoc_parse((const char *)data, size, &doc, err, sizeof(err));
    if (rc != 0) {
        NVKV_CHECK(doc == NULL);
        NVKV_CHECK_MSG(strchr(err, '\n') == NULL, "error not one line: %s", err);
        unsigned long long at = 0;
        NVKV_CHECK_MSG(sscanf(err, "byte %llu", &at) == 1 || strcmp(err, "out of memory") == 0,
                       "error names no byte: %s", err);
        NVKV_CHECK_MSG(at <= size, "error at byte %llu of %zu", at, size);
        return 0;
    }
    size_t len1, len2;
    char *text1 = print_doc(doc, &len1);
    nvkv_jdoc_free(doc);
    rc = nvkv_jdoc_parse(text1, len1, &doc, err, sizeof(err));
    NVKV_CHECK_MSG(rc == 0, "printed document refused: %s: %s", err, text1);
    char *text2 = print_doc(doc, &len2);
    NVKV_CHECK_MSG(len1 == len2 && memcmp(text1, text2, len1) == 0, "round trip differs: %s vs %s",
                   text1, text2);
    nvkv_jdoc_free(doc);
    free(text1);
    free(text2);
    return 0;
}
