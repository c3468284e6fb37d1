/* DNS stub resolver (RFC 1035): one A query at a time, retried every second, answers cached. */
#include "net-internal.h"

static uint32_t configured_server;
static struct {
    uint16_t id;
    int done;
    int result;
    uint32_t address;
} query;

#define DNS_CACHE 4
static struct {
    char name[64];
    uint32_t address;
    uint32_t expires_ms;
} cache[DNS_CACHE];
static unsigned cache_next;

void dns_set_server(uint32_t ip) { configured_server = ip; }

static int names_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y) return 0;
        if (x == '\0') return 1;
    }
}

/* Skips a (possibly compressed) name; returns the offset after it or 0 when malformed. */
static size_t skip_name(const uint8_t *message, size_t length, size_t offset)
{
    while (offset < length) {
        uint8_t n = message[offset];
        if (n == 0) return offset + 1;
        if ((n & 0xC0) == 0xC0) return offset + 2 <= length ? offset + 2 : 0;
        offset += 1u + n;
    }
    return 0;
}

static void receive(udp_socket_t *socket, uint32_t source_ip, uint16_t source_port, const uint8_t *data,
                    size_t length, void *context)
{
    (void)socket;
    (void)source_ip;
    (void)context;
    if (source_port != 53 || length < 12 || get16(data) != query.id || !(data[2] & 0x80) || query.done) {
        return;
    }
    int rcode = data[3] & 0x0F;
    if (rcode != 0) {
        query.result = rcode == 3 ? NET_ERR_NOT_FOUND : NET_ERR_PROTOCOL;
        query.done = 1;
        return;
    }
    unsigned questions = get16(data + 4), answers = get16(data + 6);
    size_t offset = 12;
    for (unsigned i = 0; i < questions; i++) {
        offset = skip_name(data, length, offset);
        if (!offset || offset + 4 > length) goto malformed;
        offset += 4;
    }
    for (unsigned i = 0; i < answers; i++) {
        offset = skip_name(data, length, offset);
        if (!offset || offset + 10 > length) goto malformed;
        uint16_t type = get16(data + offset), class = get16(data + offset + 2);
        uint16_t rdlength = get16(data + offset + 8);
        offset += 10;
        if (offset + rdlength > length) goto malformed;
        if (type == 1 && class == 1 && rdlength == 4) { /* A, IN (CNAMEs before it are skipped) */
            query.address = get32(data + offset);
            query.result = NET_OK;
            query.done = 1;
            return;
        }
        offset += rdlength;
    }
    query.result = NET_ERR_NOT_FOUND;
    query.done = 1;
    return;
malformed:
    query.result = NET_ERR_PROTOCOL;
    query.done = 1;
}

static size_t build_query(uint8_t *message, const char *name)
{
    put16(message, query.id);
    put16(message + 2, 0x0100); /* recursion desired */
    put16(message + 4, 1);
    put16(message + 6, 0);
    put16(message + 8, 0);
    put16(message + 10, 0);
    size_t offset = 12;
    const char *label = name;
    while (*label) {
        const char *end = label;
        while (*end && *end != '.') end++;
        size_t n = (size_t)(end - label);
        if (n == 0 || n > 63 || offset + n + 6 > 300) return 0;
        message[offset++] = (uint8_t)n;
        for (size_t i = 0; i < n; i++) message[offset++] = (uint8_t)label[i];
        label = *end ? end + 1 : end;
    }
    message[offset++] = 0;
    put16(message + offset, 1); /* A */
    put16(message + offset + 2, 1); /* IN */
    return offset + 4;
}

int dns_resolve(const char *name, uint32_t *ip, uint32_t timeout_ms)
{
    if (!name || !ip) return NET_ERR_ARGUMENT;
    if (net_ip_from_string(name, ip) == NET_OK) return NET_OK;
    uint32_t now = net_now_ms();
    for (unsigned i = 0; i < DNS_CACHE; i++) {
        if (cache[i].name[0] && names_equal(cache[i].name, name) && (int32_t)(cache[i].expires_ms - now) > 0) {
            *ip = cache[i].address;
            return NET_OK;
        }
    }
    uint32_t server = configured_server ? configured_server : net_interface.dns;
    if (!server) return NET_ERR_UNREACHABLE;
    udp_socket_t *socket = udp_bind(0, receive, 0);
    if (!socket) return NET_ERR_NO_MEMORY;
    uint8_t message[300];
    query.id = (uint16_t)net_random();
    query.done = 0;
    size_t length = build_query(message, name);
    if (!length) {
        udp_unbind(socket);
        return NET_ERR_ARGUMENT;
    }
    char text[16];
    net_log_line("DNS: query %s via %s", name, net_ip_to_string(server, text));
    uint32_t start = net_now_ms(), sent = start - 1000;
    while (!query.done && net_now_ms() - start < timeout_ms) {
        if (net_now_ms() - sent >= 1000) {
            udp_sendto(socket, server, 53, message, length);
            sent = net_now_ms();
        }
        net_poll();
    }
    udp_unbind(socket);
    if (!query.done) {
        net_log_line("DNS: %s: timeout", name);
        return NET_ERR_TIMEOUT;
    }
    if (query.result == NET_OK) {
        *ip = query.address;
        unsigned slot = cache_next++ % DNS_CACHE;
        size_t n = 0;
        for (; name[n] && n < sizeof cache[slot].name - 1; n++) cache[slot].name[n] = name[n];
        cache[slot].name[n] = '\0';
        cache[slot].address = query.address;
        cache[slot].expires_ms = net_now_ms() + 60000u;
        net_log_line("DNS: %s is %s", name, net_ip_to_string(query.address, text));
    } else {
        net_log_line("DNS: %s: %s", name, net_error_name(query.result));
    }
    return query.result;
}
