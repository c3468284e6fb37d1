/* MQTT 3.1.1 client: see mqtt.h. Section numbers refer to the OASIS MQTT 3.1.1 standard. */
#include "mqtt.h"
#include <string.h>

enum {
    PACKET_CONNECT = 1,
    PACKET_CONNACK = 2,
    PACKET_PUBLISH = 3,
    PACKET_PUBACK = 4,
    PACKET_SUBSCRIBE = 8,
    PACKET_SUBACK = 9,
    PACKET_PINGREQ = 12,
    PACKET_PINGRESP = 13,
    PACKET_DISCONNECT = 14,
};

const char *mqtt_connack_name(int code)
{
    switch (code) {
    case 0: return "accepted";
    case 1: return "unacceptable protocol version";
    case 2: return "identifier rejected";
    case 3: return "server unavailable";
    case 4: return "bad user name or password";
    case 5: return "not authorized";
    default: return "unknown";
    }
}

void mqtt_init(struct mqtt_client *client, const struct mqtt_transport *transport, uint32_t (*now_ms)(void),
               mqtt_message_fn on_message, void *message_context)
{
    memset(client, 0, sizeof *client);
    client->transport = *transport;
    client->now_ms = now_ms;
    client->on_message = on_message;
    client->message_context = message_context;
    client->next_packet_id = 1;
}

/* ---- Sending ------------------------------------------------------------------------------- */

struct builder {
    uint8_t *start, *p, *end;
    int overflow;
};

static void put_bytes(struct builder *b, const void *data, size_t length)
{
    if ((size_t)(b->end - b->p) < length) {
        b->overflow = 1;
        return;
    }
    memcpy(b->p, data, length);
    b->p += length;
}

static void put_byte(struct builder *b, uint8_t v) { put_bytes(b, &v, 1); }

static void put_u16(struct builder *b, unsigned v)
{
    uint8_t bytes[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put_bytes(b, bytes, 2);
}

static void put_string(struct builder *b, const char *text)
{
    size_t length = strlen(text);
    put_u16(b, (unsigned)length);
    put_bytes(b, text, length);
}

/* Leaves room for the fixed header (1 byte + up to 4 of remaining length) in front of the body. */
static struct builder begin(struct mqtt_client *client)
{
    struct builder b = {client->send_buffer, client->send_buffer + 5, client->send_buffer + sizeof client->send_buffer, 0};
    return b;
}

static int send_all(struct mqtt_client *client, const uint8_t *data, size_t length)
{
    while (length > 0) {
        int sent = client->transport.send(client->transport.context, data, length);
        if (sent <= 0) {
            return MQTT_ERR_IO;
        }
        data += sent;
        length -= (size_t)sent;
    }
    client->last_sent_ms = client->now_ms();
    return MQTT_OK;
}

/* Writes the fixed header (§2.2) in front of the body and sends the packet. */
static int finish(struct mqtt_client *client, struct builder *b, uint8_t first_byte)
{
    if (b->overflow) {
        return MQTT_ERR_TOO_LARGE;
    }
    size_t remaining = (size_t)(b->p - (b->start + 5));
    uint8_t header[5];
    size_t header_length = 1;
    header[0] = first_byte;
    do {
        uint8_t digit = remaining % 128;
        remaining /= 128;
        header[header_length++] = (uint8_t)(digit | (remaining > 0 ? 0x80 : 0));
    } while (remaining > 0);
    uint8_t *packet = b->start + 5 - header_length;
    memcpy(packet, header, header_length);
    return send_all(client, packet, (size_t)(b->p - packet));
}

static uint16_t take_packet_id(struct mqtt_client *client)
{
    uint16_t id = client->next_packet_id++;
    if (client->next_packet_id == 0) {
        client->next_packet_id = 1;
    }
    return id;
}

/* ---- Receiving ----------------------------------------------------------------------------- */

/* Reads one packet into client->packet. Returns its type (1..15), MQTT_ERR_TIMEOUT when none is
 * complete within timeout_ms (a partial packet is kept), or a negative error. */
static int read_packet(struct mqtt_client *client, uint32_t timeout_ms, size_t *body_offset, size_t *body_length)
{
    for (;;) {
        if (client->packet_needed == 0 && client->packet_filled >= 2) {
            /* Decode the remaining length once its last byte (top bit clear) is in. */
            size_t value = 0, multiplier = 1, i = 1;
            for (; i < client->packet_filled && i <= 4; i++) {
                value += (client->packet[i] & 0x7f) * multiplier;
                multiplier *= 128;
                if ((client->packet[i] & 0x80) == 0) {
                    break;
                }
            }
            if (i > 4) {
                return MQTT_ERR_PROTOCOL;
            }
            if (i < client->packet_filled) {
                if (1 + i + value > sizeof client->packet) {
                    return MQTT_ERR_TOO_LARGE;
                }
                client->packet_needed = 1 + i + value;
            }
        }
        if (client->packet_needed != 0 && client->packet_filled >= client->packet_needed) {
            size_t i = 1;
            while (client->packet[i] & 0x80) {
                i++;
            }
            *body_offset = i + 1;
            *body_length = client->packet_needed - (i + 1);
            client->packet_filled = 0;
            client->packet_needed = 0;
            return client->packet[0] >> 4;
        }
        /* Read just what is missing, so bytes of the next packet stay in the transport. */
        size_t want = client->packet_needed ? client->packet_needed - client->packet_filled : 1;
        int got = client->transport.recv(client->transport.context, client->packet + client->packet_filled, want,
                                         timeout_ms);
        if (got == MQTT_IO_TIMEOUT) {
            return MQTT_ERR_TIMEOUT;
        }
        if (got <= 0) {
            return MQTT_ERR_IO;
        }
        client->packet_filled += (size_t)got;
    }
}

static unsigned get_u16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

static int send_puback(struct mqtt_client *client, unsigned id)
{
    struct builder b = begin(client);
    put_u16(&b, id);
    return finish(client, &b, PACKET_PUBACK << 4);
}

static int handle_publish(struct mqtt_client *client, uint8_t flags, uint8_t *body, size_t length)
{
    int qos = (flags >> 1) & 3;
    if (length < 2) {
        return MQTT_ERR_PROTOCOL;
    }
    size_t topic_length = get_u16(body);
    size_t offset = 2 + topic_length;
    unsigned id = 0;
    if (qos > 0) {
        if (offset + 2 > length) {
            return MQTT_ERR_PROTOCOL;
        }
        id = get_u16(body + offset);
        offset += 2;
    }
    if (offset > length || topic_length > 255) {
        return MQTT_ERR_PROTOCOL;
    }
    char topic[256];
    memcpy(topic, body + 2, topic_length);
    topic[topic_length] = '\0';
    const uint8_t *payload = body + offset;
    size_t payload_length = length - offset;
    char text[81];
    size_t shown = payload_length < 80 ? payload_length : 80;
    for (size_t i = 0; i < shown; i++) {
        text[i] = payload[i] >= 32 && payload[i] < 127 ? (char)payload[i] : '.';
    }
    text[shown] = '\0';
    app_log("MQTT PUBLISH received on %s (QoS %d, %u bytes): %s\n", topic, qos, (unsigned)payload_length, text);
    if (client->on_message) {
        client->on_message(client->message_context, topic, payload, payload_length, qos);
    }
    if (qos == 1) {
        return send_puback(client, id);
    }
    return MQTT_OK; /* QoS 2 is not offered by our SUBSCRIBE, so it does not arrive */
}

/* Reads packets until one of `wanted_type` (with `wanted_id` when non-zero) arrives, handling
 * everything else on the way. Returns the body offset via *offset, or a negative error. */
static int wait_for(struct mqtt_client *client, int wanted_type, unsigned wanted_id, uint32_t timeout_ms,
                    size_t *offset, size_t *length)
{
    uint32_t start = client->now_ms();
    for (;;) {
        uint32_t elapsed = client->now_ms() - start;
        int type = read_packet(client, elapsed >= timeout_ms ? 0 : timeout_ms - elapsed, offset, length);
        if (type < 0) {
            return type;
        }
        uint8_t *body = client->packet + *offset;
        if (type == wanted_type && (wanted_id == 0 || (*length >= 2 && get_u16(body) == wanted_id))) {
            return type;
        }
        int result = MQTT_OK;
        if (type == PACKET_PUBLISH) {
            result = handle_publish(client, client->packet[0] & 0x0f, body, *length);
        } else if (type == PACKET_PINGRESP) {
            client->ping_outstanding = 0;
            app_log("MQTT PINGRESP\n");
        } else if (type == PACKET_PUBACK) {
            app_log("MQTT PUBACK %u (late)\n", *length >= 2 ? get_u16(body) : 0);
        } else {
            app_log("MQTT unexpected packet type %d\n", type);
            return MQTT_ERR_PROTOCOL;
        }
        if (result < 0) {
            return result;
        }
    }
}

/* ---- Operations ---------------------------------------------------------------------------- */

int mqtt_connect(struct mqtt_client *client, const struct mqtt_connect_options *options, uint32_t timeout_ms)
{
    struct builder b = begin(client);
    put_string(&b, "MQTT");
    put_byte(&b, 4); /* protocol level 3.1.1 */
    uint8_t flags = options->clean_session ? 0x02 : 0;
    if (options->username) {
        flags |= 0x80;
    }
    if (options->password) {
        flags |= 0x40;
    }
    put_byte(&b, flags);
    put_u16(&b, options->keep_alive_seconds);
    put_string(&b, options->client_id);
    if (options->username) {
        put_string(&b, options->username);
    }
    if (options->password) {
        put_string(&b, options->password);
    }
    client->keep_alive_seconds = options->keep_alive_seconds;
    int result = finish(client, &b, PACKET_CONNECT << 4);
    if (result != MQTT_OK) {
        return result;
    }
    app_log("MQTT CONNECT sent (client id %s, keep-alive %u s)\n", options->client_id,
            (unsigned)options->keep_alive_seconds);
    size_t offset, length;
    result = wait_for(client, PACKET_CONNACK, 0, timeout_ms, &offset, &length);
    if (result < 0) {
        app_log("MQTT no CONNACK (%d)\n", result);
        return result;
    }
    if (length != 2) {
        return MQTT_ERR_PROTOCOL;
    }
    int code = client->packet[offset + 1];
    app_log("MQTT CONNACK %d (%s)\n", code, mqtt_connack_name(code));
    return code;
}

int mqtt_subscribe(struct mqtt_client *client, const char *filter, int qos, uint32_t timeout_ms)
{
    uint16_t id = take_packet_id(client);
    struct builder b = begin(client);
    put_u16(&b, id);
    put_string(&b, filter);
    put_byte(&b, (uint8_t)qos);
    int result = finish(client, &b, PACKET_SUBSCRIBE << 4 | 0x02);
    if (result != MQTT_OK) {
        return result;
    }
    app_log("MQTT SUBSCRIBE %s (QoS %d, id %u)\n", filter, qos, id);
    size_t offset, length;
    result = wait_for(client, PACKET_SUBACK, id, timeout_ms, &offset, &length);
    if (result < 0) {
        app_log("MQTT no SUBACK (%d)\n", result);
        return result;
    }
    if (length != 3) {
        return MQTT_ERR_PROTOCOL;
    }
    int granted = client->packet[offset + 2];
    if (granted == 0x80) {
        app_log("MQTT SUBACK %u refused\n", id);
        return MQTT_ERR_REFUSED;
    }
    app_log("MQTT SUBACK %u granted QoS %d\n", id, granted);
    return granted;
}

int mqtt_publish(struct mqtt_client *client, const char *topic, const void *payload, size_t length, int qos,
                 uint32_t timeout_ms)
{
    uint16_t id = qos > 0 ? take_packet_id(client) : 0;
    struct builder b = begin(client);
    put_string(&b, topic);
    if (qos > 0) {
        put_u16(&b, id);
    }
    put_bytes(&b, payload, length);
    int result = finish(client, &b, (uint8_t)(PACKET_PUBLISH << 4 | (qos & 3) << 1));
    if (result != MQTT_OK) {
        return result;
    }
    app_log("MQTT PUBLISH sent on %s (QoS %d, id %u, %u bytes)\n", topic, qos, id, (unsigned)length);
    if (qos == 0) {
        return MQTT_OK;
    }
    size_t offset, body_length;
    result = wait_for(client, PACKET_PUBACK, id, timeout_ms, &offset, &body_length);
    if (result < 0) {
        app_log("MQTT no PUBACK for %u (%d)\n", id, result);
        return result;
    }
    app_log("MQTT PUBACK %u\n", id);
    return MQTT_OK;
}

int mqtt_poll(struct mqtt_client *client, uint32_t timeout_ms)
{
    if (client->keep_alive_seconds != 0 && !client->ping_outstanding &&
        client->now_ms() - client->last_sent_ms >= (uint32_t)client->keep_alive_seconds * 500u) {
        struct builder b = begin(client);
        int result = finish(client, &b, PACKET_PINGREQ << 4);
        if (result != MQTT_OK) {
            return result;
        }
        client->ping_outstanding = 1;
        app_log("MQTT PINGREQ\n");
    }
    size_t offset, length;
    /* Nothing is "wanted": wait_for handles whatever comes until the timeout. */
    int result = wait_for(client, 0, 0, timeout_ms, &offset, &length);
    return result == MQTT_ERR_TIMEOUT ? MQTT_OK : result;
}

int mqtt_disconnect(struct mqtt_client *client)
{
    struct builder b = begin(client);
    int result = finish(client, &b, PACKET_DISCONNECT << 4);
    app_log("MQTT DISCONNECT sent\n");
    return result;
}
