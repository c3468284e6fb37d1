/*
 * DHCP client (RFC 2131/2132): DISCOVER, OFFER, REQUEST, ACK; renewal at T1 (unicast to the
 * server), rebinding at T2 (broadcast), back to discovery when the lease runs out.
 */
#include "net-internal.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC 0x63825363u
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5
#define DHCP_NAK 6

enum { IDLE, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING };

static struct {
    int state;
    udp_socket_t *socket;
    uint32_t xid;
    uint32_t offered_ip, server, netmask, router, dns;
    uint32_t lease, t1, t2;
    uint32_t sent_ms, retry_ms;
    int attempts;
} dhcp;

static uint8_t *option(uint8_t *p, uint8_t code, uint8_t length, const void *data)
{
    const uint8_t *bytes = data;
    *p++ = code;
    *p++ = length;
    for (int i = 0; i < length; i++) {
        *p++ = bytes[i];
    }
    return p;
}

static void send_message(int type)
{
    uint8_t message[300];
    for (unsigned i = 0; i < sizeof message; i++) {
        message[i] = 0;
    }
    message[0] = 1; /* BOOTREQUEST */
    message[1] = 1; /* Ethernet */
    message[2] = 6;
    put32(message + 4, dhcp.xid);
    uint32_t since = (net_now_ms() - dhcp.sent_ms) / 1000;
    put16(message + 8, dhcp.attempts ? (uint16_t)since : 0);
    int renewing = dhcp.state == RENEWING || dhcp.state == REBINDING;
    put16(message + 10, renewing ? 0 : 0x8000); /* broadcast flag until we have an address */
    if (renewing) {
        put32(message + 12, net_interface.ip);
    }
    for (int i = 0; i < 6; i++) {
        message[28 + i] = net_interface.mac[i];
    }
    put32(message + 236, DHCP_MAGIC);
    uint8_t *p = message + 240;
    uint8_t byte = (uint8_t)type;
    p = option(p, 53, 1, &byte);
    uint8_t client_id[7] = {1};
    for (int i = 0; i < 6; i++) {
        client_id[1 + i] = net_interface.mac[i];
    }
    p = option(p, 61, 7, client_id);
    if (type == DHCP_REQUEST && dhcp.state == REQUESTING) {
        uint8_t value[4];
        put32(value, dhcp.offered_ip);
        p = option(p, 50, 4, value);
        put32(value, dhcp.server);
        p = option(p, 54, 4, value);
    }
    static const uint8_t wanted[] = {1, 3, 6, 15, 42, 51, 54, 58, 59};
    p = option(p, 55, sizeof wanted, wanted);
    p = option(p, 12, 5, "h5sim");
    *p++ = 255;
    uint32_t destination = dhcp.state == RENEWING ? dhcp.server : IP_BROADCAST;
    uint32_t source = renewing ? net_interface.ip : 0;
    udp_sendto_from(source, dhcp.socket, destination, DHCP_SERVER_PORT, message, sizeof message);
    dhcp.sent_ms = net_now_ms();
}

static void apply_lease(void)
{
    char a[16], b[16], c[16];
    int fresh = net_interface.ip != dhcp.offered_ip;
    net_interface.ip = dhcp.offered_ip;
    net_interface.netmask = dhcp.netmask ? dhcp.netmask : 0xFFFFFF00u;
    net_interface.gateway = dhcp.router;
    net_interface.dns = dhcp.dns;
    net_interface.dhcp_server = dhcp.server;
    net_interface.lease_seconds = dhcp.lease;
    net_interface.bound_at_ms = net_now_ms();
    if (fresh) {
        net_log_line("DHCP: bound %s (lease %u s, router %s, DNS %s)", net_ip_to_string(net_interface.ip, a),
                     (unsigned)dhcp.lease, net_ip_to_string(net_interface.gateway, b),
                     net_ip_to_string(net_interface.dns, c));
        arp_announce();
    } else {
        net_log_line("DHCP: lease renewed (%u s)", (unsigned)dhcp.lease);
    }
}

static void receive(udp_socket_t *socket, uint32_t source_ip, uint16_t source_port, const uint8_t *data,
                    size_t length, void *context)
{
    (void)socket;
    (void)source_ip;
    (void)source_port;
    (void)context;
    if (length < 240 || data[0] != 2 || get32(data + 4) != dhcp.xid || get32(data + 236) != DHCP_MAGIC) {
        return;
    }
    for (int i = 0; i < 6; i++) {
        if (data[28 + i] != net_interface.mac[i]) {
            return;
        }
    }
    int type = 0;
    uint32_t server = 0, netmask = 0, router = 0, dns = 0, lease = 0, t1 = 0, t2 = 0;
    for (size_t i = 240; i < length;) {
        uint8_t code = data[i];
        if (code == 0) {
            i++;
            continue;
        }
        if (code == 255 || i + 1 >= length) {
            break;
        }
        uint8_t n = data[i + 1];
        const uint8_t *value = data + i + 2;
        if (i + 2 + n > length) {
            break;
        }
        switch (code) {
        case 53: if (n >= 1) type = value[0]; break;
        case 54: if (n >= 4) server = get32(value); break;
        case 1: if (n >= 4) netmask = get32(value); break;
        case 3: if (n >= 4) router = get32(value); break;
        case 6: if (n >= 4) dns = get32(value); break;
        case 51: if (n >= 4) lease = get32(value); break;
        case 58: if (n >= 4) t1 = get32(value); break;
        case 59: if (n >= 4) t2 = get32(value); break;
        default: break;
        }
        i += 2u + n;
    }
    char a[16], b[16];
    if (type == DHCP_OFFER && dhcp.state == SELECTING) {
        dhcp.offered_ip = get32(data + 16);
        dhcp.server = server ? server : source_ip;
        net_log_line("DHCP: offer %s from %s", net_ip_to_string(dhcp.offered_ip, a), net_ip_to_string(dhcp.server, b));
        dhcp.state = REQUESTING;
        dhcp.attempts = 0;
        dhcp.retry_ms = 1000;
        send_message(DHCP_REQUEST);
    } else if (type == DHCP_ACK && (dhcp.state == REQUESTING || dhcp.state == RENEWING || dhcp.state == REBINDING)) {
        dhcp.offered_ip = get32(data + 16);
        if (server) dhcp.server = server;
        if (netmask) dhcp.netmask = netmask;
        if (router) dhcp.router = router;
        if (dns) dhcp.dns = dns;
        dhcp.lease = lease ? lease : 86400u;
        dhcp.t1 = t1 ? t1 : dhcp.lease / 2;
        dhcp.t2 = t2 ? t2 : dhcp.lease / 8 * 7;
        dhcp.state = BOUND;
        apply_lease();
    } else if (type == DHCP_NAK && dhcp.state != BOUND && dhcp.state != IDLE) {
        net_log_line("DHCP: NAK, starting over");
        if (dhcp.state == RENEWING || dhcp.state == REBINDING) {
            net_interface.ip = 0;
        }
        dhcp.state = SELECTING;
        dhcp.attempts = 0;
        dhcp.retry_ms = 1000;
        dhcp.xid = net_random();
        send_message(DHCP_DISCOVER);
    }
}

static void start_discovery(void)
{
    if (!dhcp.socket) {
        dhcp.socket = udp_bind(DHCP_CLIENT_PORT, receive, 0);
    }
    dhcp.xid = net_random();
    dhcp.state = SELECTING;
    dhcp.attempts = 0;
    dhcp.retry_ms = 1000;
    net_log_line("DHCP: discover");
    send_message(DHCP_DISCOVER);
}

void dhcp_timers(void)
{
    if (dhcp.state == IDLE) {
        return;
    }
    uint32_t now = net_now_ms();
    if (dhcp.state == SELECTING || dhcp.state == REQUESTING) {
        if (now - dhcp.sent_ms >= dhcp.retry_ms) {
            dhcp.attempts++;
            if (dhcp.retry_ms < 16000) {
                dhcp.retry_ms *= 2;
            }
            if (dhcp.state == REQUESTING && dhcp.attempts > 3) {
                dhcp.state = SELECTING; /* the offer went stale: discover again */
                dhcp.xid = net_random();
            }
            send_message(dhcp.state == SELECTING ? DHCP_DISCOVER : DHCP_REQUEST);
        }
        return;
    }
    uint32_t elapsed = (now - net_interface.bound_at_ms) / 1000;
    if (elapsed >= dhcp.lease) {
        net_log_line("DHCP: lease expired");
        net_interface.ip = 0;
        start_discovery();
    } else if (dhcp.state == BOUND && elapsed >= dhcp.t1) {
        dhcp.state = RENEWING;
        dhcp.xid = net_random();
        send_message(DHCP_REQUEST);
    } else if ((dhcp.state == RENEWING || dhcp.state == REBINDING) && now - dhcp.sent_ms >= 10000) {
        if (elapsed >= dhcp.t2) {
            dhcp.state = REBINDING;
        }
        send_message(DHCP_REQUEST);
    }
}

int net_dhcp(uint32_t timeout_ms)
{
    start_discovery();
    uint32_t start = net_now_ms();
    while (dhcp.state != BOUND) {
        if (net_now_ms() - start >= timeout_ms) {
            net_log_line("DHCP: no lease after %u ms", (unsigned)timeout_ms);
            return NET_ERR_TIMEOUT;
        }
        net_poll();
    }
    return NET_OK;
}
