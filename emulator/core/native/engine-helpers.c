/*
 * Native helpers for h5sim's engine binding (loaded by emulator/core/unicorn.ts).
 *
 * Unicorn 2.0.1 can stop after N instructions but does not say how many ran when a run ends
 * early (an MMIO write that raises an interrupt, an exception hook). The counter hook counts
 * every instruction in native code and stops the engine at the slice limit, so the virtual clock
 * is exact without a JavaScript callback per instruction. The block ring keeps the start
 * addresses of the last basic blocks executed, for fault reports (--trace-blocks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unicorn/unicorn.h>

struct h5_counter {
    uint64_t executed;   /* instructions executed since the counter was last armed */
    uint64_t limit;      /* stop before the instruction that would exceed this */
    uc_hook hook;
    uint32_t recent[4];  /* addresses of the last four instructions, indexed by sequence & 3 */
    uint32_t sequence;   /* instructions seen since install (wraps) */
    uint32_t watch_armed; /* nonzero: stop right after an instruction marked in watch_bitmap */
    uint32_t watch_hit;   /* set when such a stop was made (the caller clears it) */
    uint32_t watch_base;  /* address of bit 0 of the bitmap; one bit per halfword */
    uint32_t watch_size;  /* bytes covered */
    uint32_t pad;
    const uint8_t *watch_bitmap;
};

struct h5_block_ring {
    uint32_t *addresses;
    uint32_t capacity;
    uint32_t next;
    uint64_t total;
    uc_hook hook;
};

/*
 * The engine keeps the IT-block state (ITSTATE) in translation-time flags and does not write it
 * back when a run stops between an IT instruction and the end of its block: the next run would
 * execute the remaining conditional instructions unconditionally. So a stop is never made inside
 * an IT block; it waits for the first instruction after the block (at most four later), and
 * those instructions are counted. `address` is the instruction about to run; the last four
 * executed instructions are in `recent`, so the IT instruction, if any, is found exactly.
 */
static int inside_it_block(uc_engine *uc, const struct h5_counter *counter, uint64_t address)
{
    uint32_t back;
    (void)address;
    for (back = 1; back <= 4 && back <= counter->sequence; back++) {
        uint16_t halfword = 0;
        uint32_t mask;
        uint32_t length;
        if (uc_mem_read(uc, counter->recent[(counter->sequence - back) & 3], &halfword, 2) != UC_ERR_OK) {
            return 0;
        }
        mask = halfword & 0xfu;
        if ((halfword & 0xff00u) != 0xbf00u || mask == 0) {
            continue; /* not an IT instruction (0xbfx0 are hints: NOP, YIELD, WFE, WFI, SEV) */
        }
        /* The block holds 4 - (trailing zeros of the mask) instructions after the IT. */
        length = (mask & 1u) ? 4 : (mask & 2u) ? 3 : (mask & 4u) ? 2 : 1;
        return back <= length;
    }
    return 0;
}

static void count_instruction(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
{
    struct h5_counter *counter = (struct h5_counter *)user_data;
    (void)size;
    /* The hook runs before its instruction and a stop requested here prevents it from running,
     * so it is not counted now; it is counted when the next run starts with it. */
    if (counter->executed >= counter->limit && !inside_it_block(uc, counter, address)) {
        uc_emu_stop(uc);
        return;
    }
    counter->recent[counter->sequence & 3] = (uint32_t)address;
    counter->sequence++;
    counter->executed++;
    if (counter->watch_armed) {
        /* An interrupt is pending but masked: after an instruction that may unmask it (CPSIE,
         * MSR PRIMASK/BASEPRI/FAULTMASK), end the run so the core can take it at once. */
        uint32_t offset = (uint32_t)address - counter->watch_base;
        if (offset < counter->watch_size && ((counter->watch_bitmap[offset >> 4] >> ((offset >> 1) & 7)) & 1u)) {
            counter->watch_hit = 1;
            counter->limit = counter->executed;
        }
    }
}

/* The bitmap stays owned by the caller, who keeps it alive while it is set. */
void h5_counter_set_watch(struct h5_counter *counter, const uint8_t *bitmap, uint32_t base, uint32_t size)
{
    counter->watch_armed = 0;
    counter->watch_bitmap = bitmap;
    counter->watch_base = base;
    counter->watch_size = bitmap == NULL ? 0 : size;
}

/* The counter lives in memory the caller owns (JavaScript reads and writes `executed` and `limit`
 * directly, without a call per access). */
int h5_counter_install(uc_engine *uc, struct h5_counter *counter)
{
    counter->executed = 0;
    counter->limit = 0;
    counter->sequence = 0;
    counter->watch_armed = 0;
    counter->watch_hit = 0;
    counter->watch_size = 0;
    counter->watch_bitmap = NULL;
    return uc_hook_add(uc, &counter->hook, UC_HOOK_CODE, (void *)count_instruction, counter, 1, 0);
}

/* From a code hook: stop before the instruction the hook is for, which the counter hook (installed
 * first, so called first) has already counted. */
void h5_counter_stop_before_current(uc_engine *uc, struct h5_counter *counter)
{
    uint32_t address = counter->recent[(counter->sequence - 1) & 3];
    if (counter->sequence > 0) {
        /* Forget the current instruction, so the IT-block check looks at what ran before it. */
        counter->sequence--;
        if (inside_it_block(uc, counter, address)) {
            /* Cannot stop here (see inside_it_block): run on and stop after the block. */
            counter->sequence++;
            counter->limit = counter->executed;
            return;
        }
    }
    if (counter->executed > 0) {
        counter->executed--;
    }
    counter->limit = counter->executed;
    uc_emu_stop(uc);
}

void h5_counter_remove(uc_engine *uc, struct h5_counter *counter)
{
    uc_hook_del(uc, counter->hook);
}

static void record_block(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
{
    struct h5_block_ring *ring = (struct h5_block_ring *)user_data;
    (void)uc;
    (void)size;
    ring->addresses[ring->next] = (uint32_t)address;
    ring->next = (ring->next + 1) % ring->capacity;
    ring->total++;
}

struct h5_block_ring *h5_block_ring_install(uc_engine *uc, uint32_t capacity)
{
    struct h5_block_ring *ring;
    if (capacity == 0) {
        return NULL;
    }
    ring = calloc(1, sizeof *ring);
    if (ring == NULL) {
        return NULL;
    }
    ring->addresses = calloc(capacity, sizeof *ring->addresses);
    ring->capacity = capacity;
    if (ring->addresses == NULL ||
        uc_hook_add(uc, &ring->hook, UC_HOOK_BLOCK, (void *)record_block, ring, 1, 0) != UC_ERR_OK) {
        free(ring->addresses);
        free(ring);
        return NULL;
    }
    return ring;
}

/* Copies the recorded block addresses, oldest first, and returns how many were copied. */
uint32_t h5_block_ring_copy(const struct h5_block_ring *ring, uint32_t *out, uint32_t max)
{
    uint32_t count = ring->total < ring->capacity ? (uint32_t)ring->total : ring->capacity;
    uint32_t start = (ring->next + ring->capacity - count) % ring->capacity;
    uint32_t i;
    if (count > max) {
        start = (start + (count - max)) % ring->capacity;
        count = max;
    }
    for (i = 0; i < count; i++) {
        out[i] = ring->addresses[(start + i) % ring->capacity];
    }
    return count;
}

void h5_block_ring_remove(uc_engine *uc, struct h5_block_ring *ring)
{
    uc_hook_del(uc, ring->hook);
    free(ring->addresses);
    free(ring);
}

/* Reads or writes several registers in one call from JavaScript (one FFI crossing instead of one
 * per register on every exception entry and return). Values are 64-bit slots; 32-bit registers use
 * the low half. */
int h5_read_registers(uc_engine *uc, const int *ids, uint64_t *values, int count)
{
    int i;
    for (i = 0; i < count; i++) {
        values[i] = 0;
        if (uc_reg_read(uc, ids[i], &values[i]) != UC_ERR_OK) {
            return i + 1;
        }
    }
    return 0;
}

int h5_write_registers(uc_engine *uc, const int *ids, const uint64_t *values, int count)
{
    int i;
    for (i = 0; i < count; i++) {
        if (uc_reg_write(uc, ids[i], &values[i]) != UC_ERR_OK) {
            return i + 1;
        }
    }
    return 0;
}
