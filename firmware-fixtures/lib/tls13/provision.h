/*
 * Provisioning data for the mqtt-tls fixture: what a real device would keep in a protected flash
 * sector (trust anchor, client identity, broker address), written by the test harness into the
 * simulator's flash before reset.
 *
 * WHERE
 *   The ELF reserves PROVISION_ADDRESS .. +PROVISION_SIZE (8 KiB, the last two 4-KiB-aligned
 *   pages of bank 2: 0x081FE000..0x081FFFFF) as section ".h5_provision", filled with 0xFF
 *   (erased flash). The host writes the block below at PROVISION_ADDRESS through the
 *   simulator's memory API after loading the ELF and before running it, or bakes it into a copy
 *   of the ELF: arm-none-eabi-objcopy --update-section .h5_provision=block8k.bin in.elf out.elf
 *   (block padded to 8 KiB with 0xFF; host-test/make-provision.py --elf does this).
 *
 * FORMAT (all integers little-endian)
 *   offset 0   4 bytes  magic "H5PV" (0x48 0x35 0x50 0x56)
 *   offset 4   u16      format version = 1
 *   offset 6   u16      total length of the item area that follows (bytes)
 *   offset 8   items, back to back, no padding:
 *                u8   type (PROVISION_* below)
 *                u16  value length
 *                ...  value
 *              An item of type 0x00 or 0xFF, or the end of the item area, ends the list.
 *   Unknown types are skipped (forward compatible). A type given twice: the last one wins.
 *
 * ITEMS
 *   0x01 CA_CERT        DER X.509 certificate of the one trusted CA (required)
 *   0x02 CLIENT_CERT    DER X.509 client certificate (mutual TLS, "mtls" variants)
 *   0x03 CLIENT_KEY     32-byte big-endian P-256 private scalar of the client certificate
 *   0x04 BROKER_HOST    broker host name, ASCII, no NUL (SNI, DNS query, SAN check) (required)
 *   0x05 BROKER_PORT    u16 TCP port (default 8883)
 *   0x06 CLIENT_ID      MQTT client id, ASCII (default "h5sim"); topics are h5sim/<id>/in|out
 *   0x07 PUBLISH_COUNT  u32 number of "hello N" messages (default 3; 0 = forever)
 *   0x08 USERNAME       MQTT user name, ASCII (optional)
 *   0x09 PASSWORD       MQTT password, bytes (optional)
 *   0x0A BROKER_IP      4 bytes, IPv4 in network order: skip DNS and connect here (optional)
 *   0x0B KEEP_ALIVE     u16 MQTT keep-alive seconds (default 60)
 *   0x0C TIME           u32 Unix time to use when SNTP gives no answer (optional)
 *   0x0D INTERVAL_MS    u32 milliseconds between publications (default 1000)
 *   0x0E SNTP_SERVER    4 bytes, IPv4 in network order (default: the DHCP gateway)
 *   0x0F ECHO_WAIT_MS   u32 how long to keep echoing after the last publication (default 2000)
 *   0x10 DNS_SERVER     4 bytes, IPv4 in network order (default: from DHCP)
 */
#ifndef H5_PROVISION_H
#define H5_PROVISION_H
#include <stddef.h>
#include <stdint.h>

#define PROVISION_ADDRESS 0x081FE000u
#define PROVISION_SIZE 8192u
#define PROVISION_MAGIC "H5PV"
#define PROVISION_VERSION 1

enum provision_type {
    PROVISION_END = 0x00,
    PROVISION_CA_CERT = 0x01,
    PROVISION_CLIENT_CERT = 0x02,
    PROVISION_CLIENT_KEY = 0x03,
    PROVISION_BROKER_HOST = 0x04,
    PROVISION_BROKER_PORT = 0x05,
    PROVISION_CLIENT_ID = 0x06,
    PROVISION_PUBLISH_COUNT = 0x07,
    PROVISION_USERNAME = 0x08,
    PROVISION_PASSWORD = 0x09,
    PROVISION_BROKER_IP = 0x0A,
    PROVISION_KEEP_ALIVE = 0x0B,
    PROVISION_TIME = 0x0C,
    PROVISION_INTERVAL_MS = 0x0D,
    PROVISION_SNTP_SERVER = 0x0E,
    PROVISION_ECHO_WAIT_MS = 0x0F,
    PROVISION_DNS_SERVER = 0x10,
    PROVISION_ERASED = 0xFF,
};

/* The parsed items. Byte strings point into the provisioning block; text is copied NUL-ended. */
struct provision {
    const uint8_t *ca_cert;
    size_t ca_cert_length;
    const uint8_t *client_cert;
    size_t client_cert_length;
    const uint8_t *client_key; /* 32 bytes or NULL */
    char broker_host[128];
    uint16_t broker_port;
    char client_id[64];
    uint32_t publish_count;
    char username[64];
    char password[64];
    int has_username, has_password;
    uint32_t broker_ip;   /* host order; 0 = resolve broker_host */
    uint16_t keep_alive;
    uint32_t time;        /* 0 = none */
    uint32_t interval_ms;
    uint32_t sntp_server; /* host order; 0 = gateway */
    uint32_t echo_wait_ms;
    uint32_t dns_server;  /* host order; 0 = from DHCP */
};

/* Result codes. */
#define PROVISION_OK 0
#define PROVISION_ERR_EMPTY (-1)   /* erased flash: nothing was written */
#define PROVISION_ERR_FORMAT (-2)  /* bad magic, version or lengths */
#define PROVISION_ERR_MISSING (-3) /* CA_CERT or BROKER_HOST absent */

/* Parses a block (normally the one at PROVISION_ADDRESS); fills defaults first. */
int provision_parse(const uint8_t *block, size_t size, struct provision *out);

#endif
