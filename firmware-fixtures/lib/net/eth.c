/*
 * ETH driver for lib/net, written at register level from RM0481 §55 (Ethernet) and the LAN8742A
 * datasheet. It programs the MAC the way ST's HAL_ETH_Init / HAL_ETH_Start_IT do (same registers,
 * same order), so the simulator's ETH model sees what CubeH5/NetX Duo firmware does:
 *   - RMII selected in SBS_PMCR.ETH_SEL_PHY before the DMAMR.SWR software reset;
 *   - 24-byte descriptors: four DMA words plus two words of our own (DMACCR.DSL = 2 skips two
 *     32-bit words after each descriptor);
 *   - TX with TDES3.CIC = 0b11 (checksums inserted by the MAC), tail pointer = next free descriptor;
 *   - RX buffers that start 2 bytes after a word boundary, so the IP header behind the 14-byte
 *     Ethernet header is word aligned; tail pointer = last descriptor given back to the DMA.
 */
#include "eth.h"
#include "cortex-m.h"
#include "net.h"

/* ---- Addresses (non-secure aliases, RM0481 §2.3) and register offsets ---------------------- */
#define ETH_BASE 0x40028000u
#define ETH_REG(offset) REG32(ETH_BASE + (offset))
#define ETH_MACCR ETH_REG(0x000)
#define ETH_MACECR ETH_REG(0x004)
#define ETH_MACPFR ETH_REG(0x008)
#define ETH_MACISR ETH_REG(0x0B0)
#define ETH_MAC1USTCR ETH_REG(0x0DC)
#define ETH_MACMDIOAR ETH_REG(0x200)
#define ETH_MACMDIODR ETH_REG(0x204)
#define ETH_MACA0HR ETH_REG(0x300)
#define ETH_MACA0LR ETH_REG(0x304)
#define ETH_MMCRIMR ETH_REG(0x70C)
#define ETH_MMCTIMR ETH_REG(0x710)
#define ETH_MTLTQOMR ETH_REG(0xD00)
#define ETH_MTLRQOMR ETH_REG(0xD30)
#define ETH_DMAMR ETH_REG(0x1000)
#define ETH_DMASBMR ETH_REG(0x1004)
#define ETH_DMACCR ETH_REG(0x1100)
#define ETH_DMACTCR ETH_REG(0x1104)
#define ETH_DMACRCR ETH_REG(0x1108)
#define ETH_DMACTDLAR ETH_REG(0x1114)
#define ETH_DMACRDLAR ETH_REG(0x111C)
#define ETH_DMACTDTPR ETH_REG(0x1120)
#define ETH_DMACRDTPR ETH_REG(0x1128)
#define ETH_DMACTDRLR ETH_REG(0x112C)
#define ETH_DMACRDRLR ETH_REG(0x1130)
#define ETH_DMACIER ETH_REG(0x1134)
#define ETH_DMACSR ETH_REG(0x1160)

#define MACCR_RE (1u << 0)
#define MACCR_TE (1u << 1)
#define MACCR_DM (1u << 13)
#define MACCR_FES (1u << 14)
#define MACCR_ACS (1u << 20)
#define MACCR_CST (1u << 21)
#define MACCR_IPC (1u << 27)
#define MACCR_SARC_REPLACE_ADDR0 (3u << 28)
#define MACECR_GPSL(n) ((uint32_t)(n) & 0x3FFFu)
#define MACMDIOAR_MB (1u << 0)
#define MACMDIOAR_MOC_WRITE (1u << 2)
#define MACMDIOAR_MOC_READ (3u << 2)
#define MACMDIOAR_CR_SHIFT 8
#define MACMDIOAR_CR_MASK (0xFu << 8)
#define MACMDIOAR_RDA_SHIFT 16
#define MACMDIOAR_PA_SHIFT 21
#define MACA0HR_AE (1u << 31)
#define MMCRIMR_DEFAULT ((1u << 5) | (1u << 6) | (1u << 17) | (1u << 26) | (1u << 27))
#define MMCTIMR_DEFAULT ((1u << 14) | (1u << 15) | (1u << 21) | (1u << 26) | (1u << 27))
#define MTLTQOMR_FTQ (1u << 0)
#define MTLTQOMR_TSF (1u << 1)
#define MTLRQOMR_RSF (1u << 5)
#define DMAMR_SWR (1u << 0)
#define DMASBMR_FB (1u << 0)
#define DMASBMR_AAL (1u << 12)
#define DMACCR_MSS(n) ((uint32_t)(n) & 0x3FFFu)
#define DMACCR_DSL_SHIFT 18
#define DMACCR_DSL_MASK (7u << 18)
#define DMACTCR_ST (1u << 0)
#define DMACTCR_TPBL(n) ((uint32_t)(n) << 16)
#define DMACRCR_SR (1u << 0)
#define DMACRCR_RBSZ(n) (((uint32_t)(n) & 0x3FFFu) << 1)
#define DMACRCR_RPBL(n) ((uint32_t)(n) << 16)
#define DMACSR_TI (1u << 0)
#define DMACSR_TPS (1u << 1)
#define DMACSR_TBU (1u << 2)
#define DMACSR_RI (1u << 6)
#define DMACSR_RBU (1u << 7)
#define DMACSR_RPS (1u << 8)
#define DMACSR_RWT (1u << 9)
#define DMACSR_ETI (1u << 10)
#define DMACSR_ERI (1u << 11)
#define DMACSR_FBE (1u << 12)
#define DMACSR_CDE (1u << 13)
#define DMACSR_AIS (1u << 14)
#define DMACSR_NIS (1u << 15)
#define DMACIER_TIE (1u << 0)
#define DMACIER_RIE (1u << 6)
#define DMACIER_RBUE (1u << 7)
#define DMACIER_FBEE (1u << 12)
#define DMACIER_AIE (1u << 14)
#define DMACIER_NIE (1u << 15)

/* Descriptor words (RM0481 §55.10). */
#define TDES2_IOC (1u << 31)
#define TDES2_B1L(n) ((uint32_t)(n) & 0x3FFFu)
#define TDES3_OWN (1u << 31)
#define TDES3_FD (1u << 29)
#define TDES3_LD (1u << 28)
#define TDES3_CIC_FULL (3u << 16)
#define TDES3_FL(n) ((uint32_t)(n) & 0x7FFFu)
#define RDES3_OWN (1u << 31)
#define RDES3_IOC (1u << 30)
#define RDES3_CTXT (1u << 30)
#define RDES3_FD (1u << 29)
#define RDES3_LD (1u << 28)
#define RDES3_BUF1V (1u << 24)
#define RDES3_ES (1u << 15)
#define RDES3_PL(word) ((word) & 0x7FFFu)

#define RCC_BASE_ADDRESS 0x44020C00u
#define RCC_AHB1ENR REG32(RCC_BASE_ADDRESS + 0x88)
#define RCC_AHB2ENR_REG REG32(RCC_BASE_ADDRESS + 0x8C)
#define RCC_APB3ENR REG32(RCC_BASE_ADDRESS + 0xA8)
#define RCC_AHB1ENR_ETHEN (1u << 19)
#define RCC_AHB1ENR_ETHTXEN (1u << 20)
#define RCC_AHB1ENR_ETHRXEN (1u << 21)
#define RCC_APB3ENR_SBSEN (1u << 1)
#define SBS_PMCR REG32(0x44000400u + 0x100)
#define SBS_PMCR_ETH_SEL_PHY_MASK (7u << 21)
#define SBS_PMCR_ETH_SEL_PHY_RMII (4u << 21)
#define GPIO_PORT(port) (0x42020000u + 0x400u * (unsigned)((port) - 'A'))
#define ETH_IRQ_NUMBER 106u

/* LAN8742A registers (IEEE 802.3 clause 22 plus vendor-specific). */
#define PHY_ADDRESS 0u
#define PHY_BCR 0u
#define PHY_BSR 1u
#define PHY_ID1 2u
#define PHY_SMR 18u
#define PHY_PHYSCSR 31u
#define BCR_SOFT_RESET 0x8000u
#define BCR_AUTONEG_ENABLE 0x1000u
#define BCR_RESTART_AUTONEG 0x0200u
#define BSR_LINK_UP 0x0004u
#define BSR_AUTONEG_COMPLETE 0x0020u
#define PHYSCSR_AUTONEG_DONE 0x1000u
#define PHYSCSR_SPEED_MASK 0x001Cu
#define PHYSCSR_100_FULL 0x0018u
#define PHYSCSR_100_HALF 0x0008u
#define PHYSCSR_10_FULL 0x0014u

/* ---- Descriptor rings ------------------------------------------------------------------------ */
#ifndef ETH_TX_DESCRIPTORS
#define ETH_TX_DESCRIPTORS 8
#endif
#ifndef ETH_RX_DESCRIPTORS
#define ETH_RX_DESCRIPTORS 8
#endif
#define ETH_BUFFER_SIZE 1536u /* RBSZ: a multiple of 4, holds a 1518-byte frame */
#define ETH_RX_OFFSET 2u

typedef struct {
    volatile uint32_t word[4];
    uint32_t buffer;  /* ours: the buffer this descriptor owns (the DMA skips it, DSL = 2) */
    uint32_t spare;
} eth_descriptor_t;

_Static_assert(sizeof(eth_descriptor_t) == 24, "descriptor stride must match DMACCR.DSL = 2");

static eth_descriptor_t tx_ring[ETH_TX_DESCRIPTORS] __attribute__((aligned(8)));
static eth_descriptor_t rx_ring[ETH_RX_DESCRIPTORS] __attribute__((aligned(8)));
static uint8_t tx_buffers[ETH_TX_DESCRIPTORS][ETH_BUFFER_SIZE] __attribute__((aligned(4)));
static uint8_t rx_buffers[ETH_RX_DESCRIPTORS][ETH_BUFFER_SIZE + 8] __attribute__((aligned(4)));
static unsigned tx_next;
static unsigned rx_next;
static int interrupt_mode;
static volatile uint32_t pending_status;
static eth_counters_t counters;
static uint32_t (*clock_ms)(void);
static void (*idle_wait)(void);

void eth_set_idle(void (*idle)(void)) { idle_wait = idle; }

const eth_counters_t *eth_counters(void) { return &counters; }

static void memory_barrier(void) { __asm__ volatile("dmb" ::: "memory"); }

/* Waits by watching the millisecond clock (a RAM variable), not by hammering MDIO; sleeps between
 * ticks when the application gave an idle function (the second of autonegotiation is then idle
 * time the simulator skips, instead of a quarter of a billion instructions of spinning). */
static void delay_ms(uint32_t ms)
{
    uint32_t start = clock_ms();
    while (clock_ms() - start < ms) {
        if (idle_wait) {
            idle_wait();
        }
    }
}

/* ---- MDIO ------------------------------------------------------------------------------------ */
static int mdio_wait(void)
{
    uint32_t start = clock_ms();
    while (ETH_MACMDIOAR & MACMDIOAR_MB) {
        if (clock_ms() - start > 1000u) {
            return NET_ERR_HARDWARE;
        }
    }
    return NET_OK;
}

static int phy_read(unsigned reg, uint16_t *value)
{
    if (mdio_wait() != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    uint32_t ar = ETH_MACMDIOAR & MACMDIOAR_CR_MASK;
    ar |= (PHY_ADDRESS << MACMDIOAR_PA_SHIFT) | (reg << MACMDIOAR_RDA_SHIFT) | MACMDIOAR_MOC_READ |
          MACMDIOAR_MB;
    ETH_MACMDIOAR = ar;
    if (mdio_wait() != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    *value = (uint16_t)ETH_MACMDIODR;
    return NET_OK;
}

static int phy_write(unsigned reg, uint16_t value)
{
    if (mdio_wait() != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    uint32_t ar = ETH_MACMDIOAR & MACMDIOAR_CR_MASK;
    ar |= (PHY_ADDRESS << MACMDIOAR_PA_SHIFT) | (reg << MACMDIOAR_RDA_SHIFT) | MACMDIOAR_MOC_WRITE |
          MACMDIOAR_MB;
    ETH_MACMDIODR = value;
    ETH_MACMDIOAR = ar;
    return mdio_wait();
}

/* MDC must stay under 2.5 MHz: CR per HCLK range (RM0481 ETH_MACMDIOAR.CR). */
static uint32_t mdio_clock_range(uint32_t hclk_hz)
{
    if (hclk_hz < 35000000u) return 2;  /* HCLK/16 */
    if (hclk_hz < 60000000u) return 3;  /* HCLK/26 */
    if (hclk_hz < 100000000u) return 0; /* HCLK/42 */
    if (hclk_hz < 150000000u) return 1; /* HCLK/62 */
    if (hclk_hz < 250000000u) return 4; /* HCLK/102 */
    return 5;                           /* HCLK/124 */
}

/* ---- Pins and clocks ------------------------------------------------------------------------- */
static void pin_alternate(char port, unsigned pin, unsigned function)
{
    uint32_t base = GPIO_PORT(port);
    RCC_AHB2ENR_REG |= 1u << (port - 'A');
    (void)RCC_AHB2ENR_REG;
    REG32(base + 0x08) |= 3u << (2 * pin);                  /* OSPEEDR: very high */
    REG32(base + 0x04) &= ~(1u << pin);                     /* OTYPER: push-pull */
    REG32(base + 0x0C) &= ~(3u << (2 * pin));               /* PUPDR: none */
    uint32_t afr = REG32(base + 0x20 + 4 * (pin / 8));
    afr &= ~(0xFu << (4 * (pin % 8)));
    afr |= function << (4 * (pin % 8));
    REG32(base + 0x20 + 4 * (pin / 8)) = afr;
    uint32_t moder = REG32(base + 0x00);
    moder &= ~(3u << (2 * pin));
    moder |= 2u << (2 * pin);
    REG32(base + 0x00) = moder;
}

/* NUCLEO-H563ZI RMII wiring (UM3115): REF_CLK PA1, MDIO PA2, CRS_DV PA7, TXD1 PB15, MDC PC1,
 * RXD0 PC4, RXD1 PC5, TX_EN PG11, TXD0 PG13, all AF11. */
static void rmii_pins(void)
{
    static const struct { char port; uint8_t pin; } pins[] = {
        {'A', 1}, {'A', 2}, {'A', 7}, {'B', 15}, {'C', 1}, {'C', 4}, {'C', 5}, {'G', 11}, {'G', 13},
    };
    for (unsigned i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        pin_alternate(pins[i].port, pins[i].pin, 11);
    }
}

/* ---- Interrupt ------------------------------------------------------------------------------- */
static void eth_interrupt(void)
{
    uint32_t status = ETH_DMACSR;
    uint32_t clear = 0;
    counters.interrupts++;
    if (status & DMACSR_RI) {
        clear |= DMACSR_RI | DMACSR_NIS;
    }
    if (status & DMACSR_TI) {
        clear |= DMACSR_TI | DMACSR_NIS;
    }
    if (status & DMACSR_AIS) {
        if (status & DMACSR_FBE) {
            counters.fatal_bus_errors++;
            ETH_DMACIER &= ~(DMACIER_NIE | DMACIER_AIE);
        }
        /* RBU stays set until net_poll has given descriptors back (eth_receive clears it), but the
         * summary bit is cleared here so the line drops. */
        clear |= status & (DMACSR_CDE | DMACSR_ETI | DMACSR_RWT | DMACSR_RBU | DMACSR_AIS);
    }
    pending_status |= status;
    ETH_DMACSR = clear;
    (void)ETH_DMACSR;
}

/* ---- Rings ----------------------------------------------------------------------------------- */
static void rx_arm(unsigned index)
{
    eth_descriptor_t *d = &rx_ring[index];
    d->buffer = (uint32_t)&rx_buffers[index][ETH_RX_OFFSET];
    d->word[0] = d->buffer;
    d->word[1] = 0;
    d->word[2] = 0;
    memory_barrier();
    d->word[3] = RDES3_OWN | RDES3_BUF1V | (interrupt_mode ? RDES3_IOC : 0);
}

static void rings_init(void)
{
    for (unsigned i = 0; i < ETH_TX_DESCRIPTORS; i++) {
        tx_ring[i].word[0] = tx_ring[i].word[1] = tx_ring[i].word[2] = tx_ring[i].word[3] = 0;
        tx_ring[i].buffer = (uint32_t)tx_buffers[i];
    }
    tx_next = 0;
    ETH_DMACTDRLR = ETH_TX_DESCRIPTORS - 1;
    ETH_DMACTDLAR = (uint32_t)&tx_ring[0];
    ETH_DMACTDTPR = (uint32_t)&tx_ring[0];

    for (unsigned i = 0; i < ETH_RX_DESCRIPTORS; i++) {
        rx_ring[i].word[0] = rx_ring[i].word[1] = rx_ring[i].word[2] = rx_ring[i].word[3] = 0;
        rx_ring[i].buffer = 0;
    }
    rx_next = 0;
    ETH_DMACRDRLR = ETH_RX_DESCRIPTORS - 1;
    ETH_DMACRDLAR = (uint32_t)&rx_ring[0];
    ETH_DMACRDTPR = (uint32_t)&rx_ring[ETH_RX_DESCRIPTORS - 1];
}

static void mac_set_link(const eth_link_t *link)
{
    uint32_t cr = ETH_MACCR & ~(MACCR_FES | MACCR_DM);
    if (link->speed_mbps == 100) cr |= MACCR_FES;
    if (link->full_duplex) cr |= MACCR_DM;
    ETH_MACCR = cr;
}

static int phy_link(eth_link_t *link)
{
    uint16_t bsr = 0, scsr = 0;
    /* BSR latches link-down: read twice to get the current state. */
    if (phy_read(PHY_BSR, &bsr) != NET_OK || phy_read(PHY_BSR, &bsr) != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    link->link_up = 0;
    if (!(bsr & BSR_LINK_UP)) {
        return NET_OK;
    }
    if (phy_read(PHY_PHYSCSR, &scsr) != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    if (!(scsr & PHYSCSR_AUTONEG_DONE)) {
        return NET_OK;
    }
    switch (scsr & PHYSCSR_SPEED_MASK) {
    case PHYSCSR_100_FULL: link->speed_mbps = 100; link->full_duplex = 1; break;
    case PHYSCSR_100_HALF: link->speed_mbps = 100; link->full_duplex = 0; break;
    case PHYSCSR_10_FULL: link->speed_mbps = 10; link->full_duplex = 1; break;
    default: link->speed_mbps = 10; link->full_duplex = 0; break;
    }
    link->link_up = 1;
    return NET_OK;
}

void eth_check_link(eth_link_t *link)
{
    eth_link_t now = *link;
    if (phy_link(&now) != NET_OK) {
        return;
    }
    if (now.link_up && (now.speed_mbps != link->speed_mbps || now.full_duplex != link->full_duplex)) {
        mac_set_link(&now);
    }
    *link = now;
}

int eth_init(const uint8_t mac[6], uint32_t hclk_hz, int use_interrupt, uint32_t link_timeout_ms,
             uint32_t (*now_ms)(void), eth_link_t *link)
{
    clock_ms = now_ms;
    interrupt_mode = use_interrupt;

    /* Clocks and pins (what HAL_ETH_MspInit does in CubeMX projects). */
    RCC_AHB1ENR |= RCC_AHB1ENR_ETHEN | RCC_AHB1ENR_ETHTXEN | RCC_AHB1ENR_ETHRXEN;
    (void)RCC_AHB1ENR;
    rmii_pins();

    /* RMII must be selected while the MAC is held in reset: select, then software reset. */
    RCC_APB3ENR |= RCC_APB3ENR_SBSEN;
    (void)RCC_APB3ENR;
    SBS_PMCR = (SBS_PMCR & ~SBS_PMCR_ETH_SEL_PHY_MASK) | SBS_PMCR_ETH_SEL_PHY_RMII;
    (void)SBS_PMCR;

    ETH_DMAMR |= DMAMR_SWR;
    uint32_t start = clock_ms();
    while (ETH_DMAMR & DMAMR_SWR) {
        if (clock_ms() - start > 500u) {
            return NET_ERR_HARDWARE;
        }
    }

    ETH_MACMDIOAR = (ETH_MACMDIOAR & ~MACMDIOAR_CR_MASK) | (mdio_clock_range(hclk_hz) << MACMDIOAR_CR_SHIFT);
    ETH_MAC1USTCR = hclk_hz / 1000000u - 1u;

    /* MAC: 100M full duplex until the PHY says otherwise, checksum offload (IPC), CRC/pad strip,
     * source address replaced from MACA0, default filter (our unicast + broadcast). */
    ETH_MACCR = MACCR_SARC_REPLACE_ADDR0 | MACCR_IPC | MACCR_CST | MACCR_ACS | MACCR_FES | MACCR_DM;
    ETH_MACECR = MACECR_GPSL(0x618);
    ETH_MACPFR = 0;
    ETH_MTLTQOMR |= MTLTQOMR_TSF;
    ETH_MTLRQOMR |= MTLRQOMR_RSF; /* DISTCPEF = 0: the MTL drops frames with bad IP/TCP/UDP sums */
    ETH_DMASBMR = DMASBMR_AAL | DMASBMR_FB;
    ETH_DMACCR = DMACCR_MSS(536);
    ETH_DMACTCR = DMACTCR_TPBL(32);
    ETH_DMACRCR = DMACRCR_RPBL(32);
    ETH_DMACCR = (ETH_DMACCR & ~DMACCR_DSL_MASK) | (2u << DMACCR_DSL_SHIFT);
    ETH_DMACRCR = (ETH_DMACRCR & ~(0x3FFFu << 1)) | DMACRCR_RBSZ(ETH_BUFFER_SIZE);

    rings_init();

    ETH_MACA0HR = MACA0HR_AE | ((uint32_t)mac[5] << 8) | mac[4];
    ETH_MACA0LR = ((uint32_t)mac[3] << 24) | ((uint32_t)mac[2] << 16) | ((uint32_t)mac[1] << 8) | mac[0];
    ETH_MMCRIMR |= MMCRIMR_DEFAULT;
    ETH_MMCTIMR |= MMCTIMR_DEFAULT;

    /* PHY: soft reset, then autonegotiation. */
    uint16_t value = 0;
    if (phy_read(PHY_ID1, &value) != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    if (phy_write(PHY_BCR, BCR_SOFT_RESET) != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    start = clock_ms();
    do {
        delay_ms(1);
        if (phy_read(PHY_BCR, &value) != NET_OK || clock_ms() - start > 500u) {
            return NET_ERR_HARDWARE;
        }
    } while (value & BCR_SOFT_RESET);
    if (phy_write(PHY_BCR, BCR_AUTONEG_ENABLE | BCR_RESTART_AUTONEG) != NET_OK) {
        return NET_ERR_HARDWARE;
    }
    start = clock_ms();
    link->link_up = 0;
    while (!link->link_up) {
        if (phy_link(link) != NET_OK) {
            return NET_ERR_HARDWARE;
        }
        if (!link->link_up && clock_ms() - start > link_timeout_ms) {
            return NET_ERR_NO_LINK;
        }
        if (!link->link_up) {
            delay_ms(10);
        }
    }
    mac_set_link(link);

    /* Start, in HAL_ETH_Start_IT's order. */
    for (unsigned i = 0; i < ETH_RX_DESCRIPTORS; i++) {
        rx_arm(i);
    }
    memory_barrier();
    ETH_DMACRDTPR = (uint32_t)&rx_ring[ETH_RX_DESCRIPTORS - 1];
    ETH_DMACTCR |= DMACTCR_ST;
    ETH_DMACRCR |= DMACRCR_SR;
    ETH_DMACSR = DMACSR_TPS | DMACSR_RPS;
    ETH_MTLTQOMR |= MTLTQOMR_FTQ;
    ETH_MACCR |= MACCR_TE;
    ETH_MACCR |= MACCR_RE;
    if (use_interrupt) {
        h5_irq_handlers[ETH_IRQ_NUMBER] = eth_interrupt;
        nvic_priority(ETH_IRQ_NUMBER, 0x40);
        nvic_enable(ETH_IRQ_NUMBER);
        ETH_DMACIER = DMACIER_NIE | DMACIER_RIE | DMACIER_TIE | DMACIER_FBEE | DMACIER_AIE | DMACIER_RBUE;
    }
    return NET_OK;
}

int eth_send(const uint8_t *frame, size_t length, int checksum_offload)
{
    eth_descriptor_t *d = &tx_ring[tx_next];
    if (length > ETH_BUFFER_SIZE || length == 0) {
        return NET_ERR_ARGUMENT;
    }
    if (d->word[3] & TDES3_OWN) {
        /* Ring full: the DMA frees descriptors as frames leave (~0.1 ms per full frame at
         * 100 Mbit/s), so wait a little before giving up on the frame. */
        counters.tx_ring_full++;
        uint32_t start = clock_ms();
        while (d->word[3] & TDES3_OWN) {
            if (clock_ms() - start > 5u) {
                return NET_ERR_NO_MEMORY;
            }
        }
    }
    uint8_t *buffer = (uint8_t *)d->buffer;
    for (size_t i = 0; i < length; i++) {
        buffer[i] = frame[i];
    }
    d->word[0] = d->buffer;
    d->word[1] = 0;
    d->word[2] = TDES2_B1L(length) | (interrupt_mode ? TDES2_IOC : 0);
    memory_barrier();
    d->word[3] = TDES3_OWN | TDES3_FD | TDES3_LD | (checksum_offload ? TDES3_CIC_FULL : 0) | TDES3_FL(length);
    __asm__ volatile("dsb" ::: "memory");
    tx_next = (tx_next + 1) % ETH_TX_DESCRIPTORS;
    ETH_DMACTDTPR = (uint32_t)&tx_ring[tx_next];
    return NET_OK;
}

int eth_receive(eth_receive_fn receive, int budget)
{
    int delivered = 0;
    int rearmed = 0;
    unsigned last = 0;
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    /* With the interrupt on, the handler has collected DMACSR already: no register read in the
     * hot polling path. Polled mode reads the status register itself. */
    uint32_t status = pending_status | (interrupt_mode ? 0 : ETH_DMACSR);
    pending_status = 0;
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    while (delivered < budget) {
        eth_descriptor_t *d = &rx_ring[rx_next];
        uint32_t rdes3 = d->word[3];
        if (rdes3 & RDES3_OWN) {
            break;
        }
        memory_barrier();
        if (!(rdes3 & RDES3_CTXT) && (rdes3 & RDES3_FD) && (rdes3 & RDES3_LD)) {
            if (rdes3 & RDES3_ES) {
                counters.rx_errors++;
            } else {
                receive((const uint8_t *)d->buffer, RDES3_PL(rdes3), d->word[1]);
                delivered++;
            }
        } else {
            counters.rx_errors++;
        }
        rx_arm(rx_next);
        last = rx_next;
        rearmed = 1;
        rx_next = (rx_next + 1) % ETH_RX_DESCRIPTORS;
    }
    if (rearmed) {
        memory_barrier();
        ETH_DMACRDTPR = (uint32_t)&rx_ring[last];
    }
    /* Receive buffer unavailable: the RX DMA suspended on a descriptor it did not own. Clear RBU
     * and write the tail pointer again, which resumes it (RM0481 §55.9). */
    if (status & DMACSR_RBU) {
        counters.rx_buffer_unavailable++;
        ETH_DMACSR = DMACSR_RBU | DMACSR_AIS;
        ETH_DMACRDTPR = (uint32_t)&rx_ring[(rx_next + ETH_RX_DESCRIPTORS - 1) % ETH_RX_DESCRIPTORS];
    }
    return delivered;
}
