/*
 * Host test of lib/net's protocol layers against the simulator's usernet (through bridge.ts):
 * DHCP, ARP, ping, DNS, SNTP, a TCP client exchanging 64 KiB with a host echo server, a refused
 * connection, then UDP and TCP echo servers on port 7 that bridge.ts reaches through hostfwd.
 * Checks of encoders against hand-computed values run first. Exit code 0 = all passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../net-internal.h"

static int failures;
#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            failures++;                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fprintf(stderr, "\n");                         \
        }                                                  \
    } while (0)

static void log_stderr(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "  [net] ");
    vfprintf(stderr, format, args);
    va_end(args);
}

static void unit_checks(void)
{
    /* RFC 1071 §3 example: words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d). */
    static const uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(net_checksum_finish(net_checksum_add(0, words, sizeof words)) == 0x220d, "RFC 1071 checksum");
    /* A well-known IPv4 header (Wikipedia's example): checksum b861. */
    uint8_t header[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                          0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    CHECK(net_checksum_finish(net_checksum_add(0, header, 20)) == 0xb861, "IPv4 header checksum");
    uint32_t ip = 0;
    CHECK(net_ip_from_string("10.0.2.15", &ip) == NET_OK && ip == NET_IP4(10, 0, 2, 15), "parse ip");
    CHECK(net_ip_from_string("10.0.2", &ip) != NET_OK, "reject short ip");
    CHECK(net_ip_from_string("10.0.2.256", &ip) != NET_OK, "reject octet > 255");
    char text[18];
    CHECK(strcmp(net_ip_to_string(NET_IP4(192, 168, 1, 200), text), "192.168.1.200") == 0, "format ip");
    const uint8_t mac[6] = {0x00, 0x80, 0xE1, 0x00, 0x00, 0x00};
    CHECK(strcmp(net_mac_to_string(mac, text), "00:80:e1:00:00:00") == 0, "format mac");
}

static void udp_echo(udp_socket_t *socket, uint32_t ip, uint16_t port, const uint8_t *data, size_t length,
                     void *context)
{
    int *count = context;
    udp_sendto(socket, ip, port, data, length);
    (*count)++;
}

static void tcp_client(uint16_t port)
{
    tcp_socket_t *s = 0;
    int r = tcp_connect(&s, NET_IP4(10, 0, 2, 2), port, 5000);
    CHECK(r == NET_OK, "tcp_connect: %s", net_error_name(r));
    if (r != NET_OK) return;
    enum { TOTAL = 65536 };
    static uint8_t out[TOTAL], in[TOTAL];
    for (int i = 0; i < TOTAL; i++) out[i] = (uint8_t)(i * 7 + (i >> 8));
    size_t sent = 0, received = 0;
    uint32_t start = net_now_ms();
    while ((sent < TOTAL || received < TOTAL) && net_now_ms() - start < 20000) {
        if (sent < TOTAL) {
            size_t chunk = TOTAL - sent < 1000 ? TOTAL - sent : 1000;
            int n = tcp_send(s, out + sent, chunk, 0);
            if (n > 0) sent += (size_t)n;
        }
        int n = tcp_recv(s, in + received, TOTAL - received, 0);
        if (n > 0) received += (size_t)n;
        else if (n != NET_ERR_TIMEOUT) {
            fprintf(stderr, "tcp_recv: %s in state %s\n", net_error_name(n), tcp_state_name(tcp_state(s)));
            break;
        }
    }
    CHECK(received == TOTAL && memcmp(in, out, TOTAL) == 0, "TCP echo of 64 KiB: got %zu bytes", received);
    r = tcp_close(s, 3000);
    CHECK(r == NET_OK, "tcp_close: %s", net_error_name(r));
    fprintf(stderr, "tcp client: %zu bytes echoed in %u ms\n", received, (unsigned)(net_now_ms() - start));

    r = tcp_connect(&s, NET_IP4(10, 0, 2, 2), 1, 5000);
    CHECK(r == NET_ERR_RESET || r == NET_ERR_TIMEOUT, "connect to a closed port: %s", net_error_name(r));
    fprintf(stderr, "closed port: %s\n", net_error_name(r));
}

static void servers(void)
{
    int udp_count = 0;
    udp_socket_t *u = udp_bind(7, udp_echo, &udp_count);
    tcp_socket_t *listener = tcp_listen(7);
    CHECK(u && listener, "bind port 7");
    fprintf(stderr, "READY\n");
    tcp_socket_t *client = 0;
    int tcp_done = 0;
    uint8_t buffer[2048];
    uint32_t start = net_now_ms();
    while (net_now_ms() - start < 20000 && !(tcp_done && udp_count >= 3)) {
        net_poll();
        if (!client) client = tcp_accept(listener);
        if (client) {
            int n = tcp_recv(client, buffer, sizeof buffer, 0);
            if (n > 0) {
                tcp_send(client, buffer, (size_t)n, 2000);
            } else if (n == 0) {
                tcp_close(client, 2000);
                client = 0;
                tcp_done = 1;
            } else if (n != NET_ERR_TIMEOUT) {
                CHECK(0, "echo connection: %s", net_error_name(n));
                tcp_close(client, 0);
                client = 0;
                tcp_done = 1;
            }
        }
    }
    CHECK(tcp_done, "TCP echo server saw a complete connection");
    CHECK(udp_count >= 3, "UDP echo answered %d datagrams", udp_count);
    tcp_close(listener, 0);
}

int main(int argc, char **argv)
{
    uint16_t echo_port = argc > 1 ? (uint16_t)atoi(argv[1]) : 0;
    unit_checks();
    net_set_log(log_stderr);
    CHECK(net_init() == NET_OK, "net_init");
    int r = net_dhcp(5000);
    CHECK(r == NET_OK, "DHCP: %s", net_error_name(r));
    const net_info_t *info = net_info();
    CHECK(info->ip == NET_IP4(10, 0, 2, 15), "lease address");
    CHECK(info->gateway == NET_IP4(10, 0, 2, 2), "router");
    CHECK(info->dns == NET_IP4(10, 0, 2, 3), "DNS server");
    CHECK(info->netmask == 0xFFFFFF00u, "netmask");

    if (getenv("NET_LEASE")) { /* short lease from bridge.ts: the renewal at T1 must succeed */
        uint32_t lease = info->lease_seconds, bound = info->bound_at_ms;
        CHECK(lease == (uint32_t)atoi(getenv("NET_LEASE")), "lease %u s", (unsigned)lease);
        net_wait_ms(lease * 1000u * 3 / 4);
        CHECK(info->bound_at_ms != bound && info->ip == NET_IP4(10, 0, 2, 15), "lease renewed at T1");
    }

    uint32_t rtt = 0;
    r = icmp_ping(info->gateway, 3000, &rtt);
    CHECK(r == NET_OK, "ping gateway: %s", net_error_name(r));

    uint32_t ip = 0;
    r = dns_resolve("broker.local", &ip, 3000);
    CHECK(r == NET_OK && ip == NET_IP4(10, 0, 2, 2), "resolve broker.local: %s", net_error_name(r));
    r = dns_resolve("no-such-host.invalid", &ip, 3000);
    CHECK(r == NET_ERR_NOT_FOUND, "unknown name: %s", net_error_name(r));

    /* NetX Duo demos hard-code 1.1.1.1 as their DNS server (reached through the router). */
    dns_set_server(NET_IP4(1, 1, 1, 1));
    r = dns_resolve("mqtt.example", &ip, 3000);
    CHECK(r == NET_OK && ip == NET_IP4(10, 0, 2, 2), "resolve via 1.1.1.1: %s", net_error_name(r));
    dns_set_server(0);

    uint32_t seconds = 0;
    r = sntp_get_time(info->gateway, &seconds, 3000);
    CHECK(r == NET_OK && seconds > 1600000000u, "SNTP: %s, %u", net_error_name(r), (unsigned)seconds);

    if (echo_port) tcp_client(echo_port);
    servers();

    const net_stats_t *s = net_stats();
    fprintf(stderr, "stats: rx %u tx %u dropped %u checksum errors %u retransmissions %u\n", (unsigned)s->rx_frames,
            (unsigned)s->tx_frames, (unsigned)s->rx_dropped, (unsigned)s->rx_checksum_errors,
            (unsigned)s->tcp_retransmissions);
    fprintf(stderr, failures ? "host-test: %d FAILED\n" : "host-test: all passed\n", failures);
    return failures ? 1 : 0;
}
