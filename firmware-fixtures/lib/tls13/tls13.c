/* TLS 1.3 client: see tls13.h. Section numbers refer to RFC 8446. */
#include "tls13.h"
#include "x509.h"
#include <string.h>

enum {
    CONTENT_CHANGE_CIPHER_SPEC = 20,
    CONTENT_ALERT = 21,
    CONTENT_HANDSHAKE = 22,
    CONTENT_APPLICATION_DATA = 23,
};
enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_CERTIFICATE_REQUEST = 13,
    HS_CERTIFICATE_VERIFY = 15,
    HS_FINISHED = 20,
    HS_KEY_UPDATE = 24,
};
enum {
    ALERT_CLOSE_NOTIFY = 0,
    ALERT_UNEXPECTED_MESSAGE = 10,
    ALERT_BAD_RECORD_MAC = 20,
    ALERT_RECORD_OVERFLOW = 22,
    ALERT_HANDSHAKE_FAILURE = 40,
    ALERT_BAD_CERTIFICATE = 42,
    ALERT_UNSUPPORTED_CERTIFICATE = 43,
    ALERT_CERTIFICATE_EXPIRED = 45,
    ALERT_ILLEGAL_PARAMETER = 47,
    ALERT_UNKNOWN_CA = 48,
    ALERT_DECODE_ERROR = 50,
    ALERT_DECRYPT_ERROR = 51,
    ALERT_PROTOCOL_VERSION = 70,
    ALERT_INTERNAL_ERROR = 80,
    ALERT_MISSING_EXTENSION = 109,
};
#define CIPHER_TLS_AES_128_GCM_SHA256 0x1301
#define GROUP_SECP256R1 0x0017
#define SCHEME_ECDSA_SECP256R1_SHA256 0x0403
#define SCHEME_RSA_PSS_RSAE_SHA256 0x0804
#define SCHEME_RSA_PKCS1_SHA256 0x0401
#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_GROUPS 10
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_SIGNATURE_ALGORITHMS_CERT 50
#define EXT_KEY_SHARE 51

/* §4.1.3: the ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
static const uint8_t hello_retry_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static const uint16_t offered_schemes[] = {
    SCHEME_ECDSA_SECP256R1_SHA256,
#if TLS_OFFER_RSA_PSS
    SCHEME_RSA_PSS_RSAE_SHA256,
#endif
};

const char *tls_alert_name(int code)
{
    switch (code) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown";
    }
}

const char *tls_signature_scheme_name(uint16_t scheme)
{
    switch (scheme) {
    case SCHEME_ECDSA_SECP256R1_SHA256: return "ecdsa_secp256r1_sha256";
    case SCHEME_RSA_PSS_RSAE_SHA256: return "rsa_pss_rsae_sha256";
    case SCHEME_RSA_PKCS1_SHA256: return "rsa_pkcs1_sha256";
    default: return "unknown";
    }
}

/* ---- Byte helpers --------------------------------------------------------------------------- */

static uint8_t *put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
    return p + 3;
}

static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static size_t get24(const uint8_t *p) { return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2]; }

/* A bounds-checked reader over a handshake message body. */
struct reader {
    const uint8_t *p, *end;
    int bad;
};

static const uint8_t *take(struct reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

static unsigned take8(struct reader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

static unsigned take16(struct reader *r)
{
    const uint8_t *p = take(r, 2);
    return p ? get16(p) : 0;
}

static size_t take24(struct reader *r)
{
    const uint8_t *p = take(r, 3);
    return p ? get24(p) : 0;
}

/* A sub-reader over a length-prefixed vector. */
static struct reader take_vector(struct reader *r, unsigned length_bytes)
{
    size_t length = length_bytes == 1 ? take8(r) : length_bytes == 2 ? take16(r) : take24(r);
    const uint8_t *p = take(r, length);
    struct reader sub = {p, p ? p + length : NULL, p == NULL};
    return sub;
}

/* ---- Key schedule (§7.1) -------------------------------------------------------------------- */

static void hkdf_expand_label(const uint8_t secret[32], const char *label, const uint8_t *context,
                              size_t context_length, uint8_t *out, size_t length)
{
    uint8_t info[2 + 1 + 6 + 32 + 1 + 32];
    size_t label_length = strlen(label);
    uint8_t *p = put16(info, (unsigned)length);
    *p++ = (uint8_t)(6 + label_length);
    memcpy(p, "tls13 ", 6);
    memcpy(p + 6, label, label_length);
    p += 6 + label_length;
    *p++ = (uint8_t)context_length;
    if (context_length > 0) {
        memcpy(p, context, context_length);
        p += context_length;
    }
    /* All our outputs fit in one HMAC block: T(1) = HMAC(secret, info || 0x01). */
    static const uint8_t one = 1;
    struct crypto_part parts[2] = {{info, (size_t)(p - info)}, {&one, 1}};
    uint8_t block[32];
    crypto_hmac_sha256(secret, 32, parts, 2, block);
    memcpy(out, block, length);
}

static void hkdf_extract(const uint8_t salt[32], const uint8_t ikm[32], uint8_t out[32])
{
    hmac_sha256(salt, 32, ikm, 32, out);
}

static void transcript_hash(const struct tls *tls, uint8_t hash[32])
{
    sha256(tls->transcript, tls->transcript_length, hash);
}

static void derive_secret(const uint8_t secret[32], const char *label, const uint8_t hash[32], uint8_t out[32])
{
    hkdf_expand_label(secret, label, hash, 32, out, 32);
}

static void traffic_set(struct tls_traffic *traffic, const uint8_t secret[32])
{
    uint8_t key[16];
    memcpy(traffic->secret, secret, 32);
    hkdf_expand_label(secret, "key", NULL, 0, key, 16);
    hkdf_expand_label(secret, "iv", NULL, 0, traffic->iv, 12);
    aes_gcm_init(&traffic->gcm, key);
    traffic->sequence = 0;
}

static void traffic_nonce(const struct tls_traffic *traffic, uint8_t nonce[12])
{
    memcpy(nonce, traffic->iv, 12);
    for (unsigned i = 0; i < 8; i++) {
        nonce[11 - i] ^= (uint8_t)(traffic->sequence >> (8 * i));
    }
}

/* ---- Records (§5) --------------------------------------------------------------------------- */

static int io_send_all(struct tls *tls, const uint8_t *data, size_t length)
{
    while (length > 0) {
        int sent = tls->io.send(tls->io.context, data, length);
        if (sent <= 0) {
            return TLS_ERR_IO;
        }
        data += sent;
        length -= (size_t)sent;
    }
    return TLS_OK;
}

static int send_record(struct tls *tls, uint8_t type, const uint8_t *data, size_t length)
{
    const size_t fragment_max = sizeof tls->send_buffer - 5 - 1 - 16;
    do {
        size_t fragment = length < fragment_max ? length : fragment_max;
        uint8_t *header = tls->send_buffer;
        uint8_t *body = header + 5;
        size_t body_length;
        memcpy(body, data, fragment);
        if (tls->write_encrypted) {
            body[fragment] = type;
            size_t inner = fragment + 1;
            body_length = inner + 16;
            header[0] = CONTENT_APPLICATION_DATA;
            header[1] = 3;
            header[2] = 3;
            put16(header + 3, (unsigned)body_length);
            uint8_t nonce[12];
            traffic_nonce(&tls->write, nonce);
            aes_gcm_encrypt(&tls->write.gcm, nonce, header, 5, body, inner, body + inner);
            tls->write.sequence++;
        } else {
            body_length = fragment;
            header[0] = type;
            header[1] = 3;
            header[2] = 3;
            put16(header + 3, (unsigned)body_length);
        }
        int result = io_send_all(tls, tls->send_buffer, 5 + body_length);
        if (result != TLS_OK) {
            return result;
        }
        data += fragment;
        length -= fragment;
    } while (length > 0);
    return TLS_OK;
}

static int send_alert(struct tls *tls, int description)
{
    uint8_t alert[2] = {description == ALERT_CLOSE_NOTIFY ? 1 : 2, (uint8_t)description};
    if (description == ALERT_CLOSE_NOTIFY) {
        app_log("TLS close_notify sent\n");
    } else {
        tls->alert_sent = description;
        app_log("TLS alert sent: %d %s\n", description, tls_alert_name(description));
    }
    send_record(tls, CONTENT_ALERT, alert, 2);
    tls->connected = 0;
    return TLS_ERR_ALERT_SENT;
}

/* Reads one whole record into tls->record (decrypting it when keys are in place) and leaves its
 * content at plain_offset/plain_length with its type in content_type. Returns 1, TLS_IO_TIMEOUT
 * when no complete record arrived in time (a partial one is kept), or a negative TLS_ERR_*. */
static int read_record(struct tls *tls, uint32_t timeout_ms)
{
    for (;;) {
        size_t need = 5;
        if (tls->record_filled >= 5) {
            size_t length = get16(tls->record + 3);
            if (length > 16384 + 256) {
                tls->record_filled = 0;
                return send_alert(tls, ALERT_RECORD_OVERFLOW);
            }
            need = 5 + length;
        }
        if (tls->record_filled >= need && need > 5) {
            break;
        }
        int got = tls->io.recv(tls->io.context, tls->record + tls->record_filled, need - tls->record_filled, timeout_ms);
        if (got == TLS_IO_TIMEOUT) {
            return TLS_IO_TIMEOUT;
        }
        if (got <= 0) {
            tls->connected = 0;
            return TLS_ERR_IO;
        }
        tls->record_filled += (size_t)got;
    }
    size_t length = get16(tls->record + 3);
    tls->record_filled = 0;
    tls->content_type = tls->record[0];
    tls->plain_offset = 5;
    tls->plain_length = length;
    if (tls->content_type == CONTENT_APPLICATION_DATA && tls->read_encrypted) {
        if (length < 17) {
            return send_alert(tls, ALERT_BAD_RECORD_MAC);
        }
        uint8_t nonce[12];
        traffic_nonce(&tls->read, nonce);
        size_t inner = length - 16;
        if (aes_gcm_decrypt(&tls->read.gcm, nonce, tls->record, 5, tls->record + 5, inner, tls->record + 5 + inner) != 0) {
            return send_alert(tls, ALERT_BAD_RECORD_MAC);
        }
        tls->read.sequence++;
        while (inner > 0 && tls->record[5 + inner - 1] == 0) {
            inner--; /* strip the padding of TLSInnerPlaintext */
        }
        if (inner == 0) {
            return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
        }
        tls->content_type = tls->record[5 + inner - 1];
        tls->plain_length = inner - 1;
    }
    return 1;
}

static int handle_alert(struct tls *tls)
{
    const uint8_t *alert = tls->record + tls->plain_offset;
    tls->plain_length = 0;
    int description = alert[1];
    tls->alert_received = description;
    tls->connected = 0;
    app_log("TLS alert received: %d %s\n", description, tls_alert_name(description));
    return description == ALERT_CLOSE_NOTIFY ? TLS_ERR_CLOSED : TLS_ERR_ALERT_RECEIVED;
}

/* ---- Handshake messages --------------------------------------------------------------------- */

/* Makes one whole handshake message available at tls->handshake; returns its type (and body). */
static int next_message(struct tls *tls, struct reader *body, size_t *total, uint32_t timeout_ms)
{
    for (;;) {
        if (tls->handshake_length >= 4) {
            size_t length = get24(tls->handshake + 1);
            if (length > TLS_HANDSHAKE_CAPACITY - 4) {
                app_log("TLS handshake message of %u bytes is too large\n", (unsigned)length);
                return send_alert(tls, ALERT_INTERNAL_ERROR);
            }
            if (tls->handshake_length >= 4 + length) {
                body->p = tls->handshake + 4;
                body->end = body->p + length;
                body->bad = 0;
                *total = 4 + length;
                return tls->handshake[0];
            }
        }
        int result = read_record(tls, timeout_ms);
        if (result == TLS_IO_TIMEOUT) {
            app_log("TLS timeout waiting for the server\n");
            return TLS_ERR_TIMEOUT;
        }
        if (result < 0) {
            if (result == TLS_ERR_IO) {
                app_log("TLS connection closed by the peer during the handshake\n");
            }
            return result;
        }
        switch (tls->content_type) {
        case CONTENT_HANDSHAKE:
            if (tls->handshake_length + tls->plain_length > TLS_HANDSHAKE_CAPACITY) {
                return send_alert(tls, ALERT_INTERNAL_ERROR);
            }
            memcpy(tls->handshake + tls->handshake_length, tls->record + tls->plain_offset, tls->plain_length);
            tls->handshake_length += tls->plain_length;
            tls->plain_length = 0;
            break;
        case CONTENT_ALERT:
            return handle_alert(tls);
        case CONTENT_CHANGE_CIPHER_SPEC:
            tls->plain_length = 0; /* middlebox compatibility (§D.4): ignored */
            break;
        default:
            tls->plain_length = 0;
            return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
        }
    }
}

static int transcript_add(struct tls *tls, const uint8_t *message, size_t length)
{
    if (tls->transcript_length + length > TLS_TRANSCRIPT_CAPACITY) {
        app_log("TLS transcript buffer full\n");
        return send_alert(tls, ALERT_INTERNAL_ERROR);
    }
    memcpy(tls->transcript + tls->transcript_length, message, length);
    tls->transcript_length += length;
    return TLS_OK;
}

/* Appends the current message to the transcript and drops it from the handshake buffer. */
static int consume_message(struct tls *tls, size_t total)
{
    int result = transcript_add(tls, tls->handshake, total);
    memmove(tls->handshake, tls->handshake + total, tls->handshake_length - total);
    tls->handshake_length -= total;
    return result;
}

static int send_handshake(struct tls *tls, const uint8_t *message, size_t length)
{
    int result = transcript_add(tls, message, length);
    if (result != TLS_OK) {
        return result;
    }
    return send_record(tls, CONTENT_HANDSHAKE, message, length);
}

static int send_client_hello(struct tls *tls)
{
    static uint8_t message[512];
    uint8_t *p = message + 4;
    p = put16(p, 0x0303);
    if (crypto_random(p, 32) != 0 || crypto_random(tls->session_id, 32) != 0) {
        app_log("TLS: RNG failure\n");
        return TLS_ERR_STATE;
    }
    p += 32;
    *p++ = 32; /* a legacy_session_id: middlebox compatibility mode (§D.4) */
    memcpy(p, tls->session_id, 32);
    p += 32;
    p = put16(p, 2);
    p = put16(p, CIPHER_TLS_AES_128_GCM_SHA256);
    *p++ = 1;
    *p++ = 0;
    uint8_t *extensions_length = p;
    p += 2;
    const char *name = tls->config->server_name;
    size_t name_length = name ? strlen(name) : 0;
    if (name_length > 0 && name_length < 200) {
        p = put16(p, EXT_SERVER_NAME);
        p = put16(p, (unsigned)(name_length + 5));
        p = put16(p, (unsigned)(name_length + 3));
        *p++ = 0; /* host_name */
        p = put16(p, (unsigned)name_length);
        memcpy(p, name, name_length);
        p += name_length;
    }
    p = put16(p, EXT_SUPPORTED_GROUPS);
    p = put16(p, 4);
    p = put16(p, 2);
    p = put16(p, GROUP_SECP256R1);
    unsigned scheme_count = sizeof offered_schemes / sizeof offered_schemes[0];
    p = put16(p, EXT_SIGNATURE_ALGORITHMS);
    p = put16(p, 2 + 2 * scheme_count);
    p = put16(p, 2 * scheme_count);
    for (unsigned i = 0; i < scheme_count; i++) {
        p = put16(p, offered_schemes[i]);
    }
#if TLS_OFFER_RSA_PSS
    /* Certificates in an RSA chain are usually signed with PKCS#1 v1.5, which the chain check
     * accepts (§4.2.3 signature_algorithms_cert). */
    p = put16(p, EXT_SIGNATURE_ALGORITHMS_CERT);
    p = put16(p, 2 + 2 * 3);
    p = put16(p, 2 * 3);
    p = put16(p, SCHEME_ECDSA_SECP256R1_SHA256);
    p = put16(p, SCHEME_RSA_PSS_RSAE_SHA256);
    p = put16(p, SCHEME_RSA_PKCS1_SHA256);
#endif
    p = put16(p, EXT_SUPPORTED_VERSIONS);
    p = put16(p, 3);
    *p++ = 2;
    p = put16(p, 0x0304);
    /* key_share with one secp256r1 share: a fresh ephemeral key from RNG + PKA. */
    uint8_t public_key[64];
    for (;;) {
        if (crypto_random(tls->ephemeral_key, 32) != 0) {
            return TLS_ERR_STATE;
        }
        if (memcmp(tls->ephemeral_key, p256_order, 32) < 0) {
            break;
        }
    }
    if (p256_public_key(tls->ephemeral_key, public_key) != 0) {
        app_log("TLS: PKA scalar multiplication failed\n");
        return TLS_ERR_STATE;
    }
    p = put16(p, EXT_KEY_SHARE);
    p = put16(p, 2 + 2 + 2 + 65);
    p = put16(p, 2 + 2 + 65);
    p = put16(p, GROUP_SECP256R1);
    p = put16(p, 65);
    *p++ = 4;
    memcpy(p, public_key, 64);
    p += 64;
    put16(extensions_length, (unsigned)(p - extensions_length - 2));
    size_t length = (size_t)(p - message);
    message[0] = HS_CLIENT_HELLO;
    put24(message + 1, length - 4);
    int result = send_handshake(tls, message, length);
    if (result == TLS_OK) {
        app_log("TLS ClientHello sent: TLS_AES_128_GCM_SHA256, secp256r1, signature_algorithms %s%s\n",
                tls_signature_scheme_name(offered_schemes[0]),
                TLS_OFFER_RSA_PSS ? " rsa_pss_rsae_sha256" : "");
    }
    return result;
}

static int process_server_hello(struct tls *tls, struct reader *r)
{
    take16(r);
    const uint8_t *random = take(r, 32);
    struct reader session = take_vector(r, 1);
    unsigned cipher = take16(r);
    unsigned compression = take8(r);
    struct reader extensions = take_vector(r, 2);
    if (r->bad || session.bad || extensions.bad) {
        return send_alert(tls, ALERT_DECODE_ERROR);
    }
    int hello_retry = memcmp(random, hello_retry_random, 32) == 0;
    unsigned version = 0, group = 0;
    const uint8_t *server_key = NULL;
    size_t server_key_length = 0;
    while (extensions.p < extensions.end && !extensions.bad) {
        unsigned type = take16(&extensions);
        struct reader data = take_vector(&extensions, 2);
        if (type == EXT_SUPPORTED_VERSIONS) {
            version = take16(&data);
        } else if (type == EXT_KEY_SHARE) {
            group = take16(&data);
            if (!hello_retry) {
                struct reader key = take_vector(&data, 2);
                server_key = key.p;
                server_key_length = key.bad ? 0 : (size_t)(key.end - key.p);
            }
        }
    }
    if (extensions.bad) {
        return send_alert(tls, ALERT_DECODE_ERROR);
    }
    if (version != 0x0304) {
        app_log("TLS server did not select TLS 1.3 (supported_versions %x)\n", version);
        return send_alert(tls, ALERT_PROTOCOL_VERSION);
    }
    if (hello_retry) {
        app_log("TLS HelloRetryRequest received (group %x): not supported\n", group);
        return send_alert(tls, ALERT_ILLEGAL_PARAMETER);
    }
    if (session.end - session.p != 32 || memcmp(session.p, tls->session_id, 32) != 0 ||
        cipher != CIPHER_TLS_AES_128_GCM_SHA256 || compression != 0) {
        return send_alert(tls, ALERT_ILLEGAL_PARAMETER);
    }
    if (group != GROUP_SECP256R1 || server_key == NULL) {
        return send_alert(tls, server_key == NULL ? ALERT_MISSING_EXTENSION : ALERT_ILLEGAL_PARAMETER);
    }
    if (server_key_length != 65 || server_key[0] != 4) {
        return send_alert(tls, ALERT_ILLEGAL_PARAMETER);
    }
    uint8_t shared_point[64];
    if (p256_scalar_multiply(tls->ephemeral_key, server_key + 1, shared_point) != 0) {
        app_log("TLS: ECDHE failed (server key share not on the curve?)\n");
        return send_alert(tls, ALERT_ILLEGAL_PARAMETER);
    }
    memset(tls->ephemeral_key, 0, 32);
    memcpy(tls->master_secret, shared_point, 32); /* the ECDHE secret, until derive_handshake_keys */
    app_log("TLS ServerHello: TLS 1.3, TLS_AES_128_GCM_SHA256, key share secp256r1\n");
    return TLS_OK;
}

static void derive_handshake_keys(struct tls *tls)
{
    /* master_secret holds the ECDHE shared secret (x) here; see process_server_hello. */
    uint8_t zeros[32] = {0}, early[32], empty_hash[32], derived[32], hash[32];
    hkdf_extract(zeros, zeros, early);
    sha256(NULL, 0, empty_hash);
    derive_secret(early, "derived", empty_hash, derived);
    hkdf_extract(derived, tls->master_secret, tls->handshake_secret);
    memset(tls->master_secret, 0, 32);
    transcript_hash(tls, hash);
    derive_secret(tls->handshake_secret, "c hs traffic", hash, tls->client_handshake_secret);
    derive_secret(tls->handshake_secret, "s hs traffic", hash, tls->server_handshake_secret);
    traffic_set(&tls->read, tls->server_handshake_secret);
    traffic_set(&tls->write, tls->client_handshake_secret);
    tls->read_encrypted = 1;
    tls->write_encrypted = 1;
}

static int check_validity(struct tls *tls, const struct x509_certificate *c, const char *role)
{
    uint32_t now = tls->config->now;
    if (now == 0) {
        return TLS_OK;
    }
    if ((int64_t)now < c->not_before || (int64_t)now > c->not_after) {
        app_log("TLS %s certificate '%s' is not valid at the current time\n", role, c->common_name);
        return send_alert(tls, ALERT_CERTIFICATE_EXPIRED);
    }
    return TLS_OK;
}

static int same_name(struct der_span a, struct der_span b)
{
    return a.length == b.length && memcmp(a.data, b.data, a.length) == 0;
}

#define CHAIN_MAX 4

static int process_certificate(struct tls *tls, struct reader *r)
{
    struct reader context = take_vector(r, 1);
    struct reader list = take_vector(r, 3);
    if (r->bad || context.bad || list.bad) {
        return send_alert(tls, ALERT_DECODE_ERROR);
    }
    static struct x509_certificate chain[CHAIN_MAX];
    static struct x509_certificate ca;
    unsigned count = 0;
    while (list.p < list.end) {
        struct reader data = take_vector(&list, 3);
        struct reader extensions = take_vector(&list, 2);
        if (data.bad || extensions.bad) {
            return send_alert(tls, ALERT_DECODE_ERROR);
        }
        if (count == CHAIN_MAX) {
            continue; /* extra certificates are not needed to reach our CA */
        }
        int parsed = x509_parse(data.p, (size_t)(data.end - data.p), &chain[count]);
        if (parsed != X509_OK) {
            app_log("TLS server certificate %u cannot be parsed (%d)\n", count, parsed);
            return send_alert(tls, parsed == X509_ERR_UNSUPPORTED ? ALERT_UNSUPPORTED_CERTIFICATE : ALERT_BAD_CERTIFICATE);
        }
        count++;
    }
    if (count == 0) {
        app_log("TLS server sent no certificate\n");
        return send_alert(tls, ALERT_DECODE_ERROR);
    }
    if (x509_parse(tls->config->ca_certificate, tls->config->ca_certificate_length, &ca) != X509_OK) {
        app_log("TLS provisioned CA certificate cannot be parsed\n");
        return send_alert(tls, ALERT_INTERNAL_ERROR);
    }
    const struct x509_certificate *leaf = &chain[0];
    app_log("TLS server certificate: CN=%s\n", leaf->common_name);
    /* Walk up from the leaf until a certificate issued by the CA. */
    unsigned index = 0;
    for (;;) {
        const struct x509_certificate *current = &chain[index];
        int result = check_validity(tls, current, index == 0 ? "server" : "intermediate");
        if (result != TLS_OK) {
            return result;
        }
        if (current->tbs.length == ca.tbs.length && memcmp(current->tbs.data, ca.tbs.data, ca.tbs.length) == 0) {
            break; /* the server sent our CA itself */
        }
        const struct x509_certificate *signer = NULL;
        if (same_name(current->issuer, ca.subject)) {
            signer = &ca;
        } else if (index + 1 < count && same_name(current->issuer, chain[index + 1].subject)) {
            signer = &chain[index + 1];
        } else {
            app_log("TLS certificate '%s' was not issued by the provisioned CA\n", current->common_name);
            return send_alert(tls, ALERT_UNKNOWN_CA);
        }
        int checked = x509_check_signature(current, signer);
        if (checked == -2) {
            app_log("TLS certificate '%s': unsupported signature algorithm\n", current->common_name);
            return send_alert(tls, ALERT_UNSUPPORTED_CERTIFICATE);
        }
        if (checked != 0) {
            app_log("TLS certificate '%s': signature check failed\n", current->common_name);
            return send_alert(tls, ALERT_DECRYPT_ERROR);
        }
        if (signer == &ca) {
            result = check_validity(tls, &ca, "CA");
            if (result != TLS_OK) {
                return result;
            }
            break;
        }
        index++;
    }
    if (tls->config->server_name && x509_match_host(leaf, tls->config->server_name) != 0) {
        app_log("TLS certificate host name mismatch: '%s' is not in the subjectAltName\n", tls->config->server_name);
        return send_alert(tls, ALERT_BAD_CERTIFICATE);
    }
    if (tls->config->now == 0) {
        app_log("TLS certificate validity dates not checked: no time\n");
    }
    app_log("TLS certificate chain verified\n");
    tls->server_key_type = leaf->key_type;
    if (leaf->key_type == X509_KEY_EC_P256) {
        memcpy(tls->server_ec_point, leaf->ec_point, 64);
    } else if (leaf->key_type == X509_KEY_RSA && leaf->rsa_modulus.length <= sizeof tls->server_rsa_modulus + 1 &&
               leaf->rsa_exponent.length <= sizeof tls->server_rsa_exponent) {
        struct der_span modulus = leaf->rsa_modulus;
        if (modulus.length > sizeof tls->server_rsa_modulus) {
            modulus.data++; /* the sign byte of the INTEGER */
            modulus.length--;
        }
        memcpy(tls->server_rsa_modulus, modulus.data, modulus.length);
        tls->server_rsa_modulus_length = modulus.length;
        memcpy(tls->server_rsa_exponent, leaf->rsa_exponent.data, leaf->rsa_exponent.length);
        tls->server_rsa_exponent_length = leaf->rsa_exponent.length;
    } else {
        return send_alert(tls, ALERT_UNSUPPORTED_CERTIFICATE);
    }
    return TLS_OK;
}

/* §4.4.3: the signed content is 64 spaces, a context string, a zero byte and the transcript hash. */
static void certificate_verify_hash(const struct tls *tls, const char *context, uint8_t hash[32])
{
    static const uint8_t spaces[64] = {
        ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
        ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
        ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
        ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    uint8_t transcript[32];
    transcript_hash(tls, transcript);
    struct crypto_part parts[3] = {
        {spaces, 64}, {(const uint8_t *)context, strlen(context) + 1}, {transcript, 32}};
    crypto_sha256(parts, 3, hash);
}

static int process_certificate_verify(struct tls *tls, struct reader *r)
{
    unsigned scheme = take16(r);
    struct reader signature = take_vector(r, 2);
    if (r->bad || signature.bad) {
        return send_alert(tls, ALERT_DECODE_ERROR);
    }
    int offered = 0;
    for (unsigned i = 0; i < sizeof offered_schemes / sizeof offered_schemes[0]; i++) {
        offered |= offered_schemes[i] == scheme;
    }
    if (!offered) {
        app_log("TLS server used signature scheme %x, which we did not offer\n", scheme);
        return send_alert(tls, ALERT_ILLEGAL_PARAMETER);
    }
    uint8_t hash[32];
    certificate_verify_hash(tls, "TLS 1.3, server CertificateVerify", hash);
    size_t signature_length = (size_t)(signature.end - signature.p);
    int valid = 0;
    if (scheme == SCHEME_ECDSA_SECP256R1_SHA256 && tls->server_key_type == X509_KEY_EC_P256) {
        uint8_t rr[32], ss[32];
        valid = der_ecdsa_signature_decode(signature.p, signature_length, rr, ss) == 0 &&
                p256_ecdsa_verify(tls->server_ec_point, hash, rr, ss) == 0;
    } else if (scheme == SCHEME_RSA_PSS_RSAE_SHA256 && tls->server_key_type == X509_KEY_RSA) {
        valid = rsa_pss_sha256_verify(tls->server_rsa_modulus, tls->server_rsa_modulus_length,
                                      tls->server_rsa_exponent, tls->server_rsa_exponent_length, hash, signature.p,
                                      signature_length) == 0;
    } else {
        app_log("TLS signature scheme %s does not match the server's key\n", tls_signature_scheme_name((uint16_t)scheme));
        return send_alert(tls, ALERT_ILLEGAL_PARAMETER);
    }
    if (!valid) {
        app_log("TLS server CertificateVerify signature is invalid\n");
        return send_alert(tls, ALERT_DECRYPT_ERROR);
    }
    tls->server_signature_scheme = (uint16_t)scheme;
    return TLS_OK;
}

static void finished_mac(const struct tls *tls, const uint8_t base_secret[32], uint8_t mac[32])
{
    uint8_t key[32], hash[32];
    hkdf_expand_label(base_secret, "finished", NULL, 0, key, 32);
    transcript_hash(tls, hash);
    hmac_sha256(key, 32, hash, 32, mac);
}

static int send_client_flight(struct tls *tls)
{
    /* §D.4: a ChangeCipherSpec before the second flight, always unencrypted. */
    static const uint8_t change_cipher_spec[6] = {CONTENT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
    int result = io_send_all(tls, change_cipher_spec, sizeof change_cipher_spec);
    if (result != TLS_OK) {
        return result;
    }
    if (tls->certificate_requested) {
        static uint8_t message[4 + 1 + 64 + 3 + 3 + 2048 + 2];
        const uint8_t *certificate = NULL;
        size_t certificate_length = 0;
#if defined(TLS_CLIENT_CERT) && TLS_CLIENT_CERT
        if (tls->config->client_certificate && tls->config->client_key &&
            tls->config->client_certificate_length <= 2048) {
            certificate = tls->config->client_certificate;
            certificate_length = tls->config->client_certificate_length;
        }
#endif
        uint8_t *p = message + 4;
        *p++ = (uint8_t)tls->certificate_request_context_length;
        memcpy(p, tls->certificate_request_context, tls->certificate_request_context_length);
        p += tls->certificate_request_context_length;
        p = put24(p, certificate ? certificate_length + 5 : 0);
        if (certificate) {
            p = put24(p, certificate_length);
            memcpy(p, certificate, certificate_length);
            p += certificate_length;
            p = put16(p, 0);
        }
        size_t length = (size_t)(p - message);
        message[0] = HS_CERTIFICATE;
        put24(message + 1, length - 4);
        if ((result = send_handshake(tls, message, length)) != TLS_OK) {
            return result;
        }
        if (certificate) {
            uint8_t hash[32], rr[32], ss[32], verify[4 + 4 + 72];
            certificate_verify_hash(tls, "TLS 1.3, client CertificateVerify", hash);
            if (p256_ecdsa_sign(tls->config->client_key, hash, rr, ss) != 0) {
                app_log("TLS: PKA ECDSA signature failed\n");
                return send_alert(tls, ALERT_INTERNAL_ERROR);
            }
            size_t signature_length = der_ecdsa_signature_encode(rr, ss, verify + 8);
            verify[0] = HS_CERTIFICATE_VERIFY;
            put24(verify + 1, 4 + signature_length);
            put16(verify + 4, SCHEME_ECDSA_SECP256R1_SHA256);
            put16(verify + 6, (unsigned)signature_length);
            if ((result = send_handshake(tls, verify, 8 + signature_length)) != TLS_OK) {
                return result;
            }
            tls->client_authenticated = 1;
            app_log("TLS client certificate sent\n");
        } else {
            app_log("TLS server asked for a client certificate; sending none\n");
        }
    }
    uint8_t finished[4 + 32];
    finished[0] = HS_FINISHED;
    put24(finished + 1, 32);
    finished_mac(tls, tls->client_handshake_secret, finished + 4);
    return send_handshake(tls, finished, sizeof finished);
}

int tls_connect(struct tls *tls, const struct tls_io *io, const struct tls_config *config)
{
    memset(tls, 0, sizeof *tls);
    tls->io = *io;
    tls->config = config;
    tls->alert_received = -1;
    tls->alert_sent = -1;
    uint32_t timeout = config->handshake_timeout_ms ? config->handshake_timeout_ms : 10000;
    int result = send_client_hello(tls);
    if (result != TLS_OK) {
        return result;
    }
    struct reader body;
    size_t total;
    int type = next_message(tls, &body, &total, timeout);
    if (type < 0) {
        return type;
    }
    if (type != HS_SERVER_HELLO) {
        return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
    }
    if ((result = process_server_hello(tls, &body)) != TLS_OK) {
        return result;
    }
    if ((result = consume_message(tls, total)) != TLS_OK) {
        return result;
    }
    if (tls->handshake_length != 0) {
        return send_alert(tls, ALERT_UNEXPECTED_MESSAGE); /* data after ServerHello in the same record */
    }
    derive_handshake_keys(tls);

    /* EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished */
    int expected = HS_ENCRYPTED_EXTENSIONS;
    for (;;) {
        type = next_message(tls, &body, &total, timeout);
        if (type < 0) {
            return type;
        }
        if (type == HS_CERTIFICATE_REQUEST && expected == HS_CERTIFICATE) {
            struct reader context = take_vector(&body, 1);
            if (context.bad || (size_t)(context.end - context.p) > sizeof tls->certificate_request_context) {
                return send_alert(tls, ALERT_DECODE_ERROR);
            }
            tls->certificate_requested = 1;
            tls->certificate_request_context_length = (size_t)(context.end - context.p);
            memcpy(tls->certificate_request_context, context.p, tls->certificate_request_context_length);
            app_log("TLS CertificateRequest received\n");
        } else if (type != expected) {
            app_log("TLS unexpected handshake message %d (expected %d)\n", type, expected);
            return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
        } else if (type == HS_ENCRYPTED_EXTENSIONS) {
            expected = HS_CERTIFICATE;
        } else if (type == HS_CERTIFICATE) {
            if ((result = process_certificate(tls, &body)) != TLS_OK) {
                return result;
            }
            expected = HS_CERTIFICATE_VERIFY;
        } else if (type == HS_CERTIFICATE_VERIFY) {
            if ((result = process_certificate_verify(tls, &body)) != TLS_OK) {
                return result;
            }
            expected = HS_FINISHED;
        } else if (type == HS_FINISHED) {
            uint8_t mac[32];
            finished_mac(tls, tls->server_handshake_secret, mac);
            if (total != 4 + 32 || crypto_compare(mac, tls->handshake + 4, 32) != 0) {
                app_log("TLS server Finished does not verify\n");
                return send_alert(tls, ALERT_DECRYPT_ERROR);
            }
            if ((result = consume_message(tls, total)) != TLS_OK) {
                return result;
            }
            break;
        }
        if ((result = consume_message(tls, total)) != TLS_OK) {
            return result;
        }
    }
    if (tls->handshake_length != 0) {
        return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
    }
    /* Application secrets from the transcript through the server Finished (§7.1). */
    uint8_t empty_hash[32], derived[32], zeros[32] = {0}, hash[32];
    uint8_t client_application[32], server_application[32];
    sha256(NULL, 0, empty_hash);
    derive_secret(tls->handshake_secret, "derived", empty_hash, derived);
    hkdf_extract(derived, zeros, tls->master_secret);
    transcript_hash(tls, hash);
    derive_secret(tls->master_secret, "c ap traffic", hash, client_application);
    derive_secret(tls->master_secret, "s ap traffic", hash, server_application);

    if ((result = send_client_flight(tls)) != TLS_OK) {
        return result;
    }
    traffic_set(&tls->write, client_application);
    traffic_set(&tls->read, server_application);
    tls->connected = 1;
    app_log("TLS handshake complete: TLS_AES_128_GCM_SHA256, secp256r1, server signature %s%s\n",
            tls_signature_scheme_name(tls->server_signature_scheme),
            tls->client_authenticated ? ", client certificate" : "");
    return TLS_OK;
}

int tls_write(struct tls *tls, const void *data, size_t length)
{
    if (!tls->connected) {
        return TLS_ERR_STATE;
    }
    int result = send_record(tls, CONTENT_APPLICATION_DATA, data, length);
    return result == TLS_OK ? (int)length : result;
}

static int process_post_handshake(struct tls *tls)
{
    if (tls->handshake_length + tls->plain_length > TLS_HANDSHAKE_CAPACITY) {
        return send_alert(tls, ALERT_INTERNAL_ERROR);
    }
    memcpy(tls->handshake + tls->handshake_length, tls->record + tls->plain_offset, tls->plain_length);
    tls->handshake_length += tls->plain_length;
    tls->plain_length = 0;
    while (tls->handshake_length >= 4) {
        size_t total = 4 + get24(tls->handshake + 1);
        if (total > TLS_HANDSHAKE_CAPACITY) {
            return send_alert(tls, ALERT_INTERNAL_ERROR);
        }
        if (tls->handshake_length < total) {
            break;
        }
        uint8_t type = tls->handshake[0];
        if (type == HS_KEY_UPDATE && total == 5) {
            int update_requested = tls->handshake[4] == 1;
            uint8_t next[32];
            hkdf_expand_label(tls->read.secret, "traffic upd", NULL, 0, next, 32);
            traffic_set(&tls->read, next);
            if (update_requested) {
                static const uint8_t key_update[5] = {HS_KEY_UPDATE, 0, 0, 1, 0};
                int result = send_record(tls, CONTENT_HANDSHAKE, key_update, 5);
                if (result != TLS_OK) {
                    return result;
                }
                hkdf_expand_label(tls->write.secret, "traffic upd", NULL, 0, next, 32);
                traffic_set(&tls->write, next);
            }
        } else if (type != HS_NEW_SESSION_TICKET) {
            return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
        }
        memmove(tls->handshake, tls->handshake + total, tls->handshake_length - total);
        tls->handshake_length -= total;
    }
    return TLS_OK;
}

int tls_read(struct tls *tls, void *buffer, size_t capacity, uint32_t timeout_ms)
{
    for (;;) {
        if (tls->plain_length > 0 && tls->content_type == CONTENT_APPLICATION_DATA) {
            size_t n = tls->plain_length < capacity ? tls->plain_length : capacity;
            memcpy(buffer, tls->record + tls->plain_offset, n);
            tls->plain_offset += n;
            tls->plain_length -= n;
            return (int)n;
        }
        if (!tls->connected) {
            return TLS_ERR_STATE;
        }
        int result = read_record(tls, timeout_ms);
        if (result == TLS_IO_TIMEOUT || result < 0) {
            return result;
        }
        switch (tls->content_type) {
        case CONTENT_APPLICATION_DATA:
            break;
        case CONTENT_HANDSHAKE:
            if ((result = process_post_handshake(tls)) != TLS_OK) {
                return result;
            }
            break;
        case CONTENT_ALERT:
            return handle_alert(tls);
        default:
            tls->plain_length = 0;
            return send_alert(tls, ALERT_UNEXPECTED_MESSAGE);
        }
    }
}

void tls_close(struct tls *tls)
{
    if (tls->connected) {
        send_alert(tls, ALERT_CLOSE_NOTIFY);
    }
    tls->connected = 0;
}
