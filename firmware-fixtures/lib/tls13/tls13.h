/*
 * A TLS 1.3 client (RFC 8446) for the h5sim fixtures: TLS_AES_128_GCM_SHA256 only, ECDHE on
 * secp256r1 only, no PSK / resumption / 0-RTT. Crypto goes through lib/crypto (PKA, HASH, RNG,
 * and AES on the H573).
 *
 * Build options:
 *   TLS_SIGALGS_ECDSA_ONLY=1    signature_algorithms = { ecdsa_secp256r1_sha256 } (the default;
 *                               what NetX Duo offers: a broker with an RSA certificate answers
 *                               alert 40 handshake_failure)
 *   TLS_SIGALGS_ECDSA_RSAPSS=1  adds rsa_pss_rsae_sha256, verified with the PKA's modexp
 *   TLS_CLIENT_CERT=1           answers a CertificateRequest with the provisioned certificate and
 *                               an ECDSA P-256 CertificateVerify (mutual TLS)
 *
 * Everything the library reports goes through app_log(), which the application provides.
 */
#ifndef H5_TLS13_H
#define H5_TLS13_H
#include <stddef.h>
#include <stdint.h>
#include "crypto.h"

#if defined(TLS_SIGALGS_ECDSA_RSAPSS) && TLS_SIGALGS_ECDSA_RSAPSS
#define TLS_OFFER_RSA_PSS 1
#else
#define TLS_OFFER_RSA_PSS 0
#endif

/* printf-like output the application provides (console + semihosting on the chip). */
void app_log(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Byte transport under TLS: send returns the count sent or a negative error; recv returns 1..n
 * bytes, 0 when the peer closed, TLS_IO_TIMEOUT when nothing came within timeout_ms. */
#define TLS_IO_TIMEOUT (-1)
struct tls_io {
    void *context;
    int (*send)(void *context, const uint8_t *data, size_t length);
    int (*recv)(void *context, uint8_t *buffer, size_t capacity, uint32_t timeout_ms);
};

struct tls_config {
    const char *server_name;          /* SNI and the name checked against the SAN dNSNames */
    const uint8_t *ca_certificate;    /* DER of the one trusted CA */
    size_t ca_certificate_length;
    const uint8_t *client_certificate; /* DER, for TLS_CLIENT_CERT builds (may be NULL) */
    size_t client_certificate_length;
    const uint8_t *client_key;        /* 32-byte P-256 private scalar */
    uint32_t now;                     /* Unix time for the validity check; 0 = unknown (skipped) */
    uint32_t handshake_timeout_ms;    /* 0 = 10000 */
};

/* Result codes of the tls_* calls. */
#define TLS_OK 0
#define TLS_ERR_IO (-2)            /* the transport failed or closed */
#define TLS_ERR_TIMEOUT (-3)
#define TLS_ERR_ALERT_RECEIVED (-4) /* see tls.alert_received */
#define TLS_ERR_ALERT_SENT (-5)     /* we aborted; see tls.alert_sent */
#define TLS_ERR_CLOSED (-6)         /* close_notify received */
#define TLS_ERR_STATE (-7)

#define TLS_RECORD_CAPACITY (16384 + 256 + 5)
#define TLS_HANDSHAKE_CAPACITY 12288
#define TLS_TRANSCRIPT_CAPACITY 16384

struct tls_traffic {
    struct aes_gcm gcm;
    uint8_t iv[12];
    uint8_t secret[32];
    uint64_t sequence;
};

struct tls {
    struct tls_io io;
    const struct tls_config *config;
    int connected;
    int alert_received; /* -1 none */
    int alert_sent;     /* -1 none */
    uint16_t server_signature_scheme;
    int client_authenticated;
    struct tls_traffic read, write;
    int read_encrypted, write_encrypted;
    uint8_t ephemeral_key[32];
    uint8_t session_id[32];
    int certificate_requested;
    uint8_t certificate_request_context[64];
    size_t certificate_request_context_length;
    /* The server's public key, copied out of its Certificate message. */
    int server_key_type; /* enum x509_key_type */
    uint8_t server_ec_point[64];
    uint8_t server_rsa_modulus[512];
    size_t server_rsa_modulus_length;
    uint8_t server_rsa_exponent[8];
    size_t server_rsa_exponent_length;
    uint8_t handshake_secret[32], master_secret[32];
    uint8_t client_handshake_secret[32], server_handshake_secret[32];
    /* Receiving: one record at a time; decrypted application data is served from it. */
    uint8_t record[TLS_RECORD_CAPACITY];
    size_t record_filled;
    uint8_t content_type; /* of the record just read, after decryption */
    size_t plain_offset, plain_length;
    /* Handshake messages may span records, and one record may hold several. */
    uint8_t handshake[TLS_HANDSHAKE_CAPACITY];
    size_t handshake_length;
    /* The transcript is kept whole and hashed in one pass each time a hash is needed, so the
     * HASH block never has to hold two contexts. */
    uint8_t transcript[TLS_TRANSCRIPT_CAPACITY];
    size_t transcript_length;
    uint8_t send_buffer[2048 + 64];
};

/* Runs the handshake over an open transport. TLS_OK, or a negative code (alerts are logged). */
int tls_connect(struct tls *tls, const struct tls_io *io, const struct tls_config *config);
/* Sends application data (split into records of at most 2048 bytes). Returns length or < 0. */
int tls_write(struct tls *tls, const void *data, size_t length);
/* Reads application data: 1..capacity bytes, TLS_IO_TIMEOUT (-1) when none within timeout_ms,
 * or a negative TLS_ERR_*. Post-handshake messages (NewSessionTicket, KeyUpdate) are handled. */
int tls_read(struct tls *tls, void *buffer, size_t capacity, uint32_t timeout_ms);
/* Sends close_notify. */
void tls_close(struct tls *tls);

const char *tls_alert_name(int code);
const char *tls_signature_scheme_name(uint16_t scheme);

#endif
