// Code points of the IANA TLS registries (RFC 8446 §4.2, §6 and the registries it points to):
// enough to name what embedded clients and common brokers offer.

const cipherSuites = new Map<number, string>([
  [0x1301, 'TLS_AES_128_GCM_SHA256'], [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'], [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'], [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'], [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'], [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'], [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'], [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'], [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'], [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'], [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'], [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'], [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'], [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'], [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM'], [0xc0ae, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'],
  [0x00ff, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV'], [0x5600, 'TLS_FALLBACK_SCSV'],
]);

const groups = new Map<number, string>([
  [0x0017, 'secp256r1'], [0x0018, 'secp384r1'], [0x0019, 'secp521r1'], [0x001d, 'x25519'], [0x001e, 'x448'],
  [0x001a, 'brainpoolP256r1'], [0x001b, 'brainpoolP384r1'], [0x001c, 'brainpoolP512r1'],
  [0x0100, 'ffdhe2048'], [0x0101, 'ffdhe3072'], [0x0102, 'ffdhe4096'], [0x0103, 'ffdhe6144'], [0x0104, 'ffdhe8192'],
  [0x11ec, 'X25519MLKEM768'], [0x6399, 'X25519Kyber768Draft00'],
]);

const signatureSchemes = new Map<number, string>([
  [0x0401, 'rsa_pkcs1_sha256'], [0x0501, 'rsa_pkcs1_sha384'], [0x0601, 'rsa_pkcs1_sha512'],
  [0x0403, 'ecdsa_secp256r1_sha256'], [0x0503, 'ecdsa_secp384r1_sha384'], [0x0603, 'ecdsa_secp521r1_sha512'],
  [0x0804, 'rsa_pss_rsae_sha256'], [0x0805, 'rsa_pss_rsae_sha384'], [0x0806, 'rsa_pss_rsae_sha512'],
  [0x0807, 'ed25519'], [0x0808, 'ed448'],
  [0x0809, 'rsa_pss_pss_sha256'], [0x080a, 'rsa_pss_pss_sha384'], [0x080b, 'rsa_pss_pss_sha512'],
  [0x081a, 'ecdsa_brainpoolP256r1tls13_sha256'], [0x081b, 'ecdsa_brainpoolP384r1tls13_sha384'],
  [0x081c, 'ecdsa_brainpoolP512r1tls13_sha512'],
  [0x0201, 'rsa_pkcs1_sha1'], [0x0203, 'ecdsa_sha1'], [0x0301, 'rsa_pkcs1_sha224'], [0x0303, 'ecdsa_sha224'],
  [0x0402, 'dsa_sha256'], [0x0202, 'dsa_sha1'],
]);

const extensions = new Map<number, string>([
  [0, 'server_name'], [1, 'max_fragment_length'], [5, 'status_request'], [10, 'supported_groups'],
  [11, 'ec_point_formats'], [13, 'signature_algorithms'], [14, 'use_srtp'], [15, 'heartbeat'],
  [16, 'application_layer_protocol_negotiation'], [18, 'signed_certificate_timestamp'],
  [19, 'client_certificate_type'], [20, 'server_certificate_type'], [21, 'padding'], [22, 'encrypt_then_mac'],
  [23, 'extended_master_secret'], [27, 'compress_certificate'], [28, 'record_size_limit'], [35, 'session_ticket'],
  [41, 'pre_shared_key'], [42, 'early_data'], [43, 'supported_versions'], [44, 'cookie'],
  [45, 'psk_key_exchange_modes'], [47, 'certificate_authorities'], [48, 'oid_filters'], [49, 'post_handshake_auth'],
  [50, 'signature_algorithms_cert'], [51, 'key_share'], [65281, 'renegotiation_info'],
]);

const alerts = new Map<number, string>([
  [0, 'close_notify'], [10, 'unexpected_message'], [20, 'bad_record_mac'], [21, 'decryption_failed'],
  [22, 'record_overflow'], [30, 'decompression_failure'], [40, 'handshake_failure'], [41, 'no_certificate'],
  [42, 'bad_certificate'], [43, 'unsupported_certificate'], [44, 'certificate_revoked'], [45, 'certificate_expired'],
  [46, 'certificate_unknown'], [47, 'illegal_parameter'], [48, 'unknown_ca'], [49, 'access_denied'],
  [50, 'decode_error'], [51, 'decrypt_error'], [60, 'export_restriction'], [70, 'protocol_version'],
  [71, 'insufficient_security'], [80, 'internal_error'], [86, 'inappropriate_fallback'], [90, 'user_canceled'],
  [100, 'no_renegotiation'], [109, 'missing_extension'], [110, 'unsupported_extension'], [112, 'unrecognized_name'],
  [113, 'bad_certificate_status_response'], [115, 'unknown_psk_identity'], [116, 'certificate_required'],
  [120, 'no_application_protocol'],
]);

const handshakeTypes = new Map<number, string>([
  [0, 'hello_request'], [1, 'client_hello'], [2, 'server_hello'], [4, 'new_session_ticket'], [5, 'end_of_early_data'],
  [8, 'encrypted_extensions'], [11, 'certificate'], [12, 'server_key_exchange'], [13, 'certificate_request'],
  [14, 'server_hello_done'], [15, 'certificate_verify'], [16, 'client_key_exchange'], [20, 'finished'],
  [24, 'key_update'], [254, 'message_hash'],
]);

const hex4 = (value: number): string => `0x${value.toString(16).padStart(4, '0')}`;

/** RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa) that clients sprinkle into their lists. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && (value >> 8) === (value & 0xff);
}

function lookup(table: Map<number, string>, value: number): string {
  return table.get(value) ?? (isGrease(value) ? `GREASE(${hex4(value)})` : hex4(value));
}

export const cipherSuiteName = (value: number): string => lookup(cipherSuites, value);
export const groupName = (value: number): string => lookup(groups, value);
export const signatureSchemeName = (value: number): string => lookup(signatureSchemes, value);
export const extensionName = (value: number): string => lookup(extensions, value);
export const handshakeTypeName = (value: number): string => handshakeTypes.get(value) ?? `handshake_${value}`;
export const alertName = (code: number): string => alerts.get(code) ?? `alert_${code}`;

export function versionName(value: number): string {
  switch (value) {
    case 0x0300: return 'SSL 3.0';
    case 0x0301: return 'TLS 1.0';
    case 0x0302: return 'TLS 1.1';
    case 0x0303: return 'TLS 1.2';
    case 0x0304: return 'TLS 1.3';
    default:
      if ((value & 0xff00) === 0x7f00) return `TLS 1.3 draft ${value & 0xff}`;
      return isGrease(value) ? `GREASE(${hex4(value)})` : hex4(value);
  }
}

function reverse(table: Map<number, string>): Map<string, number> {
  return new Map([...table].map(([code, name]) => [name.toLowerCase(), code]));
}
const suiteCodes = reverse(cipherSuites);
const groupCodes = reverse(groups);
const schemeCodes = reverse(signatureSchemes);
export const cipherSuiteCode = (name: string): number | undefined => suiteCodes.get(name.toLowerCase());
export const groupCode = (name: string): number | undefined => groupCodes.get(name.toLowerCase());
export const signatureSchemeCode = (name: string): number | undefined => schemeCodes.get(name.toLowerCase());

export const TLS13_CIPHER_SUITES = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305] as const;

/** §4.1.3: ServerHello.random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c'.match(/../g)!.map((h) => parseInt(h, 16)),
);

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
