/*
 * Native run of the mqtt-tls fixture's whole network path: lib/net (DHCP, SNTP, DNS, TCP) over
 * lib/net's host frame pipe (host-eth.c) joined to the simulator's usernet by net-bridge.mts, then
 * the fixture's TLS + MQTT session against a real broker. Console text goes to stderr (stdout
 * carries the frames). Usage: net-bridge.mts host-net-test provision.bin
 */
#include "net.h"
#include "session.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void app_log(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
}

static void net_log(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
}

static int net_send(void *context, const uint8_t *data, size_t length) { return tcp_send(context, data, length, 5000); }

static int net_recv(void *context, uint8_t *buffer, size_t capacity, uint32_t timeout_ms)
{
    int result = tcp_recv(context, buffer, capacity, timeout_ms);
    return result == NET_ERR_TIMEOUT ? TLS_IO_TIMEOUT : result;
}

int main(int argc, char **argv)
{
    static uint8_t block[PROVISION_SIZE];
    FILE *file = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!file) {
        return EXIT_PROVISION;
    }
    size_t size = fread(block, 1, sizeof block, file);
    fclose(file);
    static struct provision provision;
    if (provision_parse(block, size, &provision) != PROVISION_OK || crypto_init() != 0) {
        return EXIT_PROVISION;
    }
    net_set_log(net_log);
    if (net_init() != NET_OK || net_dhcp(15000) != NET_OK) {
        app_log("DHCP failed\n");
        return EXIT_NETWORK;
    }
    const net_info_t *info = net_info();
    char text[3][16];
    app_log("DHCP bound: ip %s gateway %s dns %s\n", net_ip_to_string(info->ip, text[0]),
            net_ip_to_string(info->gateway, text[1]), net_ip_to_string(info->dns, text[2]));
    uint32_t unix_time = 0;
    if (sntp_get_time(info->gateway, &unix_time, 3000) == NET_OK) {
        app_log("SNTP time %u\n", (unsigned)unix_time);
    }
    if (provision.time) {
        unix_time = provision.time;
    }
    uint32_t ip = provision.broker_ip;
    if (ip == 0) {
        int result = dns_resolve(provision.broker_host, &ip, 5000);
        if (result != NET_OK) {
            app_log("DNS %s failed: %s\n", provision.broker_host, net_error_name(result));
            return EXIT_NETWORK;
        }
        app_log("DNS %s -> %s\n", provision.broker_host, net_ip_to_string(ip, text[0]));
    }
    tcp_socket_t *socket = NULL;
    int result = tcp_connect(&socket, ip, provision.broker_port, 10000);
    if (result != NET_OK) {
        app_log("TCP connect failed: %s\n", net_error_name(result));
        return EXIT_NETWORK;
    }
    app_log("TCP connected to %s:%u\n", net_ip_to_string(ip, text[0]), provision.broker_port);
    struct tls_io io = {socket, net_send, net_recv};
    int code = mqtt_tls_session(&provision, &io, unix_time, net_now_ms);
    tcp_close(socket, 2000);
    app_log("mqtt-tls: exit %d\n", code);
    return code;
}
