/* The TLS + MQTT part of the mqtt-tls fixture, shared with the native host test. */
#ifndef MQTT_TLS_SESSION_H
#define MQTT_TLS_SESSION_H
#include <stdint.h>
#include "provision.h"
#include "tls13.h"

/* Exit codes of the fixture. */
#define EXIT_OK 0
#define EXIT_PROVISION 1
#define EXIT_NETWORK 2
#define EXIT_TLS 3
#define EXIT_MQTT 4
#define EXIT_CRYPTO 5

/* Runs TLS handshake, MQTT CONNECT, SUBSCRIBE h5sim/<id>/in, the "hello N" publications with
 * the echo of .../in to .../out, DISCONNECT. Returns one of the exit codes. */
int mqtt_tls_session(const struct provision *provision, const struct tls_io *io, uint32_t unix_time,
                     uint32_t (*now_ms)(void));

#endif
