/* SNTP client (RFC 4330): one request in client mode, the server's transmit timestamp back. */
#include "net-internal.h"

#define NTP_TO_UNIX 2208988800u /* seconds from 1900-01-01 to 1970-01-01 */

static struct {
    uint8_t origin[8];
    int done;
    int result;
    uint32_t seconds;
} reply;

static void receive(udp_socket_t *socket, uint32_t source_ip, uint16_t source_port, const uint8_t *data,
                    size_t length, void *context)
{
    (void)socket;
    (void)source_ip;
    (void)context;
    if (source_port != 123 || length < 48 || reply.done) return;
    unsigned mode = data[0] & 7, version = (data[0] >> 3) & 7, stratum = data[1];
    for (int i = 0; i < 8; i++) {
        if (data[24 + i] != reply.origin[i]) return; /* not the answer to our request */
    }
    uint32_t transmit = get32(data + 40);
    if ((mode != 4 && mode != 5) || version < 1 || stratum == 0 || transmit == 0) {
        reply.result = NET_ERR_PROTOCOL; /* stratum 0 is a kiss-o'-death */
    } else {
        reply.seconds = transmit - NTP_TO_UNIX;
        reply.result = NET_OK;
    }
    reply.done = 1;
}

int sntp_get_time(uint32_t server_ip, uint32_t *unix_seconds, uint32_t timeout_ms)
{
    if (!unix_seconds || !server_ip) return NET_ERR_ARGUMENT;
    udp_socket_t *socket = udp_bind(0, receive, 0);
    if (!socket) return NET_ERR_NO_MEMORY;
    uint8_t request[48] = {0};
    request[0] = (4u << 3) | 3u; /* version 4, client */
    put32(reply.origin, net_random());
    put32(reply.origin + 4, net_random());
    for (int i = 0; i < 8; i++) request[40 + i] = reply.origin[i]; /* our transmit timestamp */
    reply.done = 0;
    char text[16];
    net_log_line("SNTP: request to %s", net_ip_to_string(server_ip, text));
    uint32_t start = net_now_ms(), sent = start - 2000;
    while (!reply.done && net_now_ms() - start < timeout_ms) {
        if (net_now_ms() - sent >= 2000) {
            udp_sendto(socket, server_ip, 123, request, sizeof request);
            sent = net_now_ms();
        }
        net_poll();
    }
    udp_unbind(socket);
    if (!reply.done) return NET_ERR_TIMEOUT;
    if (reply.result == NET_OK) {
        *unix_seconds = reply.seconds;
        net_log_line("SNTP: unix time %u", (unsigned)reply.seconds);
    }
    return reply.result;
}
