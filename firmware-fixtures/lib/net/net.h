/*
 * lib/net: the small IPv4 stack of the h5sim fixtures (our own code).
 *
 * One interface (the STM32H563 ETH MAC + LAN8742 PHY, see eth.h), no threads, no heap. Everything
 * runs from net_poll(), which the application calls from its main loop; calls that wait
 * (net_dhcp, dns_resolve, tcp_connect, tcp_recv with a timeout, ...) call net_poll() themselves
 * while they wait. Nothing in lib/net may be called from an interrupt handler.
 *
 * IPv4 addresses are uint32_t in host byte order: 10.0.2.15 is NET_IP4(10, 0, 2, 15) == 0x0A00020F.
 * Ports are host byte order too.
 *
 * Checksums: by default the stack leaves the IPv4 header, ICMP, UDP and TCP checksum fields 0 on
 * transmit and relies on the MAC inserting them (TDES3.CIC = 0b11), as NetX Duo does; on receive it
 * trusts the MAC's checksum status (RDES1 IPHE/IPCE). Build with -DNET_SW_CHECKSUM=1 to compute
 * and verify every checksum in software instead (CIC = 0b00).
 */
#ifndef H5_NET_H
#define H5_NET_H
#include <stddef.h>
#include <stdint.h>

#define NET_IP4(a, b, c, d) \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Result codes: 0 or a positive count is success, negative is one of these. */
#define NET_OK 0
#define NET_ERR_TIMEOUT (-1)  /* nothing happened within the timeout (also "would block" for 0) */
#define NET_ERR_NO_LINK (-2)  /* PHY link down or autonegotiation not complete */
#define NET_ERR_NO_MEMORY (-3) /* no free socket / buffer */
#define NET_ERR_ARGUMENT (-4)
#define NET_ERR_RESET (-5)    /* the peer sent RST (connection refused or aborted) */
#define NET_ERR_CLOSED (-6)   /* the socket is not (or no longer) connected */
#define NET_ERR_UNREACHABLE (-7) /* ARP got no answer for the next hop */
#define NET_ERR_HARDWARE (-8) /* ETH reset or MDIO did not complete */
#define NET_ERR_NOT_FOUND (-9) /* DNS: name does not exist / no A record */
#define NET_ERR_PROTOCOL (-10) /* malformed answer (DHCP NAK, bad DNS/SNTP reply) */

const char *net_error_name(int code);

/* ---- Interface ------------------------------------------------------------------------------ */

typedef struct {
    uint8_t mac[6];
    uint32_t ip;          /* 0 until configured */
    uint32_t netmask;
    uint32_t gateway;
    uint32_t dns;         /* from DHCP option 6 (or net_set_static) */
    uint32_t dhcp_server;
    uint32_t lease_seconds;
    uint32_t bound_at_ms;  /* net_now_ms() when the lease was obtained */
    int link_up;
    int speed_mbps;       /* 10 or 100, from the PHY's PHYSCSR after autonegotiation */
    int full_duplex;
} net_info_t;

typedef struct {
    uint32_t rx_frames, tx_frames;
    uint32_t rx_dropped;         /* not for us, malformed, bad checksum, no buffer */
    uint32_t rx_checksum_errors; /* reported by the MAC (RDES1) or found in software */
    uint32_t rx_buffer_unavailable; /* DMACSR.RBU recoveries */
    uint32_t tx_ring_full;
    uint32_t arp_requests, arp_replies;
    uint32_t icmp_echo_replies;
    uint32_t tcp_retransmissions;
} net_stats_t;

/*
 * Brings up the ETH MAC and the PHY (MAC address 00:80:E1:00:00:00 unless net_set_mac was called
 * first), waits up to 5 s for link + autonegotiation. Returns NET_OK, NET_ERR_NO_LINK or
 * NET_ERR_HARDWARE. Also starts the millisecond clock if no other source was given.
 */
int net_init(void);
void net_set_mac(const uint8_t mac[6]);

/* DHCP: DISCOVER/OFFER/REQUEST/ACK, retried with backoff; then renews at T1 from net_poll(). */
int net_dhcp(uint32_t timeout_ms);
/* Static configuration instead of DHCP (dns may be 0). */
void net_set_static(uint32_t ip, uint32_t netmask, uint32_t gateway, uint32_t dns);
const net_info_t *net_info(void);
const net_stats_t *net_stats(void);

/* Processes received frames and runs the timers (ARP, TCP retransmission, DHCP renewal). */
void net_poll(void);
/* Calls net_poll() for `ms` milliseconds. */
void net_wait_ms(uint32_t ms);

/* Receive path: by default the ETH RX interrupt (IRQ 106) only flags work for net_poll(); call
 * net_use_rx_interrupt(0) before net_init() to poll DMACSR instead. */
void net_use_rx_interrupt(int enabled);

/*
 * Milliseconds since net_init(). The default source is SysTick at 1 kHz (from SYSCLK given by
 * net_set_core_clock_hz, default 250 MHz). An application that already has a 1 kHz tick (e.g.
 * lib/board's TIM6) passes it with net_set_clock() before net_init(), and lib/net leaves SysTick
 * alone.
 */
uint32_t net_now_ms(void);
void net_set_clock(uint32_t (*millis)(void));
void net_set_core_clock_hz(uint32_t hz);

/* Optional diagnostics: lib/net reports its steps ("ETH: link up 100M full", "DHCP: offer ...")
 * through this printf-like function (e.g. console_printf or sh_printf). NULL = silent. */
void net_set_log(void (*log)(const char *format, ...));

/* Optional: called by net_poll() when it found no received frame, e.g. a function that executes
 * WFI. Only safe when an interrupt (the millisecond tick, ETH RX) will wake the core; waits inside
 * lib/net then sleep instead of spinning, which also lets the simulator skip idle time. */
void net_set_idle(void (*idle)(void));

/* "10.0.2.15" into buffer (at least 16 bytes); returns buffer. */
char *net_ip_to_string(uint32_t ip, char *buffer);
/* Parses dotted quad; returns 0 on success, NET_ERR_ARGUMENT otherwise. */
int net_ip_from_string(const char *text, uint32_t *ip);
/* "00:80:e1:00:00:00" into buffer (at least 18 bytes). */
char *net_mac_to_string(const uint8_t mac[6], char *buffer);

/* ---- ICMP ----------------------------------------------------------------------------------- */

/* Echo requests to us are always answered from net_poll(). This sends one and waits for the
 * reply: NET_OK (and the round trip in *rtt_ms if not NULL) or NET_ERR_TIMEOUT. */
int icmp_ping(uint32_t ip, uint32_t timeout_ms, uint32_t *rtt_ms);

/* ---- UDP ------------------------------------------------------------------------------------ */

typedef struct udp_socket udp_socket_t;
typedef void (*udp_receive_fn)(udp_socket_t *socket, uint32_t source_ip, uint16_t source_port,
                               const uint8_t *data, size_t length, void *context);

/* Binds a local port (0 = an ephemeral one); receive is called from net_poll() per datagram.
 * Returns NULL if all UDP sockets are in use or the port is taken. */
udp_socket_t *udp_bind(uint16_t port, udp_receive_fn receive, void *context);
int udp_sendto(udp_socket_t *socket, uint32_t ip, uint16_t port, const void *data, size_t length);
uint16_t udp_local_port(const udp_socket_t *socket);
void udp_unbind(udp_socket_t *socket);

/* ---- DNS, SNTP ------------------------------------------------------------------------------ */

/* A-record lookup (dotted quads are parsed without a query). The server is the one given with
 * dns_set_server(), else the DHCP one. NetX apps use 1.1.1.1: dns_set_server(NET_IP4(1,1,1,1)). */
int dns_resolve(const char *name, uint32_t *ip, uint32_t timeout_ms);
void dns_set_server(uint32_t ip);

/* One SNTP (RFC 4330) request to server_ip:123; *unix_seconds from the transmit timestamp. */
int sntp_get_time(uint32_t server_ip, uint32_t *unix_seconds, uint32_t timeout_ms);

/* ---- TCP ------------------------------------------------------------------------------------ */

typedef enum {
    TCP_CLOSED,
    TCP_LISTEN,
    TCP_SYN_SENT,
    TCP_SYN_RECEIVED,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSE_WAIT,
    TCP_CLOSING,
    TCP_LAST_ACK,
    TCP_TIME_WAIT,
} tcp_state_t;

typedef struct tcp_socket tcp_socket_t;

/* Active open; waits (polling the stack) until ESTABLISHED. On success *socket is set. Errors:
 * NET_ERR_TIMEOUT, NET_ERR_RESET (refused), NET_ERR_UNREACHABLE, NET_ERR_NO_MEMORY. */
int tcp_connect(tcp_socket_t **socket, uint32_t ip, uint16_t port, uint32_t timeout_ms);

/* Passive open: a listening socket; connections that complete the handshake are taken with
 * tcp_accept() (non-blocking: NULL when none is waiting). */
tcp_socket_t *tcp_listen(uint16_t port);
tcp_socket_t *tcp_accept(tcp_socket_t *listener);

/* Queues data for sending, waiting up to timeout_ms for room in the send buffer. Returns the
 * number of bytes queued (== length unless the timeout hit), or a negative error. */
int tcp_send(tcp_socket_t *socket, const void *data, size_t length, uint32_t timeout_ms);
/* Waits up to timeout_ms until everything sent is acknowledged. */
int tcp_flush(tcp_socket_t *socket, uint32_t timeout_ms);

/* Returns 1..capacity bytes received, 0 when the peer has closed and everything was read,
 * NET_ERR_TIMEOUT if nothing arrived within timeout_ms (0 = don't wait), NET_ERR_RESET. */
int tcp_recv(tcp_socket_t *socket, void *buffer, size_t capacity, uint32_t timeout_ms);
/* Bytes waiting to be read. */
size_t tcp_available(const tcp_socket_t *socket);

/* Orderly close (FIN), waiting up to timeout_ms for the peer's FIN/ACK; the handle is released
 * in any case (the stack finishes TIME_WAIT on its own). tcp_abort sends RST and releases. */
int tcp_close(tcp_socket_t *socket, uint32_t timeout_ms);
void tcp_abort(tcp_socket_t *socket);

tcp_state_t tcp_state(const tcp_socket_t *socket);
const char *tcp_state_name(tcp_state_t state);
void tcp_peer(const tcp_socket_t *socket, uint32_t *ip, uint16_t *port);

#endif
