/*
 * Host stand-in for eth.c and systick.c, so lib/net's protocol layers run natively: frames go out
 * on stdout and come in on stdin, each as a 2-byte big-endian length and the bytes (bridge.ts
 * joins the pipe to the simulator's usernet). The clock is CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "../eth.h"
#include "../net-internal.h"

static eth_counters_t counters;
const eth_counters_t *eth_counters(void) { return &counters; }

int h5_vsnprintf(char *buffer, unsigned size, const char *format, va_list args)
{
    return vsnprintf(buffer, size, format, args);
}

uint32_t net_default_clock_start(uint32_t core_hz)
{
    (void)core_hz;
    return net_default_clock_ms();
}

uint32_t net_default_clock_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)((uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u);
}

void eth_set_idle(void (*idle)(void)) { (void)idle; }

int eth_init(const uint8_t mac[6], uint32_t hclk_hz, int use_interrupt, uint32_t link_timeout_ms,
             uint32_t (*now_ms)(void), eth_link_t *link)
{
    (void)mac, (void)hclk_hz, (void)use_interrupt, (void)link_timeout_ms, (void)now_ms;
    link->link_up = 1;
    link->speed_mbps = 100;
    link->full_duplex = 1;
    return NET_OK;
}

void eth_check_link(eth_link_t *link) { (void)link; }

static void write_all(const uint8_t *data, size_t length)
{
    while (length) {
        ssize_t n = write(1, data, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            exit(90);
        }
        data += n;
        length -= (size_t)n;
    }
}

int eth_send(const uint8_t *frame, size_t length, int checksum_offload)
{
    (void)checksum_offload; /* the bridge inserts checksums when the build leaves them to the MAC */
    uint8_t header[2] = {(uint8_t)(length >> 8), (uint8_t)length};
    write_all(header, 2);
    write_all(frame, length);
    return NET_OK;
}

static uint8_t input[4096];
static size_t input_length;

int eth_receive(eth_receive_fn receive, int budget)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    if (poll(&p, 1, 1) > 0 && (p.revents & (POLLIN | POLLHUP))) {
        ssize_t n = read(0, input + input_length, sizeof input - input_length);
        if (n == 0) exit(91); /* the bridge went away */
        if (n > 0) input_length += (size_t)n;
    }
    int delivered = 0;
    while (delivered < budget && input_length >= 2) {
        size_t length = ((size_t)input[0] << 8) | input[1];
        if (input_length < 2 + length) break;
        /* Copy to an address 2 bytes off word alignment, like the firmware's RX buffers. */
        static uint32_t frame_words[1600 / 4];
        uint8_t *frame = (uint8_t *)frame_words + 2;
        for (size_t i = 0; i < length; i++) frame[i] = input[2 + i];
        for (size_t i = 2 + length; i < input_length; i++) input[i - 2 - length] = input[i];
        input_length -= 2 + length;
        receive(frame, length, 0);
        delivered++;
    }
    return delivered;
}
