/* SPDX-License-Identifier: MIT */
#include "preset.h"

#include <string.h>

#define FIXED(bytes)                               \
    {                                              \
        .kind = WL_VALSIZE_FIXED, .fixed = (bytes) \
    }
#define MIX_VALUES(which)                      \
    {                                          \
        .kind = (which), .min = 8, .max = 2048 \
    }
#define WM_VALUES                                                                              \
    {                                                                                          \
        .kind = WL_VALSIZE_WM, .min = 10, .max = 1024, .theta = 0, .k = 0.2615, .sigma = 25.45 \
    }
#define KEYS(d)                                                                       \
    {                                                                                 \
        .dist = (d), .theta = WL_ZIPF_THETA_DEFAULT, .hot_items = 0.2, .hot_ops = 0.8 \
    }

/* ---- AnyKey (ASPLOS'25): 14 key/value sizes, one operation mix ---- */

#define ANYKEY_SOURCE                                                                           \
    "AnyKey (ASPLOS'25) workload table and evaluation setup (20% writes, Zipfian 0.99, loaded " \
    "device); KVEMU include/hw/femu/kvssd/settings.h (research/kvssd-emulators-pink-anykey.md " \
    "2.4)"

#define ANYKEY(nm, label, k, v, note)                                                 \
    {                                                                                 \
        .name = nm, .family = "anykey",                                               \
        .summary = label ": " #k " B keys, " #v                                       \
                         " B values, 80% reads, 20% updates, scrambled Zipfian 0.99", \
        .source = ANYKEY_SOURCE note, .spec = {                                       \
            .key_size = k,                                                            \
            .key_format = WL_KEYFMT_BINARY,                                           \
            .values = FIXED(v),                                                       \
            .keys = KEYS(WL_KEY_SCRAMBLED),                                           \
            .share = {[WL_OP_READ] = 0.8, [WL_OP_UPDATE] = 0.2},                      \
            .scan_dist = WL_SCAN_UNIFORM,                                             \
            .scan_max = 1,                                                            \
            .load = true                                                              \
        }                                                                             \
    }

/* KVEMU rounds values up to 4-byte multiples ("uNVMe requires to be aligned 4x"); the paper's
 * sizes are kept and KVEMU's named where it differs */
#define KVEMU_ROUNDS(v) "; KVEMU runs " #v " B values (rounded up to 4 B)"

/* ---- BandSlim: PUT-only value-size mixes ---- */

#define BANDSLIM_SOURCE                                                                        \
    "BandSlim (research/nvme-pcie-bandslim-plm.md 3.6): db_bench with 4-byte keys, 1 M PUTs. " \
    "BandSlim ran fillrandom (rand % num, some keys rewritten); here every PUT inserts a new " \
    "key, which moves the same bytes over PCIe. "

#define BANDSLIM(nm, summ, vals, note)                                                     \
    {                                                                                      \
        .name = nm, .family = "bandslim", .summary = summ, .source = BANDSLIM_SOURCE note, \
        .spec = {                                                                          \
            .key_size = 4,                                                                 \
            .key_format = WL_KEYFMT_BINARY,                                                \
            .values = vals,                                                                \
            .keys = KEYS(WL_KEY_UNIFORM),                                                  \
            .share = {[WL_OP_INSERT] = 1.0},                                               \
            .scan_dist = WL_SCAN_UNIFORM,                                                  \
            .scan_max = 1,                                                                 \
            .load = false                                                                  \
        }                                                                                  \
    }

/* ---- YCSB core workloads ---- */

/*
 * Keys "user" + FNV-1 64 of the item in decimal (insertorder=hashed) at their natural length,
 * key_size 0: YCSB's default zeropadding of 1 pads nothing, so keys are 5..23 bytes, 22.9 on
 * average (90% have 19 digits). Records are fieldcount 10 x fieldlength 100 = 1000 bytes.
 */
#define YCSB_SOURCE                                                                              \
    "YCSB core workloads (brianfrankcooper/YCSB workloads/workload*, CoreWorkload.java; "        \
    "research/host-lsm-kvaccel-workloads.md 4.3): fieldcount 10 x fieldlength 100, insertorder " \
    "hashed, zeropadding 1 (natural key length), maxscanlength "

#define YCSB(nm, summ, dist, shares, scan_len)                                                    \
    {                                                                                             \
        .name = nm, .family = "ycsb", .summary = summ, .source = YCSB_SOURCE #scan_len, .spec = { \
            .key_size = 0,                                                                        \
            .key_format = WL_KEYFMT_YCSB,                                                         \
            .values = FIXED(1000),                                                                \
            .keys = KEYS(dist),                                                                   \
            .share = shares,                                                                      \
            .scan_dist = WL_SCAN_UNIFORM,                                                         \
            .scan_max = scan_len,                                                                 \
            .load = true                                                                          \
        }                                                                                         \
    }

/* ---- db_bench ---- */

#define DB_BENCH_SOURCE "db_bench 7.8.3 (research/host-lsm-kvaccel-workloads.md 4.1"

#define DB_BENCH(nm, summ, note, k, vals, dist, shares, sdist, smax, loaded)               \
    {                                                                                      \
        .name = nm, .family = "db_bench", .summary = summ, .source = DB_BENCH_SOURCE note, \
        .spec = {                                                                          \
            .key_size = k,                                                                 \
            .key_format = WL_KEYFMT_BINARY,                                                \
            .values = vals,                                                                \
            .keys = KEYS(dist),                                                            \
            .share = shares,                                                               \
            .scan_dist = sdist,                                                            \
            .scan_max = smax,                                                              \
            .load = loaded                                                                 \
        }                                                                                  \
    }

/* db_bench's defaults: --key_size 16, --value_size 100 */
#define DB_KEY   16
#define DB_VALUE FIXED(100)

/*
 * readwhilewriting: db_bench adds one writer thread to the --threads N readers (num_threads++),
 * all closed-loop; at equal speed one request in N + 1 is a write. With the common --threads 8
 * that is 1/9.
 */
#define RWW_READERS 8.0

#define SHARES(...) \
    {               \
        __VA_ARGS__ \
    }

const struct wl_preset wl_presets[] = {
    ANYKEY("kvssd", "KVSSD", 16, 4096, ""),
    ANYKEY("ycsb", "YCSB (AnyKey's, not ycsb-a..f)", 20, 1000, ""),
    ANYKEY("wpink", "W-PinK", 32, 1024, ""),
    ANYKEY("xbox", "Xbox", 94, 1200, ""),
    ANYKEY("etc", "ETC", 41, 358, KVEMU_ROUNDS(360)),
    ANYKEY("udb", "UDB", 27, 127, KVEMU_ROUNDS(128)),
    ANYKEY("cache", "Cache", 42, 188, ""),
    ANYKEY("var", "VAR", 35, 115, KVEMU_ROUNDS(116)),
    ANYKEY("crypto2", "Crypto2", 37, 110, KVEMU_ROUNDS(112)),
    ANYKEY("dedup", "Dedup", 20, 44, ""),
    ANYKEY("cache15", "Cache15", 38, 38, KVEMU_ROUNDS(40)),
    ANYKEY("zippydb", "ZippyDB", 48, 43, KVEMU_ROUNDS(44)),
    ANYKEY("crypto1", "Crypto1", 76, 50, KVEMU_ROUNDS(52)),
    ANYKEY("rtdata", "RTDATA", 24, 10, KVEMU_ROUNDS(12)),

    BANDSLIM("wb", "BandSlim W(B): PUTs of 8 B and 2 KiB values at 9:1, 4 B keys",
             MIX_VALUES(WL_VALSIZE_WB), "W(B): 8 B : 2 KiB = 9 : 1."),
    BANDSLIM("wc", "BandSlim W(C): PUTs of 8 B and 2 KiB values at 1:9, 4 B keys",
             MIX_VALUES(WL_VALSIZE_WC), "W(C): 8 B : 2 KiB = 1 : 9."),
    BANDSLIM("wd", "BandSlim W(D): PUTs of 8 B .. 2 KiB values (9 sizes, equal shares), 4 B keys",
             MIX_VALUES(WL_VALSIZE_WD), "W(D): {8, 16, .., 2048} B uniform."),
    BANDSLIM("wm", "BandSlim W(M): PUTs of db_bench mixgraph value sizes (10 B .. 1 KiB), 4 B keys",
             WM_VALUES, "W(M): mixgraph's Pareto value sizes, max 1 KiB."),

    YCSB("ycsb-a", "YCSB A: 50% reads, 50% updates, scrambled Zipfian, 1000 B records",
         WL_KEY_SCRAMBLED, SHARES([WL_OP_READ] = 0.5, [WL_OP_UPDATE] = 0.5), 1000),
    YCSB("ycsb-b", "YCSB B: 95% reads, 5% updates, scrambled Zipfian, 1000 B records",
         WL_KEY_SCRAMBLED, SHARES([WL_OP_READ] = 0.95, [WL_OP_UPDATE] = 0.05), 1000),
    YCSB("ycsb-c", "YCSB C: reads only, scrambled Zipfian, 1000 B records", WL_KEY_SCRAMBLED,
         SHARES([WL_OP_READ] = 1.0), 1000),
    YCSB("ycsb-d", "YCSB D: 95% reads of the latest items, 5% inserts, 1000 B records",
         WL_KEY_LATEST, SHARES([WL_OP_READ] = 0.95, [WL_OP_INSERT] = 0.05), 1000),
    YCSB("ycsb-e", "YCSB E: 95% scans of 1..100 items, 5% inserts, scrambled Zipfian",
         WL_KEY_SCRAMBLED, SHARES([WL_OP_SCAN] = 0.95, [WL_OP_INSERT] = 0.05), 100),
    YCSB("ycsb-f", "YCSB F: 50% reads, 50% read-modify-writes, scrambled Zipfian", WL_KEY_SCRAMBLED,
         SHARES([WL_OP_READ] = 0.5, [WL_OP_RMW] = 0.5), 1000),

    DB_BENCH("fillseq", "db_bench fillseq: PUTs of new keys in key order, 16 B keys, 100 B values",
             "): key i = 0, 1, 2, ...", DB_KEY, DB_VALUE, WL_KEY_SEQ, SHARES([WL_OP_INSERT] = 1.0),
             WL_SCAN_UNIFORM, 1, false),
    DB_BENCH("fillrandom",
             "db_bench fillrandom: PUTs of uniform random keys with replacement on an empty device",
             "): key = rand % num, so some keys are written twice and some never; the run draws "
             "over the whole key space (limit = capacity) though nothing is loaded",
             DB_KEY, DB_VALUE, WL_KEY_UNIFORM, SHARES([WL_OP_UPDATE] = 1.0), WL_SCAN_UNIFORM, 1,
             false),
    DB_BENCH("readrandom", "db_bench readrandom: GETs of uniform random keys of a loaded device",
             ")", DB_KEY, DB_VALUE, WL_KEY_UNIFORM, SHARES([WL_OP_READ] = 1.0), WL_SCAN_UNIFORM, 1,
             true),
    DB_BENCH(
        "readwhilewriting",
        "db_bench readwhilewriting: uniform GETs, 1 request in 9 an overwrite (--threads 8)",
        "): --threads 8 readers plus the one writer thread db_bench adds, at equal rates", DB_KEY,
        DB_VALUE, WL_KEY_UNIFORM,
        SHARES([WL_OP_READ] = RWW_READERS / (RWW_READERS + 1.0), [WL_OP_UPDATE] =
                                                                     1.0 / (RWW_READERS + 1.0)),
        WL_SCAN_UNIFORM, 1, true),
    DB_BENCH("seekrandom", "db_bench seekrandom: a uniform Seek then 10 items (--seek_nexts 10)",
             "; --seek_nexts 10 as RocksDB's tools/benchmark.sh NUM_NEXTS_PER_SEEK, db_bench's "
             "own default 0 reads only the item at the seek)",
             DB_KEY, DB_VALUE, WL_KEY_UNIFORM, SHARES([WL_OP_SCAN] = 1.0), WL_SCAN_FIXED, 10, true),
    DB_BENCH("mixgraph",
             "db_bench mixgraph all_random: 83% GETs, 14% PUTs, 3% Seeks, uniform keys, Pareto "
             "values and scan lengths, 48 B keys",
             ", 4.2; Cao et al. FAST'20): --key_size 48, mix_get/put/seek_ratio 0.83/0.14/0.03, "
             "value_k 0.2615 value_sigma 25.45, iter_k 2.517 iter_sigma 14.236, "
             "mix_max_scan_len 10000, keyrange_num 1 (all_random); keys and sizes are drawn "
             "independently where db_bench uses one u for both)",
             48, WM_VALUES, WL_KEY_UNIFORM,
             SHARES([WL_OP_READ] = 0.83, [WL_OP_UPDATE] = 0.14, [WL_OP_SCAN] = 0.03),
             WL_SCAN_PARETO, WL_SCAN_PARETO_MAX, true),
};

const unsigned wl_preset_count = sizeof(wl_presets) / sizeof(wl_presets[0]);

const struct wl_preset *
wl_preset_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (unsigned i = 0; i < wl_preset_count; i++)
        if (strcmp(wl_presets[i].name, name) == 0)
            return &wl_presets[i];
    return NULL;
}

const char *
wl_preset_names(void)
{
    static char names[1024];
    size_t used = 0;
    for (unsigned i = 0; i < wl_preset_count; i++) {
        size_t len = strlen(wl_presets[i].name);
        if (used + len + 3 > sizeof(names))
            break;
        if (i > 0) {
            memcpy(names + used, ", ", 2);
            used += 2;
        }
        memcpy(names + used, wl_presets[i].name, len);
        used += len;
    }
    names[used] = '\0';
    return names;
}
