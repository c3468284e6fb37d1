/*
 * mqtt-tls (issue #6): the NUCLEO-H563ZI as an MQTT-over-TLS-1.3 device. board_init, ETH + DHCP,
 * SNTP, DNS for the provisioned broker name, TCP, TLS 1.3 (crypto on PKA / HASH / RNG, AES-GCM
 * in software or on the H573's AES block), then MQTT: CONNECT, SUBSCRIBE h5sim/<id>/in, "hello N"
 * at QoS 1 to h5sim/<id>/out every interval, echo of .../in to .../out, DISCONNECT.
 *
 * Configuration comes from the provisioning block the harness writes at PROVISION_ADDRESS
 * (lib/tls13/provision.h). Every step is printed on the USART3 console; the exit code (through
 * semihosting) is one of the EXIT_* of session.h.
 */
#include "board.h"
#include "crypto.h"
#include "eth.h"
#include "net.h"
#include "semihosting.h"
#include "session.h"
#include <stdarg.h>
#include <string.h>

int h5_vsnprintf(char *buffer, unsigned size, const char *format, va_list args);

#if defined(USE_AES_PERIPHERAL) && USE_AES_PERIPHERAL
#define AES_PATH "AES peripheral"
#else
#define AES_PATH "software AES"
#endif
#if USE_PKA_FULL
#define PKA_PATH "P-256 on the PKA"
#else
#define PKA_PATH "P-256 in software, ECDSA verify on the PKA"
#endif
#if defined(TLS_CLIENT_CERT) && TLS_CLIENT_CERT
#define CLIENT_CERT_TEXT ", client certificate"
#else
#define CLIENT_CERT_TEXT ""
#endif

/* Sleeps until the next interrupt (the 1 kHz tick at the latest). Every build sleeps through the
 * ETH driver's millisecond waits (PHY reset, the second of autonegotiation), as an RTOS thread
 * would; the soak variant also sleeps in net_poll when no frame arrived, so the simulator skips
 * the idle time instead of executing a busy loop for an hour. */
static void wait_for_interrupt(void)
{
    __asm__ volatile("wfi");
}

/* Erased flash the harness overwrites; placed at PROVISION_ADDRESS by the cflags file. */
__attribute__((section(".h5_provision"), used, aligned(4)))
const uint8_t h5_provision_area[PROVISION_SIZE] = {[0 ... PROVISION_SIZE - 1] = 0xFF};

void app_log(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    console_vprintf(format, args);
    va_end(args);
}

static int finish(int code)
{
    app_log("mqtt-tls: exit %d\n", code);
    console_flush();
    sh_printf("mqtt-tls: exit %d\n", code);
    sh_exit(code);
}

static int net_send(void *context, const uint8_t *data, size_t length)
{
    return tcp_send(context, data, length, 5000);
}

static int net_recv(void *context, uint8_t *buffer, size_t capacity, uint32_t timeout_ms)
{
    int result = tcp_recv(context, buffer, capacity, timeout_ms);
    if (result == NET_ERR_TIMEOUT) {
        return TLS_IO_TIMEOUT;
    }
    return result;
}

/* Known-answer and round-trip checks of the crypto blocks, so a model fault shows up by name
 * rather than as a failed handshake. */
static int crypto_self_test(void)
{
    static const uint8_t abc_digest[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    /* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" */
    static const uint8_t hmac_expected[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    uint8_t digest[32];
    sha256("abc", 3, digest);
    if (memcmp(digest, abc_digest, 32) != 0) {
        app_log("crypto self-test: HASH SHA-256 known answer FAILED\n");
        return -1;
    }
    hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, digest);
    if (memcmp(digest, hmac_expected, 32) != 0) {
        app_log("crypto self-test: HASH HMAC-SHA256 known answer FAILED\n");
        return -1;
    }
    uint8_t key[32], public_key[64], r[32], s[32];
    do {
        crypto_random(key, 32);
    } while (memcmp(key, p256_order, 32) >= 0);
    if (p256_public_key(key, public_key) != 0) {
        app_log("crypto self-test: PKA ECC scalar multiplication FAILED\n");
        return -1;
    }
    if (p256_ecdsa_sign(key, abc_digest, r, s) != 0 || p256_ecdsa_verify(public_key, abc_digest, r, s) != 0) {
        app_log("crypto self-test: PKA ECDSA sign/verify round trip FAILED\n");
        return -1;
    }
    if (p256_ecdsa_verify(public_key, hmac_expected, r, s) == 0) {
        app_log("crypto self-test: PKA ECDSA accepted a wrong hash\n");
        return -1;
    }
    struct aes_gcm gcm;
    uint8_t gcm_key[16] = {0}, nonce[12] = {0}, tag[16];
    /* NIST GCM test case 2: zero key and nonce, one zero block. */
    static const uint8_t expected_ciphertext[16] = {0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92,
                                                    0xf3, 0x28, 0xc2, 0xb9, 0x71, 0xb2, 0xfe, 0x78};
    static const uint8_t expected_tag[16] = {0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec, 0x13, 0xbd,
                                             0xf5, 0x3a, 0x67, 0xb2, 0x12, 0x57, 0xbd, 0xdf};
    uint8_t block[16] = {0};
    aes_gcm_init(&gcm, gcm_key);
    aes_gcm_encrypt(&gcm, nonce, NULL, 0, block, 16, tag);
    if (memcmp(block, expected_ciphertext, 16) != 0 || memcmp(tag, expected_tag, 16) != 0) {
        app_log("crypto self-test: AES-GCM (" AES_PATH ") known answer FAILED\n");
        return -1;
    }
    app_log("crypto self-test: SHA-256, HMAC, ECDSA (" PKA_PATH "), AES-GCM (" AES_PATH ") ok\n");
    return 0;
}

int main(void)
{
    board_init();
    app_log("mqtt-tls: start (%s, %s, signature_algorithms %s%s)\n", AES_PATH, PKA_PATH,
            TLS_OFFER_RSA_PSS ? "ecdsa+rsa_pss" : "ecdsa only", CLIENT_CERT_TEXT);

    /* Read the block through a pointer the compiler cannot see through: its initial 0xFF
     * contents are not what the firmware finds at run time. */
    const uint8_t *block = h5_provision_area;
    __asm__ volatile("" : "+r"(block));
    static struct provision provision;
    int parsed = provision_parse(block, PROVISION_SIZE, &provision);
    if (parsed != PROVISION_OK) {
        app_log("provisioning: %s at 0x%x\n",
                parsed == PROVISION_ERR_EMPTY     ? "block empty (nothing written)"
                : parsed == PROVISION_ERR_MISSING ? "CA_CERT or BROKER_HOST missing"
                                                  : "bad format",
                (unsigned)PROVISION_ADDRESS);
        return finish(EXIT_PROVISION);
    }
    app_log("provisioning: broker %s:%u, client id %s, %u publications\n", provision.broker_host,
            provision.broker_port, provision.client_id, (unsigned)provision.publish_count);

    crypto_set_clock(board_ticks);
    if (crypto_init() != 0) {
        app_log("crypto: RNG/PKA initialisation failed\n");
        return finish(EXIT_CRYPTO);
    }
    if (crypto_self_test() != 0) {
        return finish(EXIT_CRYPTO);
    }

    net_set_clock(board_ticks);
    net_set_core_clock_hz(board_hclk_hz());
    net_set_log(console_printf);
#if defined(MQTT_SOAK) && MQTT_SOAK
    net_set_idle(wait_for_interrupt);
#else
    eth_set_idle(wait_for_interrupt);
#endif
    int result = net_init();
    if (result != NET_OK) {
        app_log("ETH init failed: %s\n", net_error_name(result));
        return finish(EXIT_NETWORK);
    }
    result = net_dhcp(15000);
    if (result != NET_OK) {
        app_log("DHCP failed: %s\n", net_error_name(result));
        return finish(EXIT_NETWORK);
    }
    const net_info_t *info = net_info();
    char text[3][16];
    app_log("DHCP bound: ip %s gateway %s dns %s\n", net_ip_to_string(info->ip, text[0]),
            net_ip_to_string(info->gateway, text[1]), net_ip_to_string(info->dns, text[2]));

    uint32_t unix_time = 0, time_at_ms = net_now_ms();
    uint32_t sntp_server = provision.sntp_server ? provision.sntp_server : info->gateway;
    result = sntp_get_time(sntp_server, &unix_time, 3000);
    if (result == NET_OK) {
        app_log("SNTP time %u\n", (unsigned)unix_time);
    } else if (provision.time) {
        unix_time = provision.time;
        app_log("SNTP failed (%s); using the provisioned time %u\n", net_error_name(result), (unsigned)unix_time);
    } else {
        app_log("SNTP failed (%s); certificate dates will not be checked\n", net_error_name(result));
    }
    time_at_ms = net_now_ms();

    uint32_t broker_ip = provision.broker_ip;
    if (broker_ip == 0) {
        if (provision.dns_server) {
            dns_set_server(provision.dns_server);
        }
        result = dns_resolve(provision.broker_host, &broker_ip, 5000);
        if (result != NET_OK) {
            app_log("DNS %s failed: %s\n", provision.broker_host, net_error_name(result));
            return finish(EXIT_NETWORK);
        }
        app_log("DNS %s -> %s\n", provision.broker_host, net_ip_to_string(broker_ip, text[0]));
    }

    tcp_socket_t *socket = NULL;
    result = tcp_connect(&socket, broker_ip, provision.broker_port, 10000);
    if (result != NET_OK) {
        app_log("TCP connect to %s:%u failed: %s\n", net_ip_to_string(broker_ip, text[0]), provision.broker_port,
                net_error_name(result));
        return finish(EXIT_NETWORK);
    }
    app_log("TCP connected to %s:%u\n", net_ip_to_string(broker_ip, text[0]), provision.broker_port);

    if (unix_time != 0) {
        unix_time += (net_now_ms() - time_at_ms) / 1000;
    }
    struct tls_io io = {socket, net_send, net_recv};
    int code = mqtt_tls_session(&provision, &io, unix_time, net_now_ms);
    tcp_close(socket, 2000);
    return finish(code);
}
