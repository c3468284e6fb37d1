/*
 * Native host test of lib/tls13, lib/mqtt and the mqtt-tls session: reads a provisioning block
 * (the same bytes the simulator harness writes to flash), connects a plain TCP socket to the
 * broker and runs the fixture's session against it. Usage: host-test <provision.bin>
 */
#include "session.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void app_log(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    fflush(stdout);
}

static uint32_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)(t.tv_sec * 1000 + t.tv_nsec / 1000000);
}

static int socket_send(void *context, const uint8_t *data, size_t length)
{
    ssize_t n = send(*(int *)context, data, length, MSG_NOSIGNAL);
    return n < 0 ? -2 : (int)n;
}

static int socket_recv(void *context, uint8_t *buffer, size_t capacity, uint32_t timeout_ms)
{
    struct pollfd fd = {*(int *)context, POLLIN, 0};
    int ready = poll(&fd, 1, (int)timeout_ms);
    if (ready == 0) {
        return TLS_IO_TIMEOUT;
    }
    ssize_t n = recv(*(int *)context, buffer, capacity, 0);
    return n < 0 ? -2 : (int)n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s provision.bin\n", argv[0]);
        return 64;
    }
    static uint8_t block[PROVISION_SIZE];
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 64;
    }
    size_t size = fread(block, 1, sizeof block, file);
    fclose(file);
    struct provision provision;
    int parsed = provision_parse(block, size, &provision);
    if (parsed != PROVISION_OK) {
        app_log("provisioning block invalid (%d)\n", parsed);
        return EXIT_PROVISION;
    }
    if (crypto_init() != 0) {
        return EXIT_CRYPTO;
    }
    char port[8];
    snprintf(port, sizeof port, "%u", provision.broker_port);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *address;
    char ip_text[16];
    const char *host = provision.broker_host;
    if (provision.broker_ip) {
        uint32_t ip = htonl(provision.broker_ip);
        inet_ntop(AF_INET, &ip, ip_text, sizeof ip_text);
        host = ip_text;
    }
    if (getaddrinfo(host, port, &hints, &address) != 0) {
        app_log("DNS: cannot resolve %s\n", host);
        return EXIT_NETWORK;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
        app_log("TCP connect to %s:%s failed: %s\n", host, port, strerror(errno));
        freeaddrinfo(address);
        return EXIT_NETWORK;
    }
    freeaddrinfo(address);
    app_log("TCP connected to %s:%s\n", host, port);
    struct tls_io io = {&fd, socket_send, socket_recv};
    uint32_t unix_time = provision.time ? provision.time : (uint32_t)time(NULL);
    int code = mqtt_tls_session(&provision, &io, unix_time, now_ms);
    close(fd);
    app_log("exit %d\n", code);
    return code;
}
