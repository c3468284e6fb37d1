/*
 * The frame driver under lib/net: the STM32H563 ETH MAC (RM0481 §55) with a LAN8742 PHY in RMII
 * mode, as wired on the NUCLEO-H563ZI. The protocol layers see only these functions, so the host
 * test harness (host-test/) can put a loopback driver in its place.
 */
#ifndef H5_NET_ETH_H
#define H5_NET_ETH_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int link_up;
    int speed_mbps;
    int full_duplex;
} eth_link_t;

/* Clocks, pins, MAC/DMA reset and configuration, PHY reset and autonegotiation (waits up to
 * link_timeout_ms for link). hclk_hz selects the MDIO clock divider. Returns a NET_ERR_* code. */
int eth_init(const uint8_t mac[6], uint32_t hclk_hz, int use_interrupt, uint32_t link_timeout_ms,
             uint32_t (*now_ms)(void), eth_link_t *link);

/* Called while the driver waits a number of milliseconds (PHY reset, autonegotiation polls), e.g.
 * a function executing WFI; NULL (the default) spins on the clock. Only safe when an interrupt
 * (the millisecond tick) wakes the core. net_set_idle() passes its function on. */
void eth_set_idle(void (*idle)(void));

/* Re-reads the PHY (BSR, PHYSCSR); reprograms MACCR speed/duplex when they changed. */
void eth_check_link(eth_link_t *link);

/* Queues one frame (without FCS). checksum_offload selects TDES3.CIC = 0b11 (else 0b00).
 * Returns 0, or NET_ERR_NO_MEMORY when the TX ring has no free descriptor. */
int eth_send(const uint8_t *frame, size_t length, int checksum_offload);

/* Received frame handed to the stack: data points into the DMA buffer, valid during the call. */
typedef void (*eth_receive_fn)(const uint8_t *frame, size_t length, uint32_t status);
/* RDES1 status bits passed through to the stack. */
#define ETH_RX_STATUS_IP_HEADER_ERROR (1u << 3)   /* RDES1.IPHE */
#define ETH_RX_STATUS_IPV4 (1u << 4)              /* RDES1.IPV4 */
#define ETH_RX_STATUS_CHECKSUM_BYPASSED (1u << 6) /* RDES1.IPCB */
#define ETH_RX_STATUS_PAYLOAD_ERROR (1u << 7)     /* RDES1.IPCE */

/* Hands every completed RX descriptor to receive (at most `budget` frames), gives the
 * descriptors back to the DMA, recovers from RBU. Returns the number of frames delivered. */
int eth_receive(eth_receive_fn receive, int budget);

/* Counters kept by the driver. */
typedef struct {
    uint32_t rx_errors;            /* RDES3.ES frames dropped */
    uint32_t rx_buffer_unavailable; /* DMACSR.RBU seen and recovered */
    uint32_t tx_ring_full;
    uint32_t interrupts;
    uint32_t fatal_bus_errors;
} eth_counters_t;
const eth_counters_t *eth_counters(void);

#endif
