// The TLS tools of issue #7: inspector (frames → TLS events, summary, diagnosis), diagnose (replay
// from the host with openssl s_client) and the NSS key log (broker side and firmware side).
export {
  TlsInspector, describeConnection,
  type AlertInfo, type Endpoint, type FrameDirection, type HandshakeMessageInfo, type Side, type SideStats,
  type TlsConnection, type TlsEvents, type TlsInspectorOptions,
} from './inspector.js';
export { explainFailure, type Diagnosis, type DiagnosisKind } from './diagnosis.js';
export { decodeClientHello, decodeServerHello, type ClientHello, type ServerHello, type Named } from './handshake.js';
export { diagnose, allowedTarget, DiagnoseRefused, type Attempt, type DiagnoseOptions, type DiagnoseResult, type Parameter } from './diagnose.js';
export {
  KeyLogWriter, attachNodeTlsKeyLog, watchFirmwareKeySchedule, symbolsFromElf, FirmwareKeyLogError,
  type FirmwareAccess, type FirmwareKeyLog, type FirmwareKeyLogStatus, type FirmwareSymbol, type FunctionEntry, type KeyLogEmitter,
} from './keylog.js';
export { KeySecrets, parseKeyLogLine, formatKeyLogLine, hkdfExpandLabel, RecordProtection } from './key-schedule.js';
export { TcpStreamReassembler, type StreamSink } from './tcp-reassembly.js';
export * from './names.js';
