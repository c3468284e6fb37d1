/* TLS + MQTT session of the mqtt-tls fixture: see session.h. */
#include "session.h"
#include "mqtt.h"
#include <string.h>

static struct tls tls;
static struct mqtt_client mqtt;

/* Messages received on .../in wait here until the main loop publishes them to .../out. */
#define ECHO_SLOTS 4
static struct {
    uint8_t payload[256];
    size_t length;
} echo_queue[ECHO_SLOTS];
static unsigned echo_head, echo_count;

static void on_message(void *context, const char *topic, const uint8_t *payload, size_t length, int qos)
{
    (void)context;
    (void)topic;
    (void)qos;
    if (echo_count == ECHO_SLOTS) {
        app_log("echo queue full: message dropped\n");
        return;
    }
    unsigned slot = (echo_head + echo_count) % ECHO_SLOTS;
    if (length > sizeof echo_queue[slot].payload) {
        length = sizeof echo_queue[slot].payload;
    }
    memcpy(echo_queue[slot].payload, payload, length);
    echo_queue[slot].length = length;
    echo_count++;
}

static int tls_send(void *context, const uint8_t *data, size_t length)
{
    int result = tls_write(context, data, length);
    return result < 0 ? -2 : result;
}

static int tls_recv(void *context, uint8_t *buffer, size_t capacity, uint32_t timeout_ms)
{
    int result = tls_read(context, buffer, capacity, timeout_ms);
    if (result == TLS_IO_TIMEOUT) {
        return MQTT_IO_TIMEOUT;
    }
    if (result == TLS_ERR_CLOSED) {
        return 0;
    }
    return result < 0 ? -2 : result;
}

static int drain_echo_queue(const char *out_topic)
{
    while (echo_count > 0) {
        unsigned slot = echo_head;
        echo_head = (echo_head + 1) % ECHO_SLOTS;
        echo_count--;
        app_log("echo to %s\n", out_topic);
        if (mqtt_publish(&mqtt, out_topic, echo_queue[slot].payload, echo_queue[slot].length, 1, 5000) != MQTT_OK) {
            return -1;
        }
    }
    return 0;
}

/* Serves incoming traffic and the echo queue for `ms` milliseconds. */
static int serve_for(uint32_t ms, const char *out_topic, uint32_t (*now_ms)(void))
{
    uint32_t start = now_ms();
    for (;;) {
        uint32_t elapsed = now_ms() - start;
        if (elapsed >= ms) {
            return 0;
        }
        int result = mqtt_poll(&mqtt, ms - elapsed > 100 ? 100 : ms - elapsed);
        if (result != MQTT_OK) {
            app_log("MQTT connection lost (%d)\n", result);
            return -1;
        }
        if (drain_echo_queue(out_topic) != 0) {
            return -1;
        }
    }
}

static void decimal(char *out, uint32_t value)
{
    char digits[12];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) {
        *out++ = digits[--n];
    }
    *out = '\0';
}

int mqtt_tls_session(const struct provision *provision, const struct tls_io *io, uint32_t unix_time,
                     uint32_t (*now_ms)(void))
{
    struct tls_config config = {
        .server_name = provision->broker_host,
        .ca_certificate = provision->ca_cert,
        .ca_certificate_length = provision->ca_cert_length,
        .client_certificate = provision->client_cert,
        .client_certificate_length = provision->client_cert_length,
        .client_key = provision->client_key,
        .now = unix_time,
        .handshake_timeout_ms = 15000,
    };
    uint32_t started = now_ms();
    int result = tls_connect(&tls, io, &config);
    if (result != TLS_OK) {
        app_log("TLS handshake failed (%d)\n", result);
        return EXIT_TLS;
    }
    app_log("TLS handshake took %u ms\n", (unsigned)(now_ms() - started));

    struct mqtt_transport transport = {&tls, tls_send, tls_recv};
    mqtt_init(&mqtt, &transport, now_ms, on_message, NULL);
    struct mqtt_connect_options options = {
        .client_id = provision->client_id,
        .username = provision->has_username ? provision->username : NULL,
        .password = provision->has_password ? provision->password : NULL,
        .keep_alive_seconds = provision->keep_alive,
        .clean_session = 1,
    };
    int code = mqtt_connect(&mqtt, &options, 10000);
    if (code != 0) {
        tls_close(&tls);
        return EXIT_MQTT;
    }
    char in_topic[96], out_topic[96];
    strcpy(in_topic, "h5sim/");
    strcat(in_topic, provision->client_id);
    strcpy(out_topic, in_topic);
    strcat(in_topic, "/in");
    strcat(out_topic, "/out");
    if (mqtt_subscribe(&mqtt, in_topic, 1, 10000) < 0) {
        tls_close(&tls);
        return EXIT_MQTT;
    }
#if defined(MQTT_SOAK) && MQTT_SOAK
    uint32_t next_due = now_ms();
#endif
    for (uint32_t n = 1; provision->publish_count == 0 || n <= provision->publish_count; n++) {
        char message[24] = "hello ";
        decimal(message + 6, n);
        if (mqtt_publish(&mqtt, out_topic, message, strlen(message), 1, 10000) != MQTT_OK) {
            tls_close(&tls);
            return EXIT_MQTT;
        }
        uint32_t wait = n == provision->publish_count ? provision->echo_wait_ms : provision->interval_ms;
#if defined(MQTT_SOAK) && MQTT_SOAK
        /* Fixed rate: the next publication is due one interval after the previous one was due,
         * however long its PUBACK took, so an hour at 1000 ms gives 3600 publications. */
        next_due += provision->interval_ms;
        if (n != provision->publish_count) {
            int32_t left = (int32_t)(next_due - now_ms());
            wait = left > 0 ? (uint32_t)left : 0;
        }
#endif
        if (serve_for(wait, out_topic, now_ms) != 0) {
            tls_close(&tls);
            return EXIT_MQTT;
        }
    }
    mqtt_disconnect(&mqtt);
    tls_close(&tls);
    app_log("mqtt-tls: done\n");
    return EXIT_OK;
}
