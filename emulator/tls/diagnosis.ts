// Plain-words explanations of a failed handshake, from what the inspector saw: who sent which
// alert, right after what, and what the ClientHello offered. Written for embedded clients
// (NetX Duo, mbedTLS, our fixture's lib/tls13), whose usual failures are few and well known.
import type { AlertInfo, TlsConnection } from './inspector.js';
import type { ClientHello } from './handshake.js';

export type DiagnosisKind =
  | 'signature-algorithms' | 'protocol-version' | 'cipher-suite' | 'group' | 'hello-retry'
  | 'board-rejected-certificate' | 'board-alert' | 'client-certificate-rejected' | 'peer-alert'
  | 'closed-without-alert' | 'board-closed' | 'encrypted-alert';

export interface Diagnosis {
  kind: DiagnosisKind;
  /** One line for a summary ("broker sent alert 40 handshake_failure right after ..."). */
  headline: string;
  explanation: string;
  advice: string[];
  alert?: AlertInfo;
  /** headline; explanation — advice, as one paragraph. */
  text: string;
}

const names = (list: { name: string }[] | null | undefined): string => (list ?? []).map((x) => x.name).join(', ') || 'none';

function make(kind: DiagnosisKind, headline: string, explanation: string, advice: string[], alert?: AlertInfo): Diagnosis {
  const text = `${headline}; ${explanation}${advice.length ? ` — ${advice.join('; ')}` : ''}`;
  return alert ? { kind, headline, explanation, advice, alert, text } : { kind, headline, explanation, advice, text };
}

function sigalgsWithoutRsa(hello: ClientHello): boolean {
  const list = hello.signatureAlgorithms ?? [];
  return list.length > 0 && list.every((s) => !s.name.startsWith('rsa'));
}

function offersTls13(hello: ClientHello): boolean {
  return (hello.supportedVersions ?? []).some((v) => v.code === 0x0304);
}

function alertText(alert: AlertInfo): string {
  return `alert ${alert.code} ${alert.name}`;
}

/** Explains why `connection` did not complete its handshake. */
export function explainFailure(connection: TlsConnection): Diagnosis {
  const hello = connection.clientHello;
  const peerAlert = connection.alerts.find((a) => a.from === 'peer' && a.code !== 0);
  const boardAlert = connection.alerts.find((a) => a.from === 'board' && a.code !== 0);
  const peerName = 'broker';
  // Whoever alerted first is the one who gave up; the other side's alert is usually a reply.
  const first = connection.alerts.find((a) => a.code !== 0);
  if (first && first === boardAlert) return boardAlerted(connection, first);
  if (peerAlert) return peerAlerted(connection, peerAlert, hello, peerName);
  if (connection.helloRetryRequests.length > 0 && !connection.serverHello) return helloRetry(connection, hello);
  return closedWithoutAlert(connection, hello);
}

function peerAlerted(connection: TlsConnection, alert: AlertInfo, hello: ClientHello | null, peer: string): Diagnosis {
  const beforeServerHello = !connection.serverHello;
  const after = beforeServerHello ? 'right after a ClientHello' : 'during the handshake';
  if (hello && beforeServerHello && (alert.code === 40 || alert.code === 71)) {
    if (connection.helloRetryRequests.length > 0) return helloRetry(connection, hello, alert);
    if (sigalgsWithoutRsa(hello)) {
      const offered = names(hello.signatureAlgorithms);
      return make('signature-algorithms',
        `${peer} sent ${alertText(alert)} right after a ClientHello that offered only ECDSA signature algorithms (${offered})`,
        'a server with an RSA certificate cannot satisfy that; NetX Duo\'s TLS 1.3 supports only ECC certificates',
        ['give the broker an ECDSA P-256 certificate, or offer rsa_pss_rsae_sha256 (our fixture: build the rsapss variant, -DTLS_SIGALGS_ECDSA_RSAPSS=1)',
          'run diagnose() against the broker to confirm which change it accepts'], alert);
    }
    const tls13Suites = hello.cipherSuites.filter((s) => s.code >= 0x1301 && s.code <= 0x1305);
    if (offersTls13(hello) && tls13Suites.length === 0) {
      return make('cipher-suite', `${peer} sent ${alertText(alert)}: the ClientHello offers TLS 1.3 but no TLS 1.3 cipher suite (${names(hello.cipherSuites)})`,
        'a TLS 1.3 server can only pick a TLS_AES_*/TLS_CHACHA20_* suite',
        ['add TLS_AES_128_GCM_SHA256 to the client\'s suites'], alert);
    }
    const groups = hello.keyShareGroups ?? hello.supportedGroups ?? [];
    return make('cipher-suite',
      `${peer} sent ${alertText(alert)} ${after} offering suites ${names(hello.cipherSuites)}, groups ${names(hello.supportedGroups)}, signature algorithms ${names(hello.signatureAlgorithms)}`,
      `the broker found no combination it accepts: usually no shared cipher suite (mosquitto \`ciphers_tls1.3\`), no shared group${groups.length === 1 ? ` (only ${groups[0]!.name} offered)` : ''}, or a certificate type the signature algorithms exclude`,
      ['run diagnose() against the broker: it varies one parameter at a time and reports which one the broker accepts'], alert);
  }
  if (alert.code === 70) {
    const versions = hello?.supportedVersions ? names(hello.supportedVersions) : `none (legacy_version ${hello ? `0x${hello.legacyVersion.toString(16)}` : '?'} only)`;
    return make('protocol-version', `${peer} sent ${alertText(alert)} ${after}; the ClientHello's supported_versions: ${versions}`,
      hello && offersTls13(hello)
        ? 'the broker does not accept any version the board offers: it is probably limited to TLS 1.2 (or older) while the board offers only TLS 1.3'
        : 'the broker requires a newer version than the board offers (TLS 1.3 needs the supported_versions extension with 0x0304)',
      hello && offersTls13(hello)
        ? ['enable TLS 1.3 on the broker (mosquitto: `tls_version tlsv1.3`, needs OpenSSL ≥ 1.1.1), or build the client with TLS 1.2 too']
        : ['enable TLS 1.3 in the client (NetX Duo: NX_SECURE_TLS_ENABLE_TLS_1_3) or allow TLS 1.2 on the broker'], alert);
  }
  if (alert.code === 116 || ((alert.code === 42 || alert.code === 48 || alert.code === 45 || alert.code === 46 || alert.code === 49) &&
      (connection.certificateRequested || (!beforeServerHello && connection.stats.board.encryptedRecords > 0)))) {
    const sent = connection.clientCertificateSent;
    const what = alert.code === 116 || sent === false ? 'the board sent no client certificate'
      : alert.code === 48 ? 'the broker does not trust the CA that issued the board\'s certificate'
      : alert.code === 45 ? 'the board\'s certificate is outside its validity dates (as the broker\'s clock sees them)'
      : 'the broker rejected the board\'s certificate';
    return make('client-certificate-rejected', `${peer} sent ${alertText(alert)} after the client's certificate flight: mutual TLS rejected`,
      `${what}`,
      ['provision the device certificate and key (our fixture: the mtls variant, -DTLS_CLIENT_CERT=1)',
        'check the broker\'s `cafile` is the CA that signed the device certificate and `require_certificate true` is intended',
        'check the certificate\'s key is ECDSA P-256 (what the board can sign with)'], alert);
  }
  const known: Record<number, [string, string]> = {
    47: ['the broker found a field in the ClientHello it cannot accept', 'compare the ClientHello with what the broker expects; run diagnose()'],
    50: ['the broker could not parse a handshake message', 'check the board\'s message encoding (lengths of extensions)'],
    109: ['the ClientHello lacks an extension TLS 1.3 requires (supported_versions, key_share, signature_algorithms or supported_groups)', 'send all four extensions'],
    112: [`the broker does not know the name in SNI (${hello?.serverName ?? 'none sent'})`, 'configure the broker\'s name or the board\'s server name'],
    120: [`the broker accepts none of the ALPN protocols offered (${(hello?.alpn ?? []).join(', ') || 'none'})`, 'offer the protocol the broker expects (e.g. "mqtt" for AWS IoT on 443) or none'],
    80: ['the broker hit an internal error', 'read the broker\'s log'],
    0: ['the broker closed the session before the handshake completed', 'read the broker\'s log'],
  };
  const [explanation, advice] = known[alert.code] ?? ['the broker gave up on the handshake', 'read the broker\'s log; run diagnose()'];
  return make('peer-alert', `${peer} sent ${alertText(alert)} ${after}`, explanation, [advice], alert);
}

function boardAlerted(connection: TlsConnection, alert: AlertInfo): Diagnosis {
  const console = connection.consoleLines.filter((l) => /^TLS /.test(l) && !/alert sent/.test(l)).slice(-2).join(' / ');
  const seen = console ? ` (firmware: ${console})` : '';
  const table: Record<number, [DiagnosisKind, string, string[]]> = {
    42: ['board-rejected-certificate', 'the board rejected the broker\'s certificate: most often the host name the board connects to is not in the certificate\'s subjectAltName, or the certificate could not be parsed',
      ['put the name the firmware uses (SNI / server_name) into the broker certificate\'s SAN', 'or connect by the name the certificate holds']],
    48: ['board-rejected-certificate', 'the board does not know the CA that issued the broker\'s certificate: the wrong CA is compiled in or provisioned',
      ['provision the CA that signed the broker certificate (the whole chain up to it must be sent by the broker)']],
    45: ['board-rejected-certificate', 'the board thinks the broker\'s certificate is outside its validity dates: usually the board\'s clock is wrong (RTC not set, SNTP not answered before TLS started, time zone/epoch mix-up), less often a really expired certificate',
      ['make sure SNTP has set the RTC before connecting', 'check notBefore/notAfter of the broker certificate against the board\'s time']],
    46: ['board-rejected-certificate', 'the board rejected the broker\'s certificate for an unspecified reason (chain, key usage, name or dates)',
      ['check the CA, the SAN and the validity dates the board sees']],
    43: ['board-rejected-certificate', 'the broker\'s certificate uses a key or algorithm the board cannot handle (e.g. P-384, RSA-4096, Ed25519)',
      ['give the broker an ECDSA P-256 (or RSA-2048 with rsa_pss offered) certificate']],
    51: ['board-rejected-certificate', 'a signature or Finished check failed on the board: a certificate signed by a different key than the provisioned CA\'s, or a crypto fault (PKA/HASH/AES driver or model)',
      ['check the provisioned CA is the one that signed the broker certificate', 'if it is, suspect the crypto peripherals (enable the key log and compare in Wireshark)']],
    47: ['board-alert', 'the broker chose something the board did not offer or cannot do (a signature scheme, a group, or a HelloRetryRequest our library does not support)',
      ['compare the ServerHello with the ClientHello; make the broker use what the board offers']],
    70: ['board-alert', 'the broker selected a protocol version the board does not accept (e.g. TLS 1.2 where the board only does TLS 1.3)',
      ['enable TLS 1.3 on the broker']],
    20: ['board-alert', 'a record did not decrypt on the board: the keys differ (key schedule or HASH/HMAC fault) or the AES-GCM path is wrong',
      ['enable the key log and check the traffic decrypts in Wireshark']],
    80: ['board-alert', 'the board hit an internal limit (buffer too small for the broker\'s certificate chain, RNG or PKA failure)',
      ['read the firmware console; shorten the broker\'s chain or grow the TLS buffers']],
    10: ['board-alert', 'the board received a handshake message it did not expect at that point', ['read the firmware console']],
    50: ['board-alert', 'the board could not parse a message from the broker', ['read the firmware console']],
  };
  const [kind, explanation, advice] = table[alert.code] ?? ['board-alert' as DiagnosisKind, 'the board gave up on the handshake', ['read the firmware console']];
  const how = alert.source === 'clear' ? '' : alert.source === 'decrypted' ? ' (read with key-log secrets)' : ' (reported on the firmware console)';
  return make(kind, `the board sent ${alertText(alert)}${how}${seen}`, explanation, advice, alert);
}

function helloRetry(connection: TlsConnection, hello: ClientHello | null, alert?: AlertInfo): Diagnosis {
  const asked = connection.helloRetryRequests.map((h) => h.keyShareGroup?.name ?? '?').join(', ');
  const loops = connection.helloRetryRequests.length > 1 ? ` ${connection.helloRetryRequests.length} times (a HelloRetryRequest loop)` : '';
  return make(connection.helloRetryRequests.length > 1 ? 'hello-retry' : 'group',
    `broker sent a HelloRetryRequest${loops} asking for ${asked}; the board's key_share had ${names(hello?.keyShareGroups)} and supported_groups ${names(hello?.supportedGroups)}`,
    'the broker wants a key exchange group the board did not send a share for; clients that cannot answer a HelloRetryRequest (our fixture\'s lib/tls13 among them) then abort, and with no shared group at all the broker sends alert 40',
    ['offer secp256r1 in the broker\'s groups (mosquitto uses OpenSSL\'s defaults, which include P-256; check `ecdh_curve`-like settings or OpenSSL config Groups)',
      'or send a key share for the group the broker prefers'], alert);
}

function closedWithoutAlert(connection: TlsConnection, hello: ClientHello | null): Diagnosis {
  const closed = connection.closed;
  const by = closed?.by ?? 'peer';
  const how = closed?.how === 'rst' ? 'reset (RST)' : 'closed (FIN)';
  const boardEncrypted = connection.stats.board.encryptedRecordSizes;
  const peerEncrypted = connection.stats.peer.encryptedRecordSizes;
  const lastBoard = boardEncrypted[boardEncrypted.length - 1];
  const lastPeer = peerEncrypted[peerEncrypted.length - 1];
  const alertSized = (n: number | undefined) => n === 19 || n === 11;
  if (alertSized(lastBoard) && by === 'board') {
    return make('encrypted-alert', `the board sent an encrypted alert (a ${lastBoard}-byte record) and closed the connection`,
      'in TLS 1.3 a client that rejects the broker\'s certificate says so in an encrypted alert; usually unknown_ca (wrong CA compiled in), bad_certificate (host name not in the SAN) or certificate_expired (board clock wrong)',
      ['read the firmware console (our library prints "TLS alert sent: N name")', 'or enable the key log so the inspector can read the alert'], undefined);
  }
  if (alertSized(lastPeer) && connection.stats.board.encryptedRecords > 0) {
    return make('encrypted-alert', `the broker sent an encrypted alert (a ${lastPeer}-byte record) after the board's encrypted flight and ${how === 'reset (RST)' ? 'reset' : 'closed'} the connection`,
      'a broker that rejects the client in TLS 1.3 alerts in encrypted form; with a client-certificate requirement this is usually certificate_required (116, no certificate sent) or bad_certificate / unknown_ca (mutual TLS rejected)',
      ['check the broker\'s log and its `require_certificate` / `cafile` settings', 'enable the key log so the inspector can read the alert'], undefined);
  }
  if (by === 'board') {
    return make('board-closed', `the board ${how} the connection before the handshake completed${connection.serverHello ? '' : ' (no ServerHello received)'}`,
      connection.serverHello ? 'the firmware gave up without an alert (timeout, a transport error, or an abort in its TLS code)' : 'the firmware gave up waiting for the broker (handshake timeout)',
      ['read the firmware console', 'check the broker is listening with TLS on that port']);
  }
  if (!connection.serverHello) {
    return make('closed-without-alert', `broker ${how} the connection right after the ClientHello, without an alert`,
      'the broker gave up without saying why: a port without TLS (plain MQTT on 1883), a broker whose TLS setup failed (certificate/key files unreadable), a TLS stack that drops clients it cannot serve (no shared version/suite) without alerting, or a connection limit',
      ['check the port is the broker\'s TLS listener and read the broker\'s log', hello ? `the ClientHello offered ${names(hello.supportedVersions)}, ${names(hello.cipherSuites)}` : 'no ClientHello was seen']);
  }
  return make('closed-without-alert', `broker ${how} the connection during the handshake, without an alert`,
    connection.certificateRequested || connection.stats.board.encryptedRecords > 0
      ? 'the broker dropped the board after its encrypted flight: commonly a client certificate the broker rejects (mutual TLS) or an MQTT-level refusal right after the handshake'
      : 'the broker dropped the connection after its ServerHello',
    ['read the broker\'s log']);
}
