/*
 * TCP (RFC 793/9293) for lib/net: active and passive open with the MSS option, sliding window
 * with a simple congestion window (slow start, halved on loss), retransmission with RTO from
 * RFC 6298 (SRTT/RTTVAR, Karn's rule, exponential backoff), fast retransmit on three duplicate
 * ACKs, zero-window probes, FIN/RST in both directions, TIME_WAIT. Out-of-order segments within
 * the window are kept in the receive buffer at their place (up to four ranges) and answered with
 * a duplicate ACK; they count once the gap before them is filled.
 */
#include "net-internal.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define OUR_MSS (ETH_MTU - IP_HEADER_LENGTH - 20)
#define RTO_INITIAL_MS 1000u
#define RTO_MIN_MS 200u
#define RTO_MAX_MS 60000u
#define MAX_RETRIES 8
#define TIME_WAIT_MS 2000u     /* 2*MSL shortened: fixtures reconnect quickly */
#define FIN_WAIT_2_MS 15000u

struct tcp_socket {
    tcp_state_t state;
    uint8_t in_use;
    uint8_t app_owned;   /* the application holds the handle */
    uint8_t accepted;
    uint8_t fin_received;
    uint8_t fin_queued;  /* application closed: send FIN after the data */
    uint8_t fin_sent;
    uint8_t fin_numbered; /* fin_seq is valid: a FIN went out at least once */
    int error;           /* why the connection ended (NET_ERR_RESET, NET_ERR_TIMEOUT) */
    struct tcp_socket *parent;
    uint32_t remote_ip;
    uint16_t remote_port, local_port;
    /* send side */
    uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, fin_seq;
    uint32_t snd_max; /* highest sequence number sent; snd_nxt goes back below it on loss */
    uint32_t cwnd, ssthresh;
    uint16_t mss;
    uint8_t dup_acks;
    size_t tx_count; /* bytes in tx from snd_una on (sent and unsent) */
    size_t tx_sent;  /* of those, already sent */
    uint8_t tx[NET_TCP_TX_BUFFER];
    /* receive side */
    uint32_t irs, rcv_nxt;
    uint32_t advertised; /* last window we announced */
    size_t rx_head, rx_count;
    uint8_t rx[NET_TCP_RX_BUFFER];
    /* Out-of-order data already stored in rx at its place behind rcv_nxt: [start, end) ranges. */
    struct { uint32_t start, end; } ooo[4];
    uint8_t ooo_count;
    /* timers */
    uint32_t rto, srtt, rttvar;
    int retries;
    uint8_t timer_running, rtt_timing;
    uint32_t timer_deadline;
    uint32_t rtt_seq, rtt_start;
    uint32_t state_deadline; /* TIME_WAIT / FIN_WAIT_2 end */
};

static tcp_socket_t sockets[NET_TCP_SOCKETS];
static uint16_t next_port;

static const char *const state_names[] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *tcp_state_name(tcp_state_t state)
{
    return (unsigned)state < sizeof state_names / sizeof state_names[0] ? state_names[state] : "?";
}

tcp_state_t tcp_state(const tcp_socket_t *s) { return s ? s->state : TCP_CLOSED; }

void tcp_peer(const tcp_socket_t *s, uint32_t *ip, uint16_t *port)
{
    if (ip) *ip = s ? s->remote_ip : 0;
    if (port) *port = s ? s->remote_port : 0;
}

size_t tcp_available(const tcp_socket_t *s) { return s ? s->rx_count : 0; }

static tcp_socket_t *allocate(void)
{
    for (int i = 0; i < NET_TCP_SOCKETS; i++) {
        tcp_socket_t *s = &sockets[i];
        if (!s->in_use) {
            /* Clear the control block, not the buffers. */
            uint8_t *p = (uint8_t *)s;
            for (size_t n = 0; n < (size_t)((uint8_t *)s->tx - p); n++) p[n] = 0;
            s->tx_count = s->tx_sent = 0;
            s->in_use = 1;
            s->mss = 536;
            s->rto = RTO_INITIAL_MS;
            s->rx_head = s->rx_count = 0;
            s->ooo_count = 0;
            return s;
        }
    }
    return 0;
}

static void release(tcp_socket_t *s)
{
    s->in_use = 0;
    s->state = TCP_CLOSED;
    s->app_owned = 0;
}

static uint16_t receive_window(const tcp_socket_t *s)
{
    size_t free_space = NET_TCP_RX_BUFFER - s->rx_count;
    return (uint16_t)(free_space > 65535 ? 65535 : free_space);
}

/* Builds and sends one segment; data comes from the send buffer at `offset`. */
static int send_segment(tcp_socket_t *s, uint32_t seq, uint8_t flags, size_t offset, size_t length)
{
    uint8_t *tcp = ip_payload();
    size_t header = 20;
    put16(tcp + 0, s->local_port);
    put16(tcp + 2, s->remote_port);
    put32(tcp + 4, seq);
    put32(tcp + 8, (flags & TCP_ACK) ? s->rcv_nxt : 0);
    if (flags & TCP_SYN) {
        tcp[20] = 2; /* MSS option */
        tcp[21] = 4;
        put16(tcp + 22, OUR_MSS);
        header = 24;
    }
    tcp[12] = (uint8_t)((header / 4) << 4);
    tcp[13] = flags;
    s->advertised = receive_window(s);
    put16(tcp + 14, (uint16_t)s->advertised);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    for (size_t i = 0; i < length; i++) {
        tcp[header + i] = s->tx[offset + i];
    }
    return ip_output(s->remote_ip, IP_PROTOCOL_TCP, header + length);
}

static void send_ack(tcp_socket_t *s) { send_segment(s, s->snd_nxt, TCP_ACK, 0, 0); }

/* RST for a segment no connection wants (RFC 793 "Reset Generation"). */
static void send_reset_for(uint32_t source, const uint8_t *segment, size_t data_length)
{
    uint8_t flags = segment[13];
    if (flags & TCP_RST) return;
    uint8_t *tcp = ip_payload();
    put16(tcp + 0, get16(segment + 2));
    put16(tcp + 2, get16(segment));
    uint32_t seq = 0, ack = 0;
    uint8_t out = TCP_RST;
    if (flags & TCP_ACK) {
        seq = get32(segment + 8);
    } else {
        ack = get32(segment + 4) + (uint32_t)data_length + ((flags & TCP_SYN) ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0);
        out |= TCP_ACK;
    }
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = out;
    put16(tcp + 14, 0);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    ip_output(source, IP_PROTOCOL_TCP, 20);
}

static void start_timer(tcp_socket_t *s)
{
    s->timer_running = 1;
    s->timer_deadline = net_now_ms() + s->rto;
}

/* Sends what the windows allow: new data, then the FIN once all data is out. */
static void output(tcp_socket_t *s)
{
    if (s->state != TCP_ESTABLISHED && s->state != TCP_CLOSE_WAIT && s->state != TCP_FIN_WAIT_1 &&
        s->state != TCP_CLOSING && s->state != TCP_LAST_ACK) {
        return;
    }
    uint32_t window = s->snd_wnd < s->cwnd ? s->snd_wnd : s->cwnd;
    while (s->tx_sent < s->tx_count) {
        uint32_t in_flight = (uint32_t)s->tx_sent;
        if (in_flight >= window) break;
        size_t length = s->tx_count - s->tx_sent;
        if (length > s->mss) length = s->mss;
        if (length > window - in_flight) length = window - in_flight;
        /* Don't send a runt while a full segment's worth is still coming (sender-side SWS). */
        if (length < s->mss && length < s->tx_count - s->tx_sent && in_flight > 0) break;
        uint32_t seq = s->snd_una + (uint32_t)s->tx_sent;
        uint8_t flags = TCP_ACK | (s->tx_sent + length == s->tx_count ? TCP_PSH : 0);
        if (send_segment(s, seq, flags, s->tx_sent, length) != NET_OK) break;
        if (!s->rtt_timing) {
            s->rtt_timing = 1;
            s->rtt_seq = seq + (uint32_t)length;
            s->rtt_start = net_now_ms();
        }
        s->tx_sent += length;
        if (seq_gt(seq + (uint32_t)length, s->snd_nxt)) s->snd_nxt = seq + (uint32_t)length;
        if (seq_gt(s->snd_nxt, s->snd_max)) s->snd_max = s->snd_nxt;
        if (!s->timer_running) start_timer(s);
    }
    if (s->fin_queued && !s->fin_sent && s->tx_sent == s->tx_count) {
        s->fin_seq = s->snd_una + (uint32_t)s->tx_count;
        s->fin_numbered = 1;
        send_segment(s, s->fin_seq, TCP_FIN | TCP_ACK, 0, 0);
        s->fin_sent = 1;
        s->snd_nxt = s->fin_seq + 1;
        if (seq_gt(s->snd_nxt, s->snd_max)) s->snd_max = s->snd_nxt;
        if (s->state == TCP_ESTABLISHED) s->state = TCP_FIN_WAIT_1;
        else if (s->state == TCP_CLOSE_WAIT) s->state = TCP_LAST_ACK;
        if (!s->timer_running) start_timer(s);
    }
    /* Peer window closed with data waiting: the retransmission timer doubles as persist timer. */
    if (s->tx_sent < s->tx_count && !s->timer_running) start_timer(s);
}

static void update_rtt(tcp_socket_t *s, uint32_t sample)
{
    if (s->srtt == 0) {
        s->srtt = sample ? sample : 1;
        s->rttvar = sample / 2;
    } else {
        uint32_t delta = sample > s->srtt ? sample - s->srtt : s->srtt - sample;
        s->rttvar = (3 * s->rttvar + delta) / 4;
        s->srtt = (7 * s->srtt + sample) / 8;
    }
    uint32_t rto = s->srtt + (4 * s->rttvar > 10 ? 4 * s->rttvar : 10);
    s->rto = rto < RTO_MIN_MS ? RTO_MIN_MS : rto > RTO_MAX_MS ? RTO_MAX_MS : rto;
}

/* Remembers [start, end) as received out of order, merging with ranges it touches. */
static void ooo_add(tcp_socket_t *s, uint32_t start, uint32_t end)
{
    for (int i = 0; i < s->ooo_count;) {
        if (seq_le(s->ooo[i].start, end) && seq_ge(s->ooo[i].end, start)) {
            if (seq_lt(s->ooo[i].start, start)) start = s->ooo[i].start;
            if (seq_gt(s->ooo[i].end, end)) end = s->ooo[i].end;
            s->ooo[i] = s->ooo[--s->ooo_count];
            i = 0;
            continue;
        }
        i++;
    }
    if (s->ooo_count < sizeof s->ooo / sizeof s->ooo[0]) {
        s->ooo[s->ooo_count].start = start;
        s->ooo[s->ooo_count].end = end;
        s->ooo_count++;
    }
}

/* After rcv_nxt moved: ranges that now join it become in-order data. */
static void ooo_merge(tcp_socket_t *s)
{
    for (int i = 0; i < s->ooo_count;) {
        if (seq_le(s->ooo[i].start, s->rcv_nxt)) {
            if (seq_gt(s->ooo[i].end, s->rcv_nxt)) {
                s->rx_count += s->ooo[i].end - s->rcv_nxt;
                s->rcv_nxt = s->ooo[i].end;
            }
            s->ooo[i] = s->ooo[--s->ooo_count];
            i = 0;
            continue;
        }
        i++;
    }
}

static void enter_time_wait(tcp_socket_t *s)
{
    s->state = TCP_TIME_WAIT;
    s->timer_running = 0;
    s->state_deadline = net_now_ms() + TIME_WAIT_MS;
}

static void connection_lost(tcp_socket_t *s, int error)
{
    s->error = error;
    s->state = TCP_CLOSED;
    s->timer_running = 0;
    if (!s->app_owned) release(s);
}

static void parse_options(tcp_socket_t *s, const uint8_t *segment, size_t header)
{
    for (size_t i = 20; i < header;) {
        uint8_t kind = segment[i];
        if (kind == 0) break;
        if (kind == 1) { i++; continue; }
        if (i + 1 >= header) break;
        uint8_t length = segment[i + 1];
        if (length < 2 || i + length > header) break;
        if (kind == 2 && length == 4) {
            uint16_t mss = get16(segment + i + 2);
            s->mss = mss > OUR_MSS ? OUR_MSS : mss < 64 ? 64 : mss;
        }
        i += length;
    }
}

static void established(tcp_socket_t *s)
{
    s->state = TCP_ESTABLISHED;
    s->cwnd = 4u * s->mss;
    s->ssthresh = 65535;
    s->retries = 0;
    s->timer_running = 0;
}

/* ACK processing for synchronized states. Returns 0 when the segment must be dropped. */
static int process_ack(tcp_socket_t *s, uint32_t ack, uint32_t seq, uint16_t window, size_t data_length)
{
    if (seq_gt(ack, s->snd_max)) {
        send_ack(s);
        return 0;
    }
    if (seq_gt(ack, s->snd_una)) {
        uint32_t acked = ack - s->snd_una;
        if (s->fin_numbered && seq_gt(ack, s->fin_seq)) acked--; /* the FIN's sequence number */
        if (acked > s->tx_count) acked = (uint32_t)s->tx_count;
        for (size_t i = acked; i < s->tx_count; i++) s->tx[i - acked] = s->tx[i];
        s->tx_count -= acked;
        s->tx_sent = s->tx_sent > acked ? s->tx_sent - acked : 0;
        s->snd_una = ack;
        if (seq_lt(s->snd_nxt, ack)) s->snd_nxt = ack; /* acknowledged beyond a go-back point */
        s->dup_acks = 0;
        s->retries = 0;
        if (s->rtt_timing && seq_ge(ack, s->rtt_seq)) {
            s->rtt_timing = 0;
            update_rtt(s, net_now_ms() - s->rtt_start);
        }
        /* Slow start below ssthresh, then about one MSS per window. */
        if (s->cwnd < s->ssthresh) s->cwnd += s->mss;
        else s->cwnd += (uint32_t)s->mss * s->mss / (s->cwnd ? s->cwnd : 1) + 1;
        if (s->cwnd > 65535u * 4) s->cwnd = 65535u * 4;
        if (s->snd_una == s->snd_max) s->timer_running = 0;
        else start_timer(s);
    } else if (ack == s->snd_una && data_length == 0 && s->snd_una != s->snd_max && window == s->snd_wnd) {
        if (++s->dup_acks == 3) { /* fast retransmit */
            s->ssthresh = s->cwnd / 2 > 2u * s->mss ? s->cwnd / 2 : 2u * s->mss;
            s->cwnd = s->ssthresh;
            s->tx_sent = 0;
            s->snd_nxt = s->snd_una;
            if (s->fin_sent) s->fin_sent = 0;
            s->rtt_timing = 0;
            net_counters.tcp_retransmissions++;
        }
    }
    if (seq_lt(s->snd_wl1, seq) || (s->snd_wl1 == seq && seq_le(s->snd_wl2, ack))) {
        s->snd_wnd = window;
        s->snd_wl1 = seq;
        s->snd_wl2 = ack;
    }
    int fin_acked = s->fin_numbered && seq_gt(s->snd_una, s->fin_seq);
    if (s->state == TCP_FIN_WAIT_1 && fin_acked) {
        s->state = TCP_FIN_WAIT_2;
        s->state_deadline = net_now_ms() + FIN_WAIT_2_MS;
    } else if (s->state == TCP_CLOSING && fin_acked) {
        enter_time_wait(s);
    } else if (s->state == TCP_LAST_ACK && fin_acked) {
        s->state = TCP_CLOSED;
        s->timer_running = 0;
        if (!s->app_owned) release(s);
        return 0;
    }
    return 1;
}

static void listen_input(tcp_socket_t *listener, uint32_t source, const uint8_t *segment, size_t header)
{
    uint8_t flags = segment[13];
    if (flags & TCP_RST) return;
    if (flags & TCP_ACK) {
        send_reset_for(source, segment, 0);
        return;
    }
    if (!(flags & TCP_SYN)) return;
    tcp_socket_t *s = allocate();
    if (!s) return; /* no room: the peer retries its SYN */
    s->parent = listener;
    s->remote_ip = source;
    s->remote_port = get16(segment);
    s->local_port = listener->local_port;
    s->irs = get32(segment + 4);
    s->rcv_nxt = s->irs + 1;
    s->iss = net_random();
    s->snd_una = s->iss;
    s->snd_nxt = s->iss + 1;
    s->snd_max = s->snd_nxt;
    s->snd_wnd = get16(segment + 14);
    s->snd_wl1 = s->irs;
    s->snd_wl2 = s->iss;
    parse_options(s, segment, header);
    s->state = TCP_SYN_RECEIVED;
    send_segment(s, s->iss, TCP_SYN | TCP_ACK, 0, 0);
    start_timer(s);
}

static tcp_socket_t *lookup(uint32_t source, uint16_t source_port, uint16_t destination_port)
{
    tcp_socket_t *listener = 0;
    for (int i = 0; i < NET_TCP_SOCKETS; i++) {
        tcp_socket_t *s = &sockets[i];
        if (!s->in_use || s->local_port != destination_port) continue;
        if (s->state == TCP_LISTEN) {
            listener = s;
        } else if (s->state != TCP_CLOSED && s->remote_ip == source && s->remote_port == source_port) {
            return s;
        }
    }
    return listener;
}

void tcp_input(uint32_t source, uint32_t destination, const uint8_t *segment, size_t length)
{
    (void)destination;
    if (length < 20) return;
    size_t header = (size_t)(segment[12] >> 4) * 4;
    if (header < 20 || header > length) return;
    uint8_t flags = segment[13];
    uint32_t seq = get32(segment + 4);
    uint32_t ack = get32(segment + 8);
    uint16_t window = get16(segment + 14);
    const uint8_t *data = segment + header;
    size_t data_length = length - header;

    tcp_socket_t *s = lookup(source, get16(segment), get16(segment + 2));
    if (!s) {
        send_reset_for(source, segment, data_length);
        return;
    }
    if (s->state == TCP_LISTEN) {
        listen_input(s, source, segment, header);
        return;
    }
    if (s->state == TCP_SYN_SENT) {
        if ((flags & TCP_ACK) && (seq_le(ack, s->iss) || seq_gt(ack, s->snd_nxt))) {
            send_reset_for(source, segment, data_length);
            return;
        }
        if (flags & TCP_RST) {
            if (flags & TCP_ACK) connection_lost(s, NET_ERR_RESET); /* refused */
            return;
        }
        if ((flags & TCP_SYN) && (flags & TCP_ACK)) {
            s->irs = seq;
            s->rcv_nxt = seq + 1;
            s->snd_una = ack;
            s->snd_wnd = window;
            s->snd_wl1 = seq;
            s->snd_wl2 = ack;
            parse_options(s, segment, header);
            established(s);
            send_ack(s);
            output(s);
        }
        return;
    }

    /* Synchronized states: is the segment acceptable (RFC 793 p. 69)? */
    uint32_t rcv_wnd = receive_window(s);
    int acceptable;
    if (data_length == 0) {
        acceptable = rcv_wnd == 0 ? seq == s->rcv_nxt
                                  : seq_ge(seq, s->rcv_nxt) && seq_lt(seq, s->rcv_nxt + rcv_wnd);
        if (!acceptable && seq == s->rcv_nxt) acceptable = 1;
    } else if (rcv_wnd == 0) {
        /* Zero window: the data cannot be taken, but a segment covering rcv_nxt (a window probe, a
         * retransmission) still carries a valid ACK (RFC 9293 §3.10.7.4). Ignoring it deadlocks a
         * peer that only retransmits while our application waits for that ACK to send. */
        acceptable = seq_le(seq, s->rcv_nxt) && seq_gt(seq + (uint32_t)data_length, s->rcv_nxt);
    } else {
        acceptable = (seq_ge(seq, s->rcv_nxt) && seq_lt(seq, s->rcv_nxt + rcv_wnd)) ||
                     (seq_lt(seq, s->rcv_nxt) && seq_gt(seq + (uint32_t)data_length, s->rcv_nxt));
    }
    if (!acceptable) {
        if (!(flags & TCP_RST)) send_ack(s);
        return;
    }
    if (flags & TCP_RST) {
        if (s->state == TCP_SYN_RECEIVED && s->parent) {
            release(s); /* back to LISTEN: the listener stays */
        } else if (s->state == TCP_TIME_WAIT || s->state == TCP_LAST_ACK || s->state == TCP_CLOSING) {
            connection_lost(s, NET_ERR_CLOSED);
        } else {
            connection_lost(s, NET_ERR_RESET);
        }
        return;
    }
    if (flags & TCP_SYN) {
        if (s->state == TCP_SYN_RECEIVED && seq == s->irs) { /* our SYN-ACK was lost */
            send_segment(s, s->iss, TCP_SYN | TCP_ACK, 0, 0);
            return;
        }
        send_reset_for(source, segment, data_length);
        connection_lost(s, NET_ERR_RESET);
        return;
    }
    if (!(flags & TCP_ACK)) return;
    if (s->state == TCP_SYN_RECEIVED) {
        if (seq_le(ack, s->snd_una) || seq_gt(ack, s->snd_nxt)) {
            send_reset_for(source, segment, data_length);
            return;
        }
        s->snd_una = ack;
        s->snd_wnd = window;
        s->snd_wl1 = seq;
        s->snd_wl2 = ack;
        established(s);
    }
    if (!process_ack(s, ack, seq, window, data_length)) return;

    /* Data, in order only; a segment that starts before rcv_nxt is trimmed. */
    int need_ack = 0;
    if (data_length > 0) {
        if (s->state == TCP_ESTABLISHED || s->state == TCP_FIN_WAIT_1 || s->state == TCP_FIN_WAIT_2) {
            if (seq == s->rcv_nxt || seq_lt(seq, s->rcv_nxt)) {
                uint32_t skip = s->rcv_nxt - seq;
                size_t count = data_length - skip;
                size_t room = NET_TCP_RX_BUFFER - s->rx_count;
                if (count > room) count = room;
                for (size_t i = 0; i < count; i++) {
                    s->rx[(s->rx_head + s->rx_count + i) % NET_TCP_RX_BUFFER] = data[skip + i];
                }
                s->rx_count += count;
                s->rcv_nxt += (uint32_t)count;
                if (skip + count < data_length) flags &= (uint8_t)~TCP_FIN; /* FIN beyond what we took */
                uint32_t before = s->rcv_nxt;
                ooo_merge(s);
                if (s->rcv_nxt != before) flags &= (uint8_t)~TCP_FIN; /* the peer resends it in order */
                if (!s->app_owned && !s->parent) {
                    s->rx_count = 0; /* closed by the application: nobody will read this */
                    s->ooo_count = 0;
                }
            } else {
                /* Out of order: keep what fits at its place, answer with a duplicate ACK. */
                uint32_t offset = seq - s->rcv_nxt;
                size_t room = NET_TCP_RX_BUFFER - s->rx_count;
                if (offset < room && (s->app_owned || s->parent)) {
                    size_t count = data_length < room - offset ? data_length : room - offset;
                    size_t base = s->rx_head + s->rx_count + offset;
                    for (size_t i = 0; i < count; i++) s->rx[(base + i) % NET_TCP_RX_BUFFER] = data[i];
                    ooo_add(s, seq, seq + (uint32_t)count);
                }
                flags &= (uint8_t)~TCP_FIN;
            }
            need_ack = 1;
        } else {
            need_ack = 1;
        }
    }
    if ((flags & TCP_FIN) && seq + (uint32_t)data_length == s->rcv_nxt) {
        s->rcv_nxt++;
        s->fin_received = 1;
        need_ack = 1;
        switch (s->state) {
        case TCP_ESTABLISHED: s->state = TCP_CLOSE_WAIT; break;
        case TCP_FIN_WAIT_1:
            if (s->fin_numbered && seq_gt(s->snd_una, s->fin_seq)) enter_time_wait(s);
            else s->state = TCP_CLOSING;
            break;
        case TCP_FIN_WAIT_2: enter_time_wait(s); break;
        case TCP_TIME_WAIT: s->state_deadline = net_now_ms() + TIME_WAIT_MS; break;
        default: break;
        }
    }
    if (need_ack) send_ack(s);
    output(s);
}

void tcp_timers(void)
{
    uint32_t now = net_now_ms();
    for (int i = 0; i < NET_TCP_SOCKETS; i++) {
        tcp_socket_t *s = &sockets[i];
        if (!s->in_use) continue;
        if ((s->state == TCP_TIME_WAIT || (s->state == TCP_FIN_WAIT_2 && !s->app_owned)) &&
            (int32_t)(now - s->state_deadline) >= 0) {
            s->state = TCP_CLOSED;
            if (!s->app_owned) release(s);
            continue;
        }
        if (!s->timer_running || (int32_t)(now - s->timer_deadline) < 0) continue;
        if (++s->retries > MAX_RETRIES) {
            net_log_line("TCP: %u -> port %u: no answer, giving up", s->local_port, s->remote_port);
            if (s->state != TCP_SYN_SENT) send_segment(s, s->snd_nxt, TCP_RST | TCP_ACK, 0, 0);
            connection_lost(s, NET_ERR_TIMEOUT);
            continue;
        }
        s->rto = s->rto * 2 > RTO_MAX_MS ? RTO_MAX_MS : s->rto * 2;
        s->rtt_timing = 0; /* Karn: no samples from retransmitted segments */
        net_counters.tcp_retransmissions++;
        start_timer(s);
        if (s->state == TCP_SYN_SENT) {
            send_segment(s, s->iss, TCP_SYN, 0, 0);
            continue;
        }
        if (s->state == TCP_SYN_RECEIVED) {
            send_segment(s, s->iss, TCP_SYN | TCP_ACK, 0, 0);
            continue;
        }
        /* Loss: shrink the congestion window and go back to the oldest unacknowledged byte. */
        s->ssthresh = s->cwnd / 2 > 2u * s->mss ? s->cwnd / 2 : 2u * s->mss;
        s->cwnd = s->mss;
        if (s->snd_wnd == 0) {
            s->retries = 0; /* zero-window probes (one byte, below) go on while the peer is there */
        }
        s->tx_sent = 0;
        s->snd_nxt = s->snd_una;
        if (s->fin_sent) s->fin_sent = 0; /* resent after the data by output() */
        if (s->tx_count == 0 && !s->fin_queued) {
            s->timer_running = 0;
            continue;
        }
        s->timer_running = 0;
        uint32_t saved_wnd = s->snd_wnd;
        if (s->snd_wnd == 0) s->snd_wnd = 1;
        output(s);
        s->snd_wnd = saved_wnd;
        if (!s->timer_running) start_timer(s);
    }
}

/* ---- Application interface ------------------------------------------------------------------- */
static uint16_t ephemeral_port(void)
{
    if (next_port == 0) next_port = (uint16_t)(49152u + net_random() % 16000u);
    for (;;) {
        uint16_t port = next_port++;
        if (next_port < 49152u) next_port = 49152u;
        int used = 0;
        for (int i = 0; i < NET_TCP_SOCKETS; i++) {
            if (sockets[i].in_use && sockets[i].local_port == port) used = 1;
        }
        if (!used) return port;
    }
}

int tcp_connect(tcp_socket_t **socket, uint32_t ip, uint16_t port, uint32_t timeout_ms)
{
    if (!socket || !ip || !port) return NET_ERR_ARGUMENT;
    *socket = 0;
    tcp_socket_t *s = allocate();
    if (!s) return NET_ERR_NO_MEMORY;
    s->app_owned = 1;
    s->remote_ip = ip;
    s->remote_port = port;
    s->local_port = ephemeral_port();
    s->iss = net_random();
    s->snd_una = s->iss;
    s->snd_nxt = s->iss + 1;
    s->snd_max = s->snd_nxt;
    s->state = TCP_SYN_SENT;
    char text[16];
    net_log_line("TCP: connect %s:%u from port %u", net_ip_to_string(ip, text), port, s->local_port);
    send_segment(s, s->iss, TCP_SYN, 0, 0);
    start_timer(s);
    uint32_t start = net_now_ms();
    while (s->state == TCP_SYN_SENT && net_now_ms() - start < timeout_ms) {
        net_poll();
    }
    if (s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT) {
        *socket = s;
        return NET_OK;
    }
    int error = s->state == TCP_SYN_SENT ? NET_ERR_TIMEOUT : (s->error ? s->error : NET_ERR_CLOSED);
    net_log_line("TCP: connect %s:%u failed: %s", text, port, net_error_name(error));
    release(s);
    return error;
}

tcp_socket_t *tcp_listen(uint16_t port)
{
    if (!port) return 0;
    for (int i = 0; i < NET_TCP_SOCKETS; i++) {
        if (sockets[i].in_use && sockets[i].state == TCP_LISTEN && sockets[i].local_port == port) return 0;
    }
    tcp_socket_t *s = allocate();
    if (!s) return 0;
    s->app_owned = 1;
    s->local_port = port;
    s->state = TCP_LISTEN;
    return s;
}

tcp_socket_t *tcp_accept(tcp_socket_t *listener)
{
    if (!listener || listener->state != TCP_LISTEN) return 0;
    for (int i = 0; i < NET_TCP_SOCKETS; i++) {
        tcp_socket_t *s = &sockets[i];
        if (s->in_use && s->parent == listener && !s->accepted && s->state != TCP_SYN_RECEIVED &&
            s->state != TCP_CLOSED) {
            s->accepted = 1;
            s->app_owned = 1;
            s->parent = 0;
            return s;
        }
    }
    return 0;
}

int tcp_send(tcp_socket_t *s, const void *data, size_t length, uint32_t timeout_ms)
{
    if (!s) return NET_ERR_ARGUMENT;
    const uint8_t *bytes = data;
    size_t done = 0;
    int polled = 0;
    uint32_t start = net_now_ms();
    for (;;) {
        if (s->state != TCP_ESTABLISHED && s->state != TCP_CLOSE_WAIT) {
            return done ? (int)done : (s->error ? s->error : NET_ERR_CLOSED);
        }
        if (s->fin_queued) return NET_ERR_CLOSED;
        size_t room = NET_TCP_TX_BUFFER - s->tx_count;
        size_t n = length - done < room ? length - done : room;
        for (size_t i = 0; i < n; i++) s->tx[s->tx_count + i] = bytes[done + i];
        s->tx_count += n;
        done += n;
        output(s);
        if (done == length || (polled && net_now_ms() - start >= timeout_ms)) return (int)done;
        net_poll(); /* at least once, so a non-blocking caller still drives the stack */
        polled = 1;
    }
}

int tcp_flush(tcp_socket_t *s, uint32_t timeout_ms)
{
    if (!s) return NET_ERR_ARGUMENT;
    uint32_t start = net_now_ms();
    while (s->tx_count > 0) {
        if (s->state == TCP_CLOSED) return s->error ? s->error : NET_ERR_CLOSED;
        if (net_now_ms() - start >= timeout_ms) return NET_ERR_TIMEOUT;
        net_poll();
    }
    return NET_OK;
}

int tcp_recv(tcp_socket_t *s, void *buffer, size_t capacity, uint32_t timeout_ms)
{
    if (!s || (!buffer && capacity)) return NET_ERR_ARGUMENT;
    int polled = 0;
    uint32_t start = net_now_ms();
    for (;;) {
        if (s->rx_count > 0) {
            size_t n = capacity < s->rx_count ? capacity : s->rx_count;
            uint8_t *out = buffer;
            for (size_t i = 0; i < n; i++) out[i] = s->rx[(s->rx_head + i) % NET_TCP_RX_BUFFER];
            s->rx_head = (s->rx_head + n) % NET_TCP_RX_BUFFER;
            s->rx_count -= n;
            /* Window update when the window opened by at least an MSS or half the buffer. */
            uint16_t window = receive_window(s);
            if ((s->state == TCP_ESTABLISHED || s->state == TCP_FIN_WAIT_1 || s->state == TCP_FIN_WAIT_2) &&
                window - s->advertised >= (s->mss < NET_TCP_RX_BUFFER / 2 ? s->mss : NET_TCP_RX_BUFFER / 2)) {
                send_ack(s);
            }
            return (int)n;
        }
        if (s->fin_received) return 0;
        if (s->state == TCP_CLOSED) return s->error ? s->error : NET_ERR_CLOSED;
        if (polled && net_now_ms() - start >= timeout_ms) return NET_ERR_TIMEOUT;
        net_poll(); /* at least once, so tcp_recv(..., 0) in a loop still drives the stack */
        polled = 1;
    }
}

int tcp_close(tcp_socket_t *s, uint32_t timeout_ms)
{
    if (!s) return NET_ERR_ARGUMENT;
    if (s->state == TCP_LISTEN) {
        for (int i = 0; i < NET_TCP_SOCKETS; i++) {
            tcp_socket_t *child = &sockets[i];
            if (child->in_use && child->parent == s && !child->accepted) {
                if (child->state != TCP_CLOSED) send_segment(child, child->snd_nxt, TCP_RST | TCP_ACK, 0, 0);
                release(child);
            }
        }
        release(s);
        return NET_OK;
    }
    int result = NET_OK;
    if (s->state == TCP_SYN_SENT || s->state == TCP_CLOSED) {
        release(s);
        return NET_OK;
    }
    if (s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT || s->state == TCP_SYN_RECEIVED) {
        s->fin_queued = 1;
        output(s);
    }
    uint32_t start = net_now_ms();
    while (s->state != TCP_CLOSED && s->state != TCP_TIME_WAIT) {
        if (net_now_ms() - start >= timeout_ms) {
            result = NET_ERR_TIMEOUT;
            break;
        }
        net_poll();
    }
    s->app_owned = 0;
    s->rx_count = 0;
    if (s->state == TCP_CLOSED) release(s);
    return result;
}

void tcp_abort(tcp_socket_t *s)
{
    if (!s) return;
    if (s->state != TCP_CLOSED && s->state != TCP_LISTEN && s->state != TCP_SYN_SENT &&
        s->state != TCP_TIME_WAIT) {
        send_segment(s, s->snd_nxt, TCP_RST | TCP_ACK, 0, 0);
    }
    release(s);
}
