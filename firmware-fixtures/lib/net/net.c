/*
 * lib/net core: interface state, clock, polling loop, Ethernet dispatch, ARP (RFC 826), IPv4
 * (RFC 791, no fragmentation), ICMP echo (RFC 792), checksums and small helpers.
 */
#include <stdarg.h>
#include "eth.h"
#include "net-internal.h"

int h5_vsnprintf(char *buffer, unsigned size, const char *format, va_list args);

net_info_t net_interface = {.mac = {0x00, 0x80, 0xE1, 0x00, 0x00, 0x00}};
net_stats_t net_counters;

static uint32_t (*clock_source)(void);
static uint32_t clock_origin;
static uint32_t core_clock_hz = 250000000u;
static int rx_interrupt = 1;
static int initialised;
static void (*log_function)(const char *format, ...);
static void (*idle_function)(void);
static uint32_t random_state = 0x2545F491u;
static uint32_t next_link_check;
static eth_link_t link_state;

static uint8_t tx_frame[ETH_HEADER_LENGTH + ETH_MTU + 2] __attribute__((aligned(4)));

/* ---- Small helpers --------------------------------------------------------------------------- */
const char *net_error_name(int code)
{
    switch (code) {
    case NET_OK: return "ok";
    case NET_ERR_TIMEOUT: return "timeout";
    case NET_ERR_NO_LINK: return "no link";
    case NET_ERR_NO_MEMORY: return "no memory";
    case NET_ERR_ARGUMENT: return "bad argument";
    case NET_ERR_RESET: return "connection reset";
    case NET_ERR_CLOSED: return "closed";
    case NET_ERR_UNREACHABLE: return "unreachable";
    case NET_ERR_HARDWARE: return "hardware";
    case NET_ERR_NOT_FOUND: return "not found";
    case NET_ERR_PROTOCOL: return "protocol error";
    default: return code > 0 ? "ok" : "unknown error";
    }
}

int net_snprintf(char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = h5_vsnprintf(buffer, (unsigned)size, format, args);
    va_end(args);
    return n;
}

void net_log_line(const char *format, ...)
{
    if (!log_function) {
        return;
    }
    char line[160];
    va_list args;
    va_start(args, format);
    h5_vsnprintf(line, sizeof line, format, args);
    va_end(args);
    log_function("%s\n", line);
}

void net_set_log(void (*log)(const char *format, ...)) { log_function = log; }
void net_set_idle(void (*idle)(void))
{
    idle_function = idle;
    eth_set_idle(idle);
}

char *net_ip_to_string(uint32_t ip, char *buffer)
{
    net_snprintf(buffer, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)((ip >> 16) & 0xFF),
                 (unsigned)((ip >> 8) & 0xFF), (unsigned)(ip & 0xFF));
    return buffer;
}

int net_ip_from_string(const char *text, uint32_t *ip)
{
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        unsigned octet = 0;
        int digits = 0;
        while (*text >= '0' && *text <= '9') {
            octet = octet * 10 + (unsigned)(*text++ - '0');
            if (++digits > 3 || octet > 255) {
                return NET_ERR_ARGUMENT;
            }
        }
        if (digits == 0 || (part < 3 && *text++ != '.')) {
            return NET_ERR_ARGUMENT;
        }
        value = (value << 8) | octet;
    }
    if (*text != '\0') {
        return NET_ERR_ARGUMENT;
    }
    *ip = value;
    return NET_OK;
}

char *net_mac_to_string(const uint8_t mac[6], char *buffer)
{
    net_snprintf(buffer, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
    return buffer;
}

uint32_t net_random(void)
{
    uint32_t x = random_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    random_state = x;
    return x;
}

uint32_t net_checksum_add(uint32_t sum, const uint8_t *data, size_t length)
{
    while (length > 1) {
        sum += get16(data);
        data += 2;
        length -= 2;
    }
    if (length) {
        sum += (uint32_t)data[0] << 8;
    }
    return sum;
}

uint16_t net_checksum_finish(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint32_t net_pseudo_header_sum(uint32_t source, uint32_t destination, uint8_t protocol, size_t length)
{
    return (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol +
           (uint32_t)length;
}

/* ---- Clock ----------------------------------------------------------------------------------- */
void net_set_clock(uint32_t (*millis)(void)) { clock_source = millis; }
void net_set_core_clock_hz(uint32_t hz) { core_clock_hz = hz; }
void net_use_rx_interrupt(int enabled) { rx_interrupt = enabled; }

uint32_t net_now_ms(void)
{
    if (!clock_source) {
        net_default_clock_start(core_clock_hz);
        clock_source = net_default_clock_ms;
        clock_origin = clock_source();
    }
    return clock_source() - clock_origin;
}

/* ---- Interface ------------------------------------------------------------------------------- */
void net_set_mac(const uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        net_interface.mac[i] = mac[i];
    }
}

const net_info_t *net_info(void) { return &net_interface; }

const net_stats_t *net_stats(void)
{
    const eth_counters_t *c = eth_counters();
    if (c) {
        net_counters.rx_buffer_unavailable = c->rx_buffer_unavailable;
        net_counters.tx_ring_full = c->tx_ring_full;
    }
    return &net_counters;
}

void net_set_static(uint32_t ip, uint32_t netmask, uint32_t gateway, uint32_t dns)
{
    net_interface.ip = ip;
    net_interface.netmask = netmask;
    net_interface.gateway = gateway;
    net_interface.dns = dns;
    if (initialised && ip) {
        arp_announce();
    }
}

static uint32_t clock_for_eth(void) { return net_now_ms(); }

int net_init(void)
{
    char text[18];
    (void)net_now_ms();
    for (int i = 0; i < 6; i++) {
        random_state = random_state * 31u + net_interface.mac[i];
    }
    random_state ^= net_now_ms() * 2654435761u;
    if (random_state == 0) {
        random_state = 1;
    }
    net_log_line("ETH: init, MAC %s, %s RX", net_mac_to_string(net_interface.mac, text),
                 rx_interrupt ? "interrupt" : "polled");
    int result = eth_init(net_interface.mac, core_clock_hz, rx_interrupt, 5000, clock_for_eth, &link_state);
    net_interface.link_up = link_state.link_up;
    net_interface.speed_mbps = link_state.speed_mbps;
    net_interface.full_duplex = link_state.full_duplex;
    if (result != NET_OK) {
        net_log_line("ETH: init failed: %s", net_error_name(result));
        return result;
    }
    net_log_line("ETH: link up %dM %s duplex", link_state.speed_mbps, link_state.full_duplex ? "full" : "half");
    initialised = 1;
    next_link_check = net_now_ms() + 1000;
    return NET_OK;
}

void net_poll(void)
{
    if (!initialised) {
        return;
    }
    int frames = eth_receive(net_input_frame, 16);
    uint32_t now = net_now_ms();
    if ((int32_t)(now - next_link_check) >= 0) {
        next_link_check = now + 1000;
        int was_up = link_state.link_up;
        eth_check_link(&link_state);
        if (was_up != link_state.link_up) {
            net_log_line("ETH: link %s", link_state.link_up ? "up" : "down");
        }
        net_interface.link_up = link_state.link_up;
        net_interface.speed_mbps = link_state.speed_mbps;
        net_interface.full_duplex = link_state.full_duplex;
    }
    arp_timers();
    tcp_timers();
    dhcp_timers();
    if (frames == 0 && idle_function) {
        idle_function();
    }
}

void net_wait_ms(uint32_t ms)
{
    uint32_t start = net_now_ms();
    while (net_now_ms() - start < ms) {
        net_poll();
    }
}

int net_link_send(const uint8_t *frame, size_t length)
{
    int result = eth_send(frame, length, !NET_SW_CHECKSUM);
    if (result == NET_OK) {
        net_counters.tx_frames++;
    }
    return result;
}

/* ---- ARP ------------------------------------------------------------------------------------- */
typedef struct {
    uint32_t ip;
    uint8_t mac[6];
    uint8_t valid;
    uint32_t updated_ms;
    uint32_t requested_ms;
} arp_entry_t;

/* Frames waiting for an ARP answer (one per destination at a time). */
typedef struct {
    uint32_t next_hop;
    uint32_t queued_ms;
    uint16_t length;
    uint8_t frame[ETH_HEADER_LENGTH + ETH_MTU];
} arp_pending_t;

static arp_entry_t arp_cache[NET_ARP_ENTRIES];
static arp_pending_t arp_pending[2];
static const uint8_t broadcast_mac[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
#define ARP_TIMEOUT_MS (10u * 60u * 1000u)
#define ARP_RETRY_MS 1000u
#define ARP_PENDING_MS 3000u

static arp_entry_t *arp_find(uint32_t ip)
{
    for (int i = 0; i < NET_ARP_ENTRIES; i++) {
        if (arp_cache[i].ip == ip && ip != 0) {
            return &arp_cache[i];
        }
    }
    return 0;
}

static arp_entry_t *arp_slot(uint32_t ip)
{
    arp_entry_t *entry = arp_find(ip);
    if (entry) {
        return entry;
    }
    entry = &arp_cache[0];
    for (int i = 0; i < NET_ARP_ENTRIES; i++) {
        if (arp_cache[i].ip == 0) {
            entry = &arp_cache[i];
            break;
        }
        if ((int32_t)(arp_cache[i].updated_ms - entry->updated_ms) < 0) {
            entry = &arp_cache[i];
        }
    }
    entry->ip = ip;
    entry->valid = 0;
    entry->updated_ms = net_now_ms();
    entry->requested_ms = net_now_ms() - ARP_RETRY_MS;
    return entry;
}

static void arp_send(uint16_t operation, const uint8_t *target_mac, uint32_t target_ip, const uint8_t *eth_destination)
{
    uint8_t frame[ETH_HEADER_LENGTH + 28 + 18];
    for (int i = 0; i < 6; i++) {
        frame[i] = eth_destination[i];
        frame[6 + i] = net_interface.mac[i];
    }
    put16(frame + 12, ETHERTYPE_ARP);
    uint8_t *arp = frame + ETH_HEADER_LENGTH;
    put16(arp + 0, 1);      /* Ethernet */
    put16(arp + 2, 0x0800); /* IPv4 */
    arp[4] = 6;
    arp[5] = 4;
    put16(arp + 6, operation);
    for (int i = 0; i < 6; i++) {
        arp[8 + i] = net_interface.mac[i];
        arp[18 + i] = target_mac[i];
    }
    put32(arp + 14, net_interface.ip);
    put32(arp + 24, target_ip);
    for (int i = 0; i < 18; i++) {
        arp[28 + i] = 0; /* pad to the 60-byte minimum ourselves */
    }
    net_link_send(frame, sizeof frame);
    if (operation == 1) {
        net_counters.arp_requests++;
    } else {
        net_counters.arp_replies++;
    }
}

void arp_announce(void)
{
    static const uint8_t zero_mac[6] = {0};
    /* Gratuitous ARP: a request for our own address (RFC 5227 §3). */
    arp_send(1, zero_mac, net_interface.ip, broadcast_mac);
}

static void arp_flush_pending(const arp_entry_t *entry)
{
    for (unsigned i = 0; i < sizeof arp_pending / sizeof arp_pending[0]; i++) {
        arp_pending_t *p = &arp_pending[i];
        if (p->length && p->next_hop == entry->ip) {
            for (int b = 0; b < 6; b++) {
                p->frame[b] = entry->mac[b];
            }
            net_link_send(p->frame, p->length);
            p->length = 0;
        }
    }
}

void arp_input(const uint8_t *arp, size_t length)
{
    static const uint8_t zero_mac[6] = {0};
    if (length < 28 || get16(arp) != 1 || get16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4) {
        net_counters.rx_dropped++;
        return;
    }
    uint16_t operation = get16(arp + 6);
    uint32_t sender_ip = get32(arp + 14);
    uint32_t target_ip = get32(arp + 24);
    int for_us = net_interface.ip != 0 && target_ip == net_interface.ip;
    /* Learn (or refresh) the sender when it is already known or when it talks to us. */
    arp_entry_t *entry = arp_find(sender_ip);
    if (!entry && for_us && sender_ip != 0) {
        entry = arp_slot(sender_ip);
    }
    if (entry) {
        for (int i = 0; i < 6; i++) {
            entry->mac[i] = arp[8 + i];
        }
        entry->valid = 1;
        entry->updated_ms = net_now_ms();
        arp_flush_pending(entry);
    }
    if (operation == 1 && for_us) {
        arp_send(2, arp + 8, sender_ip, arp + 8);
    }
    (void)zero_mac;
}

void arp_timers(void)
{
    uint32_t now = net_now_ms();
    for (unsigned i = 0; i < sizeof arp_pending / sizeof arp_pending[0]; i++) {
        arp_pending_t *p = &arp_pending[i];
        if (p->length == 0) {
            continue;
        }
        if (now - p->queued_ms > ARP_PENDING_MS) {
            p->length = 0;
            continue;
        }
        arp_entry_t *entry = arp_find(p->next_hop);
        if (entry && !entry->valid && now - entry->requested_ms >= ARP_RETRY_MS) {
            static const uint8_t zero_mac[6] = {0};
            entry->requested_ms = now;
            arp_send(1, zero_mac, p->next_hop, broadcast_mac);
        }
    }
    for (int i = 0; i < NET_ARP_ENTRIES; i++) {
        if (arp_cache[i].valid && now - arp_cache[i].updated_ms > ARP_TIMEOUT_MS) {
            arp_cache[i].valid = 0;
            arp_cache[i].ip = 0;
        }
    }
}

/* Fills the destination MAC of tx_frame for next_hop, or queues the frame and asks. */
static int arp_resolve_and_send(uint32_t next_hop, size_t frame_length)
{
    arp_entry_t *entry = arp_find(next_hop);
    if (entry && entry->valid) {
        for (int i = 0; i < 6; i++) {
            tx_frame[i] = entry->mac[i];
        }
        return net_link_send(tx_frame, frame_length);
    }
    if (!entry) {
        entry = arp_slot(next_hop);
    }
    arp_pending_t *slot = 0;
    for (unsigned i = 0; i < sizeof arp_pending / sizeof arp_pending[0]; i++) {
        if (arp_pending[i].length == 0 || arp_pending[i].next_hop == next_hop) {
            slot = &arp_pending[i];
            break;
        }
    }
    if (slot) {
        slot->next_hop = next_hop;
        slot->queued_ms = net_now_ms();
        slot->length = (uint16_t)frame_length;
        for (size_t i = 0; i < frame_length; i++) {
            slot->frame[i] = tx_frame[i];
        }
    }
    uint32_t now = net_now_ms();
    if (now - entry->requested_ms >= ARP_RETRY_MS || !slot) {
        static const uint8_t zero_mac[6] = {0};
        entry->requested_ms = now;
        arp_send(1, zero_mac, next_hop, broadcast_mac);
    }
    return slot ? NET_OK : NET_ERR_UNREACHABLE;
}

/* ---- IPv4 ------------------------------------------------------------------------------------ */
static uint16_t ip_identification;

uint8_t *ip_payload(void) { return tx_frame + ETH_HEADER_LENGTH + IP_HEADER_LENGTH; }

int ip_output_from(uint32_t source, uint32_t destination, uint8_t protocol, size_t payload_length)
{
    if (payload_length > ETH_MTU - IP_HEADER_LENGTH) {
        return NET_ERR_ARGUMENT;
    }
    uint8_t *ip = tx_frame + ETH_HEADER_LENGTH;
    uint8_t *payload = ip + IP_HEADER_LENGTH;
    size_t total = IP_HEADER_LENGTH + payload_length;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)total);
    put16(ip + 4, ip_identification++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = protocol;
    put16(ip + 10, 0);
    put32(ip + 12, source);
    put32(ip + 16, destination);
#if NET_SW_CHECKSUM
    put16(ip + 10, net_checksum_finish(net_checksum_add(0, ip, IP_HEADER_LENGTH)));
    if (protocol == IP_PROTOCOL_ICMP) {
        put16(payload + 2, 0);
        put16(payload + 2, net_checksum_finish(net_checksum_add(0, payload, payload_length)));
    } else if (protocol == IP_PROTOCOL_UDP || protocol == IP_PROTOCOL_TCP) {
        uint8_t *field = payload + (protocol == IP_PROTOCOL_UDP ? 6 : 16);
        put16(field, 0);
        uint32_t sum = net_pseudo_header_sum(source, destination, protocol, payload_length);
        uint16_t value = net_checksum_finish(net_checksum_add(sum, payload, payload_length));
        if (protocol == IP_PROTOCOL_UDP && value == 0) {
            value = 0xFFFF;
        }
        put16(field, value);
    }
#else
    /* Checksum fields stay 0: the MAC inserts them (TDES3.CIC = 0b11), as NetX Duo expects. */
    if (protocol == IP_PROTOCOL_ICMP) {
        put16(payload + 2, 0);
    } else if (protocol == IP_PROTOCOL_UDP) {
        put16(payload + 6, 0);
    } else if (protocol == IP_PROTOCOL_TCP) {
        put16(payload + 16, 0);
    }
#endif
    for (int i = 0; i < 6; i++) {
        tx_frame[6 + i] = net_interface.mac[i];
    }
    put16(tx_frame + 12, ETHERTYPE_IPV4);
    size_t frame_length = ETH_HEADER_LENGTH + total;
    uint32_t subnet_broadcast = net_interface.ip | ~net_interface.netmask;
    if (destination == IP_BROADCAST || (net_interface.netmask && destination == subnet_broadcast)) {
        for (int i = 0; i < 6; i++) {
            tx_frame[i] = 0xFF;
        }
        return net_link_send(tx_frame, frame_length);
    }
    uint32_t next_hop = destination;
    if ((destination & net_interface.netmask) != (net_interface.ip & net_interface.netmask)) {
        if (net_interface.gateway == 0) {
            return NET_ERR_UNREACHABLE;
        }
        next_hop = net_interface.gateway;
    }
    return arp_resolve_and_send(next_hop, frame_length);
}

int ip_output(uint32_t destination, uint8_t protocol, size_t payload_length)
{
    return ip_output_from(net_interface.ip, destination, protocol, payload_length);
}

static void ip_input(const uint8_t *ip, size_t length, uint32_t status)
{
    if (length < IP_HEADER_LENGTH || (ip[0] >> 4) != 4) {
        net_counters.rx_dropped++;
        return;
    }
    size_t header = (size_t)(ip[0] & 0x0F) * 4;
    size_t total = get16(ip + 2);
    if (header < IP_HEADER_LENGTH || total < header || total > length) {
        net_counters.rx_dropped++;
        return;
    }
#if NET_SW_CHECKSUM
    (void)status;
    if (net_checksum_finish(net_checksum_add(0, ip, header)) != 0) {
        net_counters.rx_checksum_errors++;
        return;
    }
#else
    /* The MAC checked the sums (MACCR.IPC); trust its verdict as NetX Duo does. */
    if (status & (ETH_RX_STATUS_IP_HEADER_ERROR | ETH_RX_STATUS_PAYLOAD_ERROR)) {
        net_counters.rx_checksum_errors++;
        return;
    }
#endif
    if (get16(ip + 6) & 0x3FFF) { /* MF or a fragment offset: we don't reassemble */
        net_counters.rx_dropped++;
        return;
    }
    uint32_t source = get32(ip + 12);
    uint32_t destination = get32(ip + 16);
    uint32_t subnet_broadcast = net_interface.ip | ~net_interface.netmask;
    int accepted = destination == IP_BROADCAST || (net_interface.ip && destination == net_interface.ip) ||
                   (net_interface.ip && net_interface.netmask && destination == subnet_broadcast) ||
                   (net_interface.ip == 0 && ip[9] == IP_PROTOCOL_UDP); /* DHCP offers before we have an address */
    if (!accepted) {
        net_counters.rx_dropped++;
        return;
    }
    const uint8_t *payload = ip + header;
    size_t payload_length = total - header;
#if NET_SW_CHECKSUM
    if (ip[9] == IP_PROTOCOL_TCP || (ip[9] == IP_PROTOCOL_UDP && payload_length >= 8 && get16(payload + 6) != 0)) {
        uint32_t sum = net_pseudo_header_sum(source, destination, ip[9], payload_length);
        if (net_checksum_finish(net_checksum_add(sum, payload, payload_length)) != 0) {
            net_counters.rx_checksum_errors++;
            return;
        }
    } else if (ip[9] == IP_PROTOCOL_ICMP) {
        if (net_checksum_finish(net_checksum_add(0, payload, payload_length)) != 0) {
            net_counters.rx_checksum_errors++;
            return;
        }
    }
#endif
    switch (ip[9]) {
    case IP_PROTOCOL_ICMP: icmp_input(source, payload, payload_length); break;
    case IP_PROTOCOL_UDP: udp_input(source, destination, payload, payload_length); break;
    case IP_PROTOCOL_TCP:
        if (destination == net_interface.ip) {
            tcp_input(source, destination, payload, payload_length);
        }
        break;
    default: net_counters.rx_dropped++; break;
    }
}

void net_input_frame(const uint8_t *frame, size_t length, uint32_t status)
{
    net_counters.rx_frames++;
    if (length < ETH_HEADER_LENGTH) {
        net_counters.rx_dropped++;
        return;
    }
    int to_us = 1, to_all = 1;
    for (int i = 0; i < 6; i++) {
        to_us &= frame[i] == net_interface.mac[i];
        to_all &= frame[i] == 0xFF;
    }
    if (!to_us && !to_all) {
        net_counters.rx_dropped++;
        return;
    }
    uint16_t type = get16(frame + 12);
    if (type == ETHERTYPE_ARP) {
        arp_input(frame + ETH_HEADER_LENGTH, length - ETH_HEADER_LENGTH);
    } else if (type == ETHERTYPE_IPV4) {
        ip_input(frame + ETH_HEADER_LENGTH, length - ETH_HEADER_LENGTH, status);
    } else {
        net_counters.rx_dropped++;
    }
}

/* ---- ICMP ------------------------------------------------------------------------------------ */
static struct {
    uint16_t identifier, sequence;
    uint32_t target;
    int answered;
} ping_wait;

void icmp_input(uint32_t source, const uint8_t *payload, size_t length)
{
    if (length < 8) {
        net_counters.rx_dropped++;
        return;
    }
    if (payload[0] == 8 && payload[1] == 0) { /* echo request */
        uint8_t *reply = ip_payload();
        if (length > ETH_MTU - IP_HEADER_LENGTH) {
            return;
        }
        for (size_t i = 0; i < length; i++) {
            reply[i] = payload[i];
        }
        reply[0] = 0;
        reply[2] = reply[3] = 0;
        if (ip_output(source, IP_PROTOCOL_ICMP, length) == NET_OK) {
            net_counters.icmp_echo_replies++;
        }
    } else if (payload[0] == 0 && source == ping_wait.target && get16(payload + 4) == ping_wait.identifier &&
               get16(payload + 6) == ping_wait.sequence) {
        ping_wait.answered = 1;
    }
}

int icmp_ping(uint32_t ip, uint32_t timeout_ms, uint32_t *rtt_ms)
{
    ping_wait.target = ip;
    ping_wait.identifier = (uint16_t)net_random();
    ping_wait.sequence++;
    ping_wait.answered = 0;
    uint32_t start = net_now_ms();
    uint32_t last_sent = start - 1000;
    while (net_now_ms() - start < timeout_ms) {
        if (net_now_ms() - last_sent >= 1000) { /* the first may be lost to ARP resolution */
            uint8_t *echo = ip_payload();
            echo[0] = 8;
            echo[1] = 0;
            put16(echo + 2, 0);
            put16(echo + 4, ping_wait.identifier);
            put16(echo + 6, ping_wait.sequence);
            for (int i = 0; i < 32; i++) {
                echo[8 + i] = (uint8_t)('a' + i % 23);
            }
            ip_output(ip, IP_PROTOCOL_ICMP, 40);
            last_sent = net_now_ms();
        }
        net_poll();
        if (ping_wait.answered) {
            if (rtt_ms) {
                *rtt_ms = net_now_ms() - last_sent;
            }
            return NET_OK;
        }
    }
    return NET_ERR_TIMEOUT;
}
