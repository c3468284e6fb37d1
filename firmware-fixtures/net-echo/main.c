/*
 * net-echo (issue #5): DHCP over the simulator's user-mode network, then answers pings and echoes
 * UDP and TCP on port 7 (the host test reaches them through usernet's port forwarding). Every step
 * is printed on the USART3 console. Before echoing it pings the gateway, resolves broker.local and
 * asks the gateway for the time (SNTP), so the console shows every service the other fixtures use. Runs forever, or NET_ECHO_SECONDS of virtual time when that is
 * defined non-zero (then exits through semihosting with 0).
 */
#include "board.h"
#include "net.h"
#include "semihosting.h"

#ifndef NET_ECHO_SECONDS
#define NET_ECHO_SECONDS 0
#endif
#ifndef NET_ECHO_POLLED
#define NET_ECHO_POLLED 0 /* 1: receive by polling DMACSR/descriptors instead of the ETH interrupt */
#endif
#ifndef NET_ECHO_VERBOSE
#define NET_ECHO_VERBOSE 0 /* 1: a console line per datagram / TCP chunk (slow: the console is polled) */
#endif
#ifndef NET_ECHO_SYSTICK
#define NET_ECHO_SYSTICK 0 /* 1: lib/net's own SysTick millisecond clock instead of lib/board's TIM6 tick */
#endif
#define ECHO_PORT 7
#define MAX_CLIENTS 4

static uint32_t udp_echoed, udp_failed, tcp_echoed_bytes;

static void udp_echo(udp_socket_t *socket, uint32_t ip, uint16_t port, const uint8_t *data, size_t length,
                     void *context)
{
    (void)context;
    udp_echoed++;
    if (udp_sendto(socket, ip, port, data, length) != NET_OK) {
        udp_failed++;
    }
    if (NET_ECHO_VERBOSE || udp_echoed == 1) {
        char text[16];
        console_printf("UDP: %u bytes from %s:%u, echoed%s\n", (unsigned)length, net_ip_to_string(ip, text), port,
                       NET_ECHO_VERBOSE ? "" : " (further datagrams are counted, not printed)");
    }
}

/* net_poll() calls this when no frame arrived: sleep until the next interrupt (the 1 kHz tick or
 * an ETH RX). The stack's timers have millisecond resolution anyway, and the simulator skips the
 * idle time instead of executing a busy loop. */
static void sleep_until_interrupt(void) { __asm__ volatile("wfi"); }

static void print_stats(void)
{
    const net_stats_t *s = net_stats();
    console_printf("NET: rx %u tx %u dropped %u checksum errors %u RBU %u TX ring full %u pings %u "
                   "retransmissions %u\n",
                   (unsigned)s->rx_frames, (unsigned)s->tx_frames, (unsigned)s->rx_dropped,
                   (unsigned)s->rx_checksum_errors, (unsigned)s->rx_buffer_unavailable, (unsigned)s->tx_ring_full,
                   (unsigned)s->icmp_echo_replies, (unsigned)s->tcp_retransmissions);
    console_printf("ECHO: UDP %u datagrams (%u not sent), TCP %u bytes\n", (unsigned)udp_echoed,
                   (unsigned)udp_failed, (unsigned)tcp_echoed_bytes);
}

int main(void)
{
    board_init();
    console_printf("net-echo: start\n");
    if (!NET_ECHO_SYSTICK) {
        net_set_clock(board_ticks);
    }
    net_set_core_clock_hz(board_hclk_hz());
    net_set_log(console_printf);
    net_set_idle(sleep_until_interrupt);
    net_use_rx_interrupt(!NET_ECHO_POLLED);

    int result = net_init();
    if (result != NET_OK) {
        console_printf("net-echo: ETH init failed: %s\n", net_error_name(result));
        console_flush();
        return 1;
    }
    result = net_dhcp(15000);
    if (result != NET_OK) {
        console_printf("net-echo: DHCP failed: %s\n", net_error_name(result));
        console_flush();
        return 2;
    }

    char text[16];
    uint32_t rtt = 0;
    result = icmp_ping(net_info()->gateway, 3000, &rtt);
    if (result == NET_OK) {
        console_printf("PING: gateway %s answered in %u ms\n", net_ip_to_string(net_info()->gateway, text),
                       (unsigned)rtt);
    } else {
        console_printf("PING: gateway %s: %s\n", net_ip_to_string(net_info()->gateway, text), net_error_name(result));
    }

    /* Name and time services the TLS fixtures need; failures here are reported, not fatal. */
    uint32_t broker = 0, unix_seconds = 0;
    result = dns_resolve("broker.local", &broker, 3000);
    if (result != NET_OK) {
        console_printf("DNS: broker.local: %s\n", net_error_name(result));
    }
    result = sntp_get_time(net_info()->gateway, &unix_seconds, 3000);
    if (result != NET_OK) {
        console_printf("SNTP: %s\n", net_error_name(result));
    }

    udp_socket_t *udp = udp_bind(ECHO_PORT, udp_echo, 0);
    tcp_socket_t *listener = tcp_listen(ECHO_PORT);
    if (!udp || !listener) {
        console_printf("net-echo: cannot bind port %u\n", ECHO_PORT);
        return 3;
    }
    console_printf("ECHO: ready on %s, UDP %u and TCP %u\n", net_ip_to_string(net_info()->ip, text), ECHO_PORT,
                   ECHO_PORT);

    tcp_socket_t *clients[MAX_CLIENTS] = {0};
    uint8_t buffer[1024];
    uint32_t started = net_now_ms();
    uint32_t last_stats = started;
    for (;;) {
        net_poll();
        tcp_socket_t *incoming = tcp_accept(listener);
        if (incoming) {
            uint32_t ip;
            uint16_t port;
            tcp_peer(incoming, &ip, &port);
            int slot = -1;
            for (int i = 0; i < MAX_CLIENTS; i++) {
                if (!clients[i]) {
                    slot = i;
                    break;
                }
            }
            if (slot < 0) {
                console_printf("TCP: %s:%u refused, too many clients\n", net_ip_to_string(ip, text), port);
                tcp_abort(incoming);
            } else {
                clients[slot] = incoming;
                console_printf("TCP: connection from %s:%u\n", net_ip_to_string(ip, text), port);
            }
        }
        for (int i = 0; i < MAX_CLIENTS; i++) {
            tcp_socket_t *c = clients[i];
            if (!c) {
                continue;
            }
            int n = tcp_recv(c, buffer, sizeof buffer, 0);
            if (n > 0) {
                /* On a lossy link the send buffer can stay full past one timeout (RTO backoff):
                 * keep the rest and try again rather than lose it, unless nothing moves for 20 s. */
                int sent = 0, idle_tries = 0;
                while (sent < n && idle_tries < 10) {
                    int queued = tcp_send(c, buffer + sent, (size_t)(n - sent), 2000);
                    if (queued < 0) {
                        break;
                    }
                    sent += queued;
                    idle_tries = queued > 0 ? 0 : idle_tries + 1;
                }
                tcp_echoed_bytes += (uint32_t)sent;
                if (NET_ECHO_VERBOSE || sent != n) {
                    console_printf("TCP: echoed %d of %d bytes\n", sent, n);
                }
                if (sent != n) {
                    console_printf("TCP: peer not taking data, aborting\n");
                    tcp_abort(c);
                    clients[i] = 0;
                }
            } else if (n == 0) {
                console_printf("TCP: peer closed, closing (%u bytes echoed in total)\n", (unsigned)tcp_echoed_bytes);
                tcp_close(c, 2000);
                clients[i] = 0;
            } else if (n != NET_ERR_TIMEOUT) {
                console_printf("TCP: connection ended: %s\n", net_error_name(n));
                tcp_close(c, 0);
                clients[i] = 0;
            }
        }
        uint32_t now = net_now_ms();
        if (now - last_stats >= 10000) {
            last_stats = now;
            print_stats();
        }
#if NET_ECHO_SECONDS > 0
        if (now - started >= NET_ECHO_SECONDS * 1000u) {
            print_stats();
            console_printf("net-echo: done after %u s\n", (unsigned)NET_ECHO_SECONDS);
            console_flush();
            return 0;
        }
#else
        (void)started;
#endif
    }
}
