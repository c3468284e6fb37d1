/*
 * An MQTT 3.1.1 client (OASIS MQTT v3.1.1) for the h5sim fixtures: CONNECT/CONNACK, SUBSCRIBE/SUBACK,
 * PUBLISH at QoS 0 and 1 (PUBACK both ways), PINGREQ/PINGRESP for keep-alive, DISCONNECT. It runs
 * over any byte stream (the fixture gives it the TLS connection). Single-threaded, no heap.
 *
 * Every step is reported through app_log() with a stable text tests can match:
 *   "MQTT CONNACK 0 (accepted)", "MQTT SUBACK <packet id> granted QoS 1",
 *   "MQTT PUBLISH sent on <topic> (QoS 1, id <n>, <len> bytes)", "MQTT PUBACK <id>",
 *   "MQTT PUBLISH received on <topic> (QoS <q>, <len> bytes): <text>", "MQTT PINGRESP",
 *   "MQTT DISCONNECT sent".
 */
#ifndef H5_MQTT_H
#define H5_MQTT_H
#include <stddef.h>
#include <stdint.h>

void app_log(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Transport: send returns the count sent or < 0; recv returns 1..n bytes, 0 when closed,
 * MQTT_IO_TIMEOUT when nothing came within timeout_ms, or another negative error. */
#define MQTT_IO_TIMEOUT (-1)
struct mqtt_transport {
    void *context;
    int (*send)(void *context, const uint8_t *data, size_t length);
    int (*recv)(void *context, uint8_t *buffer, size_t capacity, uint32_t timeout_ms);
};

/* Result codes (a CONNACK refusal is returned as its positive return code by mqtt_connect). */
#define MQTT_OK 0
#define MQTT_ERR_IO (-2)
#define MQTT_ERR_TIMEOUT (-3)
#define MQTT_ERR_PROTOCOL (-4)
#define MQTT_ERR_TOO_LARGE (-5)
#define MQTT_ERR_REFUSED (-6) /* SUBACK 0x80 */

typedef void (*mqtt_message_fn)(void *context, const char *topic, const uint8_t *payload, size_t length, int qos);

#define MQTT_PACKET_CAPACITY 4096

struct mqtt_client {
    struct mqtt_transport transport;
    uint32_t (*now_ms)(void);
    mqtt_message_fn on_message;
    void *message_context;
    uint16_t keep_alive_seconds;
    uint32_t last_sent_ms;
    int ping_outstanding;
    uint16_t next_packet_id;
    /* Receiving: one packet at a time (fixed header, remaining length, then the rest). */
    uint8_t packet[MQTT_PACKET_CAPACITY];
    size_t packet_filled;
    size_t packet_needed; /* 0 while the remaining length is still being read */
    uint8_t send_buffer[MQTT_PACKET_CAPACITY];
};

struct mqtt_connect_options {
    const char *client_id;
    const char *username; /* NULL = none */
    const char *password; /* NULL = none */
    uint16_t keep_alive_seconds;
    int clean_session;
};

void mqtt_init(struct mqtt_client *client, const struct mqtt_transport *transport, uint32_t (*now_ms)(void),
               mqtt_message_fn on_message, void *message_context);
/* Sends CONNECT and waits for CONNACK: returns its return code (0 = accepted) or a negative error. */
int mqtt_connect(struct mqtt_client *client, const struct mqtt_connect_options *options, uint32_t timeout_ms);
/* SUBSCRIBE to one filter; returns the granted QoS or a negative error. */
int mqtt_subscribe(struct mqtt_client *client, const char *filter, int qos, uint32_t timeout_ms);
/* PUBLISH; at QoS 1 waits for the PUBACK (messages arriving meanwhile go to on_message). */
int mqtt_publish(struct mqtt_client *client, const char *topic, const void *payload, size_t length, int qos,
                 uint32_t timeout_ms);
/* Handles what arrives within timeout_ms (PUBLISH to on_message, PINGRESP) and sends PINGREQ when
 * the keep-alive interval is half gone. MQTT_OK or a negative error. */
int mqtt_poll(struct mqtt_client *client, uint32_t timeout_ms);
int mqtt_disconnect(struct mqtt_client *client);

const char *mqtt_connack_name(int code);

#endif
