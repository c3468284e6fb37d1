/*
 * A minimal DER / X.509 v3 reader (RFC 5280, ITU-T X.690): enough to check a server's chain
 * against one trusted CA — signature (ECDSA P-256 / RSA PKCS#1 v1.5 with SHA-256), validity
 * dates, subjectAltName dNSName — and to take the leaf's public key.
 */
#ifndef H5_X509_H
#define H5_X509_H
#include <stddef.h>
#include <stdint.h>

struct der_span {
    const uint8_t *data;
    size_t length;
};

enum x509_key_type { X509_KEY_NONE, X509_KEY_EC_P256, X509_KEY_RSA };
enum x509_signature_type { X509_SIG_UNKNOWN, X509_SIG_ECDSA_SHA256, X509_SIG_RSA_PKCS1_SHA256 };

struct x509_certificate {
    struct der_span tbs;       /* the signed part, tag and length included */
    struct der_span issuer;    /* Name, tag and length included: compared byte for byte */
    struct der_span subject;
    int64_t not_before, not_after; /* seconds since 1970 (UTC) */
    enum x509_key_type key_type;
    uint8_t ec_point[64];      /* X || Y for X509_KEY_EC_P256 */
    struct der_span rsa_modulus, rsa_exponent;
    enum x509_signature_type signature_type;
    struct der_span signature; /* BIT STRING contents without the unused-bits byte */
    struct der_span subject_alt_names; /* GeneralNames SEQUENCE contents, empty when absent */
    int is_ca;
    char common_name[64];      /* subject CN, for messages */
};

/* Result codes. */
#define X509_OK 0
#define X509_ERR_PARSE (-1)
#define X509_ERR_UNSUPPORTED (-2)

int x509_parse(const uint8_t *der, size_t length, struct x509_certificate *certificate);
/* 0 when `signer`'s key verifies `certificate`'s signature. */
int x509_check_signature(const struct x509_certificate *certificate, const struct x509_certificate *signer);
/* 0 when host matches a dNSName of the subjectAltName (case-insensitive, "*." on the left label). */
int x509_match_host(const struct x509_certificate *certificate, const char *host);

/* DER helpers used by the TLS layer for ECDSA signatures. */
struct der_reader {
    const uint8_t *p, *end;
};
/* Reads one element of `tag`; 0 on success. */
int der_read(struct der_reader *reader, uint8_t tag, struct der_span *contents);
/* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } into 32-byte r and s. */
int der_ecdsa_signature_decode(const uint8_t *der, size_t length, uint8_t r[32], uint8_t s[32]);
/* The reverse; returns the encoded length (at most 72). */
size_t der_ecdsa_signature_encode(const uint8_t r[32], const uint8_t s[32], uint8_t out[72]);

#endif
