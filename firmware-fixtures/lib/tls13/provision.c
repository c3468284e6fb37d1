/* Parser of the provisioning block described in provision.h. */
#include "provision.h"
#include <string.h>

static uint32_t little_endian(const uint8_t *p, size_t length)
{
    uint32_t v = 0;
    for (size_t i = length; i > 0; i--) {
        v = v << 8 | p[i - 1];
    }
    return v;
}

static uint32_t big_endian_ip(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void copy_text(char *out, size_t capacity, const uint8_t *value, size_t length)
{
    if (length >= capacity) {
        length = capacity - 1;
    }
    memcpy(out, value, length);
    out[length] = '\0';
}

int provision_parse(const uint8_t *block, size_t size, struct provision *out)
{
    memset(out, 0, sizeof *out);
    out->broker_port = 8883;
    strcpy(out->client_id, "h5sim");
    out->publish_count = 3;
    out->keep_alive = 60;
    out->interval_ms = 1000;
    out->echo_wait_ms = 2000;
    if (size < 8) {
        return PROVISION_ERR_FORMAT;
    }
    if (block[0] == 0xff && block[1] == 0xff && block[2] == 0xff && block[3] == 0xff) {
        return PROVISION_ERR_EMPTY;
    }
    if (memcmp(block, PROVISION_MAGIC, 4) != 0 || little_endian(block + 4, 2) != PROVISION_VERSION) {
        return PROVISION_ERR_FORMAT;
    }
    size_t area = little_endian(block + 6, 2);
    if (area > size - 8) {
        return PROVISION_ERR_FORMAT;
    }
    const uint8_t *p = block + 8, *end = p + area;
    while (end - p >= 3) {
        uint8_t type = p[0];
        size_t length = little_endian(p + 1, 2);
        if (type == PROVISION_END || type == PROVISION_ERASED) {
            break;
        }
        const uint8_t *value = p + 3;
        if ((size_t)(end - value) < length) {
            return PROVISION_ERR_FORMAT;
        }
        p = value + length;
        switch (type) {
        case PROVISION_CA_CERT:
            out->ca_cert = value;
            out->ca_cert_length = length;
            break;
        case PROVISION_CLIENT_CERT:
            out->client_cert = value;
            out->client_cert_length = length;
            break;
        case PROVISION_CLIENT_KEY:
            if (length != 32) {
                return PROVISION_ERR_FORMAT;
            }
            out->client_key = value;
            break;
        case PROVISION_BROKER_HOST:
            copy_text(out->broker_host, sizeof out->broker_host, value, length);
            break;
        case PROVISION_BROKER_PORT:
            out->broker_port = (uint16_t)little_endian(value, length < 2 ? length : 2);
            break;
        case PROVISION_CLIENT_ID:
            copy_text(out->client_id, sizeof out->client_id, value, length);
            break;
        case PROVISION_PUBLISH_COUNT:
            out->publish_count = little_endian(value, length < 4 ? length : 4);
            break;
        case PROVISION_USERNAME:
            copy_text(out->username, sizeof out->username, value, length);
            out->has_username = 1;
            break;
        case PROVISION_PASSWORD:
            copy_text(out->password, sizeof out->password, value, length);
            out->has_password = 1;
            break;
        case PROVISION_BROKER_IP:
            if (length == 4) {
                out->broker_ip = big_endian_ip(value);
            }
            break;
        case PROVISION_KEEP_ALIVE:
            out->keep_alive = (uint16_t)little_endian(value, length < 2 ? length : 2);
            break;
        case PROVISION_TIME:
            out->time = little_endian(value, length < 4 ? length : 4);
            break;
        case PROVISION_INTERVAL_MS:
            out->interval_ms = little_endian(value, length < 4 ? length : 4);
            break;
        case PROVISION_SNTP_SERVER:
            if (length == 4) {
                out->sntp_server = big_endian_ip(value);
            }
            break;
        case PROVISION_ECHO_WAIT_MS:
            out->echo_wait_ms = little_endian(value, length < 4 ? length : 4);
            break;
        case PROVISION_DNS_SERVER:
            if (length == 4) {
                out->dns_server = big_endian_ip(value);
            }
            break;
        default:
            break;
        }
    }
    if (out->ca_cert == NULL || out->broker_host[0] == '\0') {
        return PROVISION_ERR_MISSING;
    }
    return PROVISION_OK;
}
