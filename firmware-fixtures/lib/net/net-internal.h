/* What the parts of lib/net share with each other (not for applications). */
#ifndef H5_NET_INTERNAL_H
#define H5_NET_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "net.h"

#ifndef NET_SW_CHECKSUM
#define NET_SW_CHECKSUM 0
#endif
#ifndef NET_ARP_ENTRIES
#define NET_ARP_ENTRIES 8
#endif
#ifndef NET_UDP_SOCKETS
#define NET_UDP_SOCKETS 8
#endif
#ifndef NET_TCP_SOCKETS
#define NET_TCP_SOCKETS 6
#endif
#ifndef NET_TCP_RX_BUFFER
#define NET_TCP_RX_BUFFER 8192
#endif
#ifndef NET_TCP_TX_BUFFER
#define NET_TCP_TX_BUFFER 8192
#endif

#define ETH_HEADER_LENGTH 14
#define IP_HEADER_LENGTH 20
#define ETH_MTU 1500
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define IP_PROTOCOL_ICMP 1
#define IP_PROTOCOL_TCP 6
#define IP_PROTOCOL_UDP 17
#define IP_BROADCAST 0xFFFFFFFFu

/* Big-endian fields in packet bytes (no alignment assumed). */
static inline uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

extern net_info_t net_interface;
extern net_stats_t net_counters;

void net_log_line(const char *format, ...) __attribute__((format(printf, 1, 2)));
int net_snprintf(char *buffer, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* One's-complement sum over bytes, folded; net_checksum_finish gives the field value. */
uint32_t net_checksum_add(uint32_t sum, const uint8_t *data, size_t length);
uint16_t net_checksum_finish(uint32_t sum);
/* Sum of the IPv4 pseudo header for TCP/UDP. */
uint32_t net_pseudo_header_sum(uint32_t source, uint32_t destination, uint8_t protocol, size_t length);

/* Transmit: the payload of the next IPv4 packet is written at ip_payload(), then ip_output fills
 * the IPv4 and Ethernet headers (and in NET_SW_CHECKSUM builds the L4 checksum) and sends. */
uint8_t *ip_payload(void);
int ip_output(uint32_t destination, uint8_t protocol, size_t payload_length);
/* Same, with an explicit source address (DHCP sends from 0.0.0.0). */
int ip_output_from(uint32_t source, uint32_t destination, uint8_t protocol, size_t payload_length);

/* UDP with an explicit source address (DHCP before it has a lease). */
int udp_sendto_from(uint32_t source, udp_socket_t *socket, uint32_t ip, uint16_t port, const void *data,
                    size_t length);

/* Receive handlers (payload = the IP payload; lengths checked by the IP layer). */
void icmp_input(uint32_t source, const uint8_t *payload, size_t length);
void udp_input(uint32_t source, uint32_t destination, const uint8_t *payload, size_t length);
void tcp_input(uint32_t source, uint32_t destination, const uint8_t *payload, size_t length);
void arp_input(const uint8_t *packet, size_t length);
void arp_announce(void);
void arp_timers(void);
void tcp_timers(void);
void dhcp_timers(void);
/* Frame entry point used by net_poll and the host test harness. */
void net_input_frame(const uint8_t *frame, size_t length, uint32_t status);

/* Millisecond clock started by net_init when the application gave none (systick.c on target). */
uint32_t net_default_clock_start(uint32_t core_hz);
uint32_t net_default_clock_ms(void);

/* Sends a prepared Ethernet frame (eth.c on target, the loopback in host-test). */
int net_link_send(const uint8_t *frame, size_t length);

/* Pseudo-random numbers for ports, ISNs and DHCP transaction ids (xorshift seeded from the MAC
 * address and the clock). */
uint32_t net_random(void);

/* Unsigned sequence comparisons (RFC 793 modular arithmetic). */
static inline int seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline int seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif
