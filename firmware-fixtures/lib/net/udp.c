/* UDP (RFC 768): bound ports with a receive callback each. */
#include "net-internal.h"

struct udp_socket {
    uint16_t port;
    udp_receive_fn receive;
    void *context;
};

static udp_socket_t sockets[NET_UDP_SOCKETS];
static uint16_t next_ephemeral;

static udp_socket_t *find(uint16_t port)
{
    for (int i = 0; i < NET_UDP_SOCKETS; i++) {
        if (sockets[i].port == port && port != 0) {
            return &sockets[i];
        }
    }
    return 0;
}

udp_socket_t *udp_bind(uint16_t port, udp_receive_fn receive, void *context)
{
    if (port == 0) {
        if (next_ephemeral == 0) {
            next_ephemeral = (uint16_t)(49152u + net_random() % 16000u);
        }
        do {
            port = next_ephemeral++;
            if (next_ephemeral < 49152u) {
                next_ephemeral = 49152u;
            }
        } while (find(port));
    } else if (find(port)) {
        return 0;
    }
    for (int i = 0; i < NET_UDP_SOCKETS; i++) {
        if (sockets[i].port == 0) {
            sockets[i].port = port;
            sockets[i].receive = receive;
            sockets[i].context = context;
            return &sockets[i];
        }
    }
    return 0;
}

void udp_unbind(udp_socket_t *socket)
{
    if (socket) {
        socket->port = 0;
        socket->receive = 0;
    }
}

uint16_t udp_local_port(const udp_socket_t *socket) { return socket ? socket->port : 0; }

static int udp_send_common(uint32_t source, udp_socket_t *socket, uint32_t ip, uint16_t port, const void *data,
                           size_t length)
{
    if (!socket || socket->port == 0 || length > ETH_MTU - IP_HEADER_LENGTH - 8) {
        return NET_ERR_ARGUMENT;
    }
    uint8_t *udp = ip_payload();
    put16(udp + 0, socket->port);
    put16(udp + 2, port);
    put16(udp + 4, (uint16_t)(8 + length));
    put16(udp + 6, 0);
    const uint8_t *bytes = data;
    for (size_t i = 0; i < length; i++) {
        udp[8 + i] = bytes[i];
    }
    return ip_output_from(source, ip, IP_PROTOCOL_UDP, 8 + length);
}

int udp_sendto(udp_socket_t *socket, uint32_t ip, uint16_t port, const void *data, size_t length)
{
    return udp_send_common(net_interface.ip, socket, ip, port, data, length);
}

/* DHCP sends from 0.0.0.0 before it has a lease. */
int udp_sendto_from(uint32_t source, udp_socket_t *socket, uint32_t ip, uint16_t port, const void *data,
                    size_t length)
{
    return udp_send_common(source, socket, ip, port, data, length);
}

void udp_input(uint32_t source, uint32_t destination, const uint8_t *payload, size_t length)
{
    (void)destination;
    if (length < 8) {
        net_counters.rx_dropped++;
        return;
    }
    size_t udp_length = get16(payload + 4);
    if (udp_length < 8 || udp_length > length) {
        net_counters.rx_dropped++;
        return;
    }
    udp_socket_t *socket = find(get16(payload + 2));
    if (!socket || !socket->receive) {
        net_counters.rx_dropped++; /* RFC 1122 would send port unreachable; silence is enough here */
        return;
    }
    socket->receive(socket, source, get16(payload), payload + 8, udp_length - 8, socket->context);
}
