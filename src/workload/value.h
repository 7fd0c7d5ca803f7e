/* SPDX-License-Identifier: MIT */
/*
 * Value bytes, deterministic from (item, version), so a GET can be verified without keeping
 * values on the host: a 64-byte block of multiply-xorshift words of a seed of both, repeated.
 * Filling is then a few vector copies, so a 4 KiB workload measures the emulator rather than
 * the value generator; any stale, misplaced or foreign value still differs in every word.
 */
#ifndef NVKV_WORKLOAD_VALUE_H
#define NVKV_WORKLOAD_VALUE_H

#include <stdint.h>

/* Fill buf[0, len) with the value of `item` at `version`. */
void wl_value_fill(uint8_t *buf, uint32_t len, uint64_t item, uint32_t version);

/*
 * Check 16 bytes spread over buf[0, len) (the first and the last among them) against the value
 * of `item` at `version`: the offset of the first that differs, or len when all match.
 */
uint32_t wl_value_check(const uint8_t *buf, uint32_t len, uint64_t item, uint32_t version);

/* Compare every byte; same return as wl_value_check. */
uint32_t wl_value_check_all(const uint8_t *buf, uint32_t len, uint64_t item, uint32_t version);

#endif
