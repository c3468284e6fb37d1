/* Minimal DER / X.509 reader: see x509.h. */
#include "x509.h"
#include "crypto.h"
#include <string.h>

static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_prime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_rsa_encryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t oid_rsa_sha256[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
static const uint8_t oid_subject_alt_name[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_common_name[] = {0x55, 0x04, 0x03};

/* Reads any element: its tag, its contents and the whole element (header included). */
static int der_read_any(struct der_reader *reader, uint8_t *tag, struct der_span *contents, struct der_span *whole)
{
    const uint8_t *start = reader->p;
    if (reader->end - reader->p < 2) {
        return -1;
    }
    *tag = *reader->p++;
    size_t length = *reader->p++;
    if (length & 0x80) {
        unsigned count = length & 0x7f;
        if (count == 0 || count > 3 || (size_t)(reader->end - reader->p) < count) {
            return -1;
        }
        length = 0;
        while (count--) {
            length = length << 8 | *reader->p++;
        }
    }
    if ((size_t)(reader->end - reader->p) < length) {
        return -1;
    }
    contents->data = reader->p;
    contents->length = length;
    reader->p += length;
    if (whole) {
        whole->data = start;
        whole->length = (size_t)(reader->p - start);
    }
    return 0;
}

int der_read(struct der_reader *reader, uint8_t tag, struct der_span *contents)
{
    struct der_reader saved = *reader;
    uint8_t actual;
    if (der_read_any(reader, &actual, contents, NULL) != 0 || actual != tag) {
        *reader = saved;
        return -1;
    }
    return 0;
}

static int der_read_whole(struct der_reader *reader, uint8_t tag, struct der_span *whole)
{
    struct der_span contents;
    uint8_t actual;
    struct der_reader saved = *reader;
    if (der_read_any(reader, &actual, &contents, whole) != 0 || actual != tag) {
        *reader = saved;
        return -1;
    }
    return 0;
}

static int span_equals(struct der_span span, const uint8_t *value, size_t length)
{
    return span.length == length && memcmp(span.data, value, length) == 0;
}

static struct der_reader reader_of(struct der_span span)
{
    struct der_reader reader = {span.data, span.data + span.length};
    return reader;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based computation). */
static int64_t days_from_civil(int year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    unsigned year_of_era = (unsigned)(year - era * 400);
    unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

static int digits(const uint8_t *p, unsigned count, int *value)
{
    *value = 0;
    for (unsigned i = 0; i < count; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        *value = *value * 10 + (p[i] - '0');
    }
    return 0;
}

static int parse_time(struct der_reader *reader, int64_t *seconds)
{
    uint8_t tag;
    struct der_span text;
    if (der_read_any(reader, &tag, &text, NULL) != 0) {
        return -1;
    }
    const uint8_t *p = text.data;
    int year, month, day, hour, minute, second;
    if (tag == 0x17 && text.length == 13 && p[12] == 'Z') { /* UTCTime YYMMDDHHMMSSZ */
        if (digits(p, 2, &year) != 0) {
            return -1;
        }
        year += year < 50 ? 2000 : 1900;
        p += 2;
    } else if (tag == 0x18 && text.length == 15 && p[14] == 'Z') { /* GeneralizedTime */
        if (digits(p, 4, &year) != 0) {
            return -1;
        }
        p += 4;
    } else {
        return -1;
    }
    if (digits(p, 2, &month) || digits(p + 2, 2, &day) || digits(p + 4, 2, &hour) || digits(p + 6, 2, &minute) ||
        digits(p + 8, 2, &second)) {
        return -1;
    }
    *seconds = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hour * 3600 + minute * 60 + second;
    return 0;
}

static void take_common_name(struct der_span name, char *out, size_t size)
{
    out[0] = '\0';
    struct der_reader rdns = reader_of(name);
    struct der_span set, attribute, oid, value;
    uint8_t tag;
    while (der_read(&rdns, 0x31, &set) == 0) {
        struct der_reader in_set = reader_of(set);
        while (der_read(&in_set, 0x30, &attribute) == 0) {
            struct der_reader in_attribute = reader_of(attribute);
            if (der_read(&in_attribute, 0x06, &oid) != 0 || der_read_any(&in_attribute, &tag, &value, NULL) != 0) {
                break;
            }
            if (span_equals(oid, oid_common_name, sizeof oid_common_name)) {
                size_t n = value.length < size - 1 ? value.length : size - 1;
                memcpy(out, value.data, n);
                out[n] = '\0';
            }
        }
    }
}

static int parse_public_key(struct der_span spki, struct x509_certificate *c)
{
    struct der_reader reader = reader_of(spki);
    struct der_span algorithm, oid, bits;
    if (der_read(&reader, 0x30, &algorithm) != 0 || der_read(&reader, 0x03, &bits) != 0 || bits.length < 1 ||
        bits.data[0] != 0) {
        return X509_ERR_PARSE;
    }
    struct der_reader in_algorithm = reader_of(algorithm);
    if (der_read(&in_algorithm, 0x06, &oid) != 0) {
        return X509_ERR_PARSE;
    }
    if (span_equals(oid, oid_ec_public_key, sizeof oid_ec_public_key)) {
        struct der_span curve;
        if (der_read(&in_algorithm, 0x06, &curve) != 0 || !span_equals(curve, oid_prime256v1, sizeof oid_prime256v1)) {
            return X509_ERR_UNSUPPORTED;
        }
        if (bits.length != 66 || bits.data[1] != 0x04) {
            return X509_ERR_UNSUPPORTED; /* only uncompressed points */
        }
        memcpy(c->ec_point, bits.data + 2, 64);
        c->key_type = X509_KEY_EC_P256;
        return X509_OK;
    }
    if (span_equals(oid, oid_rsa_encryption, sizeof oid_rsa_encryption)) {
        struct der_reader key = {bits.data + 1, bits.data + bits.length};
        struct der_span sequence;
        if (der_read(&key, 0x30, &sequence) != 0) {
            return X509_ERR_PARSE;
        }
        struct der_reader numbers = reader_of(sequence);
        if (der_read(&numbers, 0x02, &c->rsa_modulus) != 0 || der_read(&numbers, 0x02, &c->rsa_exponent) != 0) {
            return X509_ERR_PARSE;
        }
        c->key_type = X509_KEY_RSA;
        return X509_OK;
    }
    return X509_ERR_UNSUPPORTED;
}

static int parse_extensions(struct der_span extensions, struct x509_certificate *c)
{
    struct der_reader outer = reader_of(extensions);
    struct der_span list, extension, oid, value, critical;
    if (der_read(&outer, 0x30, &list) != 0) {
        return X509_ERR_PARSE;
    }
    struct der_reader reader = reader_of(list);
    while (reader.p < reader.end) {
        if (der_read(&reader, 0x30, &extension) != 0) {
            return X509_ERR_PARSE;
        }
        struct der_reader in_extension = reader_of(extension);
        if (der_read(&in_extension, 0x06, &oid) != 0) {
            return X509_ERR_PARSE;
        }
        der_read(&in_extension, 0x01, &critical);
        if (der_read(&in_extension, 0x04, &value) != 0) {
            return X509_ERR_PARSE;
        }
        struct der_reader in_value = reader_of(value);
        struct der_span inner;
        if (span_equals(oid, oid_subject_alt_name, sizeof oid_subject_alt_name)) {
            if (der_read(&in_value, 0x30, &inner) != 0) {
                return X509_ERR_PARSE;
            }
            c->subject_alt_names = inner;
        } else if (span_equals(oid, oid_basic_constraints, sizeof oid_basic_constraints)) {
            struct der_span flag;
            if (der_read(&in_value, 0x30, &inner) != 0) {
                return X509_ERR_PARSE;
            }
            struct der_reader in_constraints = reader_of(inner);
            if (der_read(&in_constraints, 0x01, &flag) == 0 && flag.length == 1 && flag.data[0] != 0) {
                c->is_ca = 1;
            }
        }
    }
    return X509_OK;
}

int x509_parse(const uint8_t *der, size_t length, struct x509_certificate *c)
{
    memset(c, 0, sizeof *c);
    struct der_reader top = {der, der + length};
    struct der_span certificate, algorithm, oid, bits, version, serial, inner_algorithm, validity, spki, extensions;
    if (der_read(&top, 0x30, &certificate) != 0) {
        return X509_ERR_PARSE;
    }
    struct der_reader reader = reader_of(certificate);
    if (der_read_whole(&reader, 0x30, &c->tbs) != 0 || der_read(&reader, 0x30, &algorithm) != 0 ||
        der_read(&reader, 0x03, &bits) != 0 || bits.length < 2 || bits.data[0] != 0) {
        return X509_ERR_PARSE;
    }
    c->signature.data = bits.data + 1;
    c->signature.length = bits.length - 1;
    struct der_reader in_algorithm = reader_of(algorithm);
    if (der_read(&in_algorithm, 0x06, &oid) != 0) {
        return X509_ERR_PARSE;
    }
    if (span_equals(oid, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256)) {
        c->signature_type = X509_SIG_ECDSA_SHA256;
    } else if (span_equals(oid, oid_rsa_sha256, sizeof oid_rsa_sha256)) {
        c->signature_type = X509_SIG_RSA_PKCS1_SHA256;
    }

    struct der_reader tbs = {c->tbs.data, c->tbs.data + c->tbs.length};
    struct der_span tbs_contents;
    if (der_read(&tbs, 0x30, &tbs_contents) != 0) {
        return X509_ERR_PARSE;
    }
    struct der_reader fields = reader_of(tbs_contents);
    der_read(&fields, 0xa0, &version);
    if (der_read(&fields, 0x02, &serial) != 0 || der_read(&fields, 0x30, &inner_algorithm) != 0 ||
        der_read_whole(&fields, 0x30, &c->issuer) != 0 || der_read(&fields, 0x30, &validity) != 0 ||
        der_read_whole(&fields, 0x30, &c->subject) != 0 || der_read(&fields, 0x30, &spki) != 0) {
        return X509_ERR_PARSE;
    }
    struct der_reader in_validity = reader_of(validity);
    if (parse_time(&in_validity, &c->not_before) != 0 || parse_time(&in_validity, &c->not_after) != 0) {
        return X509_ERR_PARSE;
    }
    struct der_span subject_contents = {c->subject.data, c->subject.length};
    struct der_reader subject_reader = reader_of(subject_contents);
    struct der_span name;
    if (der_read(&subject_reader, 0x30, &name) == 0) {
        take_common_name(name, c->common_name, sizeof c->common_name);
    }
    int result = parse_public_key(spki, c);
    if (result != X509_OK) {
        return result;
    }
    struct der_span skipped;
    der_read(&fields, 0x81, &skipped);
    der_read(&fields, 0x82, &skipped);
    if (der_read(&fields, 0xa3, &extensions) == 0) {
        return parse_extensions(extensions, c);
    }
    return X509_OK;
}

int der_ecdsa_signature_decode(const uint8_t *der, size_t length, uint8_t r[32], uint8_t s[32])
{
    struct der_reader top = {der, der + length};
    struct der_span sequence, integers[2];
    if (der_read(&top, 0x30, &sequence) != 0 || top.p != top.end) {
        return -1;
    }
    struct der_reader reader = reader_of(sequence);
    if (der_read(&reader, 0x02, &integers[0]) != 0 || der_read(&reader, 0x02, &integers[1]) != 0 ||
        reader.p != reader.end) {
        return -1;
    }
    uint8_t *outputs[2] = {r, s};
    for (unsigned i = 0; i < 2; i++) {
        struct der_span v = integers[i];
        while (v.length > 0 && v.data[0] == 0) {
            v.data++;
            v.length--;
        }
        if (v.length > 32) {
            return -1;
        }
        memset(outputs[i], 0, 32);
        memcpy(outputs[i] + 32 - v.length, v.data, v.length);
    }
    return 0;
}

static size_t encode_integer(const uint8_t value[32], uint8_t *out)
{
    unsigned skip = 0;
    while (skip < 31 && value[skip] == 0) {
        skip++;
    }
    size_t length = 32 - skip;
    int pad = (value[skip] & 0x80) != 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(length + pad);
    if (pad) {
        out[2] = 0;
    }
    memcpy(out + 2 + pad, value + skip, length);
    return 2 + pad + length;
}

size_t der_ecdsa_signature_encode(const uint8_t r[32], const uint8_t s[32], uint8_t out[72])
{
    size_t length = encode_integer(r, out + 2);
    length += encode_integer(s, out + 2 + length);
    out[0] = 0x30;
    out[1] = (uint8_t)length;
    return 2 + length;
}

int x509_check_signature(const struct x509_certificate *certificate, const struct x509_certificate *signer)
{
    uint8_t hash[32];
    sha256(certificate->tbs.data, certificate->tbs.length, hash);
    if (certificate->signature_type == X509_SIG_ECDSA_SHA256 && signer->key_type == X509_KEY_EC_P256) {
        uint8_t r[32], s[32];
        if (der_ecdsa_signature_decode(certificate->signature.data, certificate->signature.length, r, s) != 0) {
            return -1;
        }
        return p256_ecdsa_verify(signer->ec_point, hash, r, s) == 0 ? 0 : -1;
    }
    if (certificate->signature_type == X509_SIG_RSA_PKCS1_SHA256 && signer->key_type == X509_KEY_RSA) {
        return rsa_pkcs1_sha256_verify(signer->rsa_modulus.data, signer->rsa_modulus.length,
                                       signer->rsa_exponent.data, signer->rsa_exponent.length, hash,
                                       certificate->signature.data, certificate->signature.length);
    }
    return -2;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int names_equal(const uint8_t *a, size_t a_length, const char *b, size_t b_length)
{
    if (a_length != b_length) {
        return 0;
    }
    for (size_t i = 0; i < a_length; i++) {
        if (lower(a[i]) != lower((unsigned char)b[i])) {
            return 0;
        }
    }
    return 1;
}

int x509_match_host(const struct x509_certificate *certificate, const char *host)
{
    size_t host_length = strlen(host);
    struct der_reader reader = reader_of(certificate->subject_alt_names);
    while (reader.p < reader.end) {
        uint8_t tag;
        struct der_span name;
        if (der_read_any(&reader, &tag, &name, NULL) != 0) {
            return -1;
        }
        if (tag != 0x82) {
            continue; /* not a dNSName */
        }
        if (names_equal(name.data, name.length, host, host_length)) {
            return 0;
        }
        if (name.length > 2 && name.data[0] == '*' && name.data[1] == '.') {
            const char *dot = strchr(host, '.');
            if (dot && dot != host && names_equal(name.data + 1, name.length - 1, dot, strlen(dot))) {
                return 0;
            }
        }
    }
    return -1;
}
