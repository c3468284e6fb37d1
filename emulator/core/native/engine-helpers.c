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
    uint64_t gate;       /* what the common path compares with: `limit`, or 0 while `extras` is set */
    uint32_t extras;     /* nonzero when after_count has work: break_count or watch_armed (the caller keeps it) */
    uint32_t unused[2];
    uint32_t watch_armed; /* nonzero: stop right after an instruction marked in watch_bitmap */
    uint32_t watch_hit;   /* set when such a stop was made (the caller clears it) */
    uint32_t watch_base;  /* address of bit 0 of the bitmap; one bit per halfword */
    uint32_t watch_size;  /* bytes covered */
    uint32_t pad;
    const uint8_t *watch_bitmap;
    /* Instruction addresses with a callback (breakpoints, probes, function-entry watches). Unicorn
     * walks its whole list of code hooks on every hooked instruction, so a second code hook, even
     * on one address, slows every instruction by a third; these share the counter's hook. */
    uint32_t break_count;          /* entries in `breaks` (0: nothing to check) */
    uint32_t break_filter[32];     /* bit (address >> 1) & 1023 set for every entry */
    uint32_t pad2;
    const uint32_t *breaks;        /* caller-owned table of `break_count` addresses */
    void (*on_break)(uint32_t address, uint32_t size);
};

struct h5_block_ring {
    uint32_t *addresses;
    uint32_t capacity;
    uint32_t next;
    uint64_t total;
    uc_hook hook;
};

/* Length in bytes of the Thumb instruction whose first halfword is `halfword`. */
static uint32_t thumb_length(uint16_t halfword)
{
    uint32_t top = halfword >> 11;
    return (top == 0x1d || top == 0x1e || top == 0x1f) ? 4 : 2;
}

/*
 * The engine keeps the IT-block state (ITSTATE) in translation-time flags and does not write it
 * back when a run stops between an IT instruction and the end of its block: the next run would
 * execute the remaining conditional instructions unconditionally. So a stop is never made inside
 * an IT block; it waits for the first instruction after the block (at most four later), and
 * those instructions are counted.
 *
 * Called only when a stop is due, so it reads memory instead of keeping a history per instruction
 * (a store per instruction costs a fifth of the engine's speed on tight loops). An IT instruction
 * covering `address` lies 2 to 14 bytes before it. A halfword that looks like IT may be the second
 * half of a 32-bit instruction; the instruction after it starts right behind it either way, so
 * decoding forward from there to `address` is sound, and a false match only delays the stop.
 */
static int inside_it_block(uc_engine *uc, uint64_t address)
{
    uint16_t before[7];
    uint32_t distance;
    if (address < 14 || uc_mem_read(uc, address - 14, before, sizeof before) != UC_ERR_OK) {
        return 0;
    }
    for (distance = 2; distance <= 14; distance += 2) {
        uint16_t halfword = before[(14 - distance) / 2];
        uint32_t mask = halfword & 0xfu;
        uint32_t length;
        uint32_t position = 14 - distance + 2; /* byte offset in `before` of the next instruction */
        uint32_t index = 1;
        if ((halfword & 0xff00u) != 0xbf00u || mask == 0) {
            continue; /* not an IT instruction (0xbfx0 are hints: NOP, YIELD, WFE, WFI, SEV) */
        }
        while (position < 14) {
            position += thumb_length(before[position / 2]);
            index++;
        }
        if (position != 14) {
            continue; /* the decode does not land on `address`: not an instruction boundary */
        }
        /* The block holds 4 - (trailing zeros of the mask) instructions after the IT. */
        length = (mask & 1u) ? 4 : (mask & 2u) ? 3 : (mask & 4u) ? 2 : 1;
        return index <= length;
    }
    return 0;
}

/* The rare work after counting an instruction: callbacks on watched addresses and the unmask
 * watch. Kept out of count_instruction so its common path needs no stack frame. */
static __attribute__((noinline)) void after_count(uc_engine *uc, struct h5_counter *counter, uint64_t address, uint32_t size)
{
    (void)uc;
    if (counter->break_count != 0) {
        uint32_t bit = ((uint32_t)address >> 1) & 1023u;
        if ((counter->break_filter[bit >> 5] >> (bit & 31)) & 1u) {
            uint32_t i;
            for (i = 0; i < counter->break_count; i++) {
                if (counter->breaks[i] == (uint32_t)address) {
                    /* Counted already, like a hook installed after the counter's: a callback that
                     * stops before this instruction uses h5_counter_stop_before_current. */
                    counter->on_break((uint32_t)address, size);
                    break;
                }
            }
        }
    }
    if (counter->watch_armed) {
        /* An interrupt is pending but masked: after an instruction that may unmask it (CPSIE,
         * MSR PRIMASK/BASEPRI/FAULTMASK), end the run so the core can take it at once. */
        uint32_t offset = (uint32_t)address - counter->watch_base;
        if (offset < counter->watch_size && ((counter->watch_bitmap[offset >> 4] >> ((offset >> 1) & 7)) & 1u)) {
            counter->watch_hit = 1;
            counter->limit = counter->executed;
            counter->gate = 0;
        }
    }
}

/* The limit is reached: stop before this instruction unless it is inside an IT block. */
static __attribute__((noinline)) int stop_here(uc_engine *uc, uint64_t address)
{
    if (inside_it_block(uc, address)) {
        return 0;
    }
    uc_emu_stop(uc);
    return 1;
}

/* Everything but the common case: the limit reached, or extras to look at. */
static __attribute__((noinline)) void count_slowly(uc_engine *uc, struct h5_counter *counter, uint64_t address, uint32_t size)
{
    /* The hook runs before its instruction and a stop requested here prevents it from running,
     * so it is not counted now; it is counted when the next run starts with it. */
    if (counter->executed >= counter->limit && stop_here(uc, address)) {
        return;
    }
    counter->executed++;
    if (counter->extras != 0) {
        after_count(uc, counter, address, size);
    }
}

static void count_instruction(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
{
    struct h5_counter *counter = (struct h5_counter *)user_data;
    /* One compare on the common path (a second load here cost 15 % on tight loops): `gate` is
     * the limit, or 0 whenever watched addresses or the unmask watch need every instruction. */
    if (__builtin_expect(counter->executed >= counter->gate, 0)) {
        count_slowly(uc, counter, address, size);
        return;
    }
    counter->executed++;
}

/* The table stays owned by the caller; `break_count` and `break_filter` are written by the caller
 * directly. */
void h5_counter_set_breaks(struct h5_counter *counter, const uint32_t *breaks, void (*on_break)(uint32_t, uint32_t))
{
    counter->break_count = 0;
    counter->extras = counter->watch_armed;
    counter->breaks = breaks;
    counter->on_break = on_break;
}

/* The bitmap stays owned by the caller, who keeps it alive while it is set. */
void h5_counter_set_watch(struct h5_counter *counter, const uint8_t *bitmap, uint32_t base, uint32_t size)
{
    counter->watch_armed = 0;
    counter->extras = counter->break_count;
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
    counter->gate = 0;
    counter->extras = 0;
    counter->watch_armed = 0;
    counter->watch_hit = 0;
    counter->watch_size = 0;
    counter->watch_bitmap = NULL;
    counter->break_count = 0;
    counter->breaks = NULL;
    counter->on_break = NULL;
    return uc_hook_add(uc, &counter->hook, UC_HOOK_CODE, (void *)count_instruction, counter, 1, 0);
}

/* From a code hook: stop before the instruction the hook is for, which the counter hook (installed
 * first, so called first) has already counted. */
void h5_counter_stop_before_current(uc_engine *uc, struct h5_counter *counter)
{
    uint32_t pc = 0;
    /* The engine writes PC before calling a code hook. */
    if (uc_reg_read(uc, UC_ARM_REG_PC, &pc) == UC_ERR_OK && inside_it_block(uc, pc)) {
        /* Cannot stop here (see inside_it_block): run on and stop after the block. */
        counter->limit = counter->executed;
        counter->gate = 0;
        return;
    }
    if (counter->executed > 0) {
        counter->executed--;
    }
    counter->limit = counter->executed;
    counter->gate = 0;
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
