/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the configuration parser (outside input: INI files and --set). Byte 0 picks
 * the path: even = INI text, odd = "section.key=value" lines; byte 1 is the --scale. The
 * contract checked: never crash, every error is exactly one line, and every accepted config
 * prints and reads back to the same INI text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/check.h"
#include "../../src/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_one_line(int rc, const char *err)
{
    if (rc != 0)
        NVKV_CHECK_MSG(err[0] != '\0' && strchr(err, '\n') == NULL, "error not one line: %s", err);
}

static char *
print_ini(const struct cfg *c)
{
    /* static: gcc -O3 flags the address of a local handed to open_memstream as dangling */
    static char *buf;
    static size_t len;
    buf = NULL;
    FILE *f = open_memstream(&buf, &len);
    NVKV_CHECK(f != NULL);
    cfg_print_ini(c, f);
    fclose(f);
    return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char *text = malloc(size - 1);
    NVKV_CHECK(text != NULL);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    struct cfg c;
    char err[CFG_ERR_LEN] = "";
    int rc = cfg_load_preset(&c, "anykey64g", err, sizeof(err));
    NVKV_CHECK(rc == 0);
    if (data[0] % 2 == 0) {
        rc = cfg_load_string(&c, text, "fuzz.ini", err, sizeof(err));
    } else {
        for (char *line = strtok(text, "\n"); line != NULL && rc == 0; line = strtok(NULL, "\n"))
            rc = cfg_set_assignment(&c, line, err, sizeof(err));
    }
    check_one_line(rc, err);
    if (rc == 0) {
        rc = cfg_finalize(&c, 1u + data[1], err, sizeof(err));
        check_one_line(rc, err);
    }
    if (rc == 0) {
        char *first = print_ini(&c);
        struct cfg back;
        NVKV_CHECK(cfg_load_preset(&back, "anykey64g", err, sizeof(err)) == 0);
        rc = cfg_load_string(&back, first, "printed", err, sizeof(err));
        NVKV_CHECK_MSG(rc == 0, "printed config does not read back: %s", err);
        rc = cfg_finalize(&back, 1, err, sizeof(err));
        NVKV_CHECK_MSG(rc == 0, "printed config does not finalize: %s", err);
        char *second = print_ini(&back);
        /* the first line names the scale that was applied; compare from the second line on */
        NVKV_CHECK_MSG(strcmp(strchr(first, '\n'), strchr(second, '\n')) == 0,
                       "printed config changed on reload");
        free(first);
        free(second);
    }
    free(text);
    return 0;
}
