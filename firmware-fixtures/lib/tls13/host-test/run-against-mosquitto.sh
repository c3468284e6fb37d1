#!/usr/bin/env bash
# Native check of the TLS 1.3 / MQTT client against a local mosquitto (OpenSSL) on 127.0.0.1.
# Generates throw-away certificates in work/ (git-ignored), starts mosquitto per case, runs the
# host-test binary, and checks the console text. Usage: ./run-against-mosquitto.sh [case ...]
# Cases: ecdsa rsa-ecdsa-only unknown-ca expired wrong-host mtls-missing usernet (build with VARIANT_FLAGS=-DTLS_SIGALGS_ECDSA_ONLY=1,
# the default) and rsapss mtls (build with VARIANT_FLAGS="-DTLS_SIGALGS_ECDSA_RSAPSS=1 -DTLS_CLIENT_CERT=1").
set -u
cd "$(dirname "$0")"
work=work
mkdir -p "$work"
port=${PORT:-18883}
make -s -B host-test VARIANT_FLAGS="${VARIANT_FLAGS:--DTLS_SIGALGS_ECDSA_ONLY=1}" >/dev/null || exit 1

# Certificates are valid from 2025-01-01 to 2036-01-01, so they hold both for the host clock and for
# the simulator's default SNTP time (usernet's epoch, 2026-01-01). `openssl ca` sets the dates.
sign() { # csr out [extensions [extra openssl-ca options]]
  local conf="$work/ca.cnf"
  if [ ! -f "$conf" ]; then
    mkdir -p "$work/ca-db"; : > "$work/ca-db/index.txt"; echo 1000 > "$work/ca-db/serial"
    cat > "$conf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
database = $work/ca-db/index.txt
serial = $work/ca-db/serial
new_certs_dir = $work/ca-db
certificate = $work/ca.pem
private_key = $work/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
CNF
  fi
  local ext=()
  if [ -n "${3:-}" ]; then printf '%s\n' "$3" > "$work/ext.cnf"; ext=(-extfile "$work/ext.cnf"); fi
  openssl ca -batch -config "$conf" -in "$1" -out "$2" -notext -startdate 20250101000000Z \
    -enddate 20360101000000Z "${ext[@]}" "${@:4}" 2>/dev/null
}

gen() {
  [ -f "$work/ca.pem" ] && return
  o() { openssl "$@" 2>/dev/null; }
  local ca_ext="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign"
  o ecparam -name prime256v1 -genkey -noout -out "$work/ca.key"
  o req -new -key "$work/ca.key" -subj /CN=h5sim-test-ca -out "$work/ca.csr"
  sign "$work/ca.csr" "$work/ca.pem" "$ca_ext" -selfsign -keyfile "$work/ca.key"
  o ecparam -name prime256v1 -genkey -noout -out "$work/other-ca.key"
  o req -new -key "$work/other-ca.key" -subj /CN=other-ca -out "$work/other-ca.csr"
  sign "$work/other-ca.csr" "$work/other-ca.pem" "$ca_ext" -selfsign -keyfile "$work/other-ca.key"
  o x509 -in "$work/ca.pem" -outform DER -out "$work/ca.der"
  o x509 -in "$work/other-ca.pem" -outform DER -out "$work/other-ca.der"
  ext="subjectAltName=DNS:broker.local"
  # ECDSA P-256 server
  o ecparam -name prime256v1 -genkey -noout -out "$work/server-ec.key"
  o req -new -key "$work/server-ec.key" -subj /CN=broker.local -out "$work/server-ec.csr"
  sign "$work/server-ec.csr" "$work/server-ec.pem" "$ext"
  # RSA 2048 server signed by the same ECDSA CA
  o genrsa -out "$work/server-rsa.key" 2048
  o req -new -key "$work/server-rsa.key" -subj /CN=broker.local -out "$work/server-rsa.csr"
  sign "$work/server-rsa.csr" "$work/server-rsa.pem" "$ext"
  # Client certificate for mutual TLS
  o ecparam -name prime256v1 -genkey -noout -out "$work/client.key"
  o ec -in "$work/client.key" -outform DER -out "$work/client-key.der"
  o req -new -key "$work/client.key" -subj /CN=h5sim-client -out "$work/client.csr"
  sign "$work/client.csr" "$work/client.pem"
  o x509 -in "$work/client.pem" -outform DER -out "$work/client.der"
}

start_broker() { # certfile keyfile require_certificate
  cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
cafile $PWD/$work/ca.pem
certfile $PWD/$work/$1
keyfile $PWD/$work/$2
tls_version tlsv1.3
require_certificate $3
allow_anonymous true
log_type all
user $(id -un)
log_dest file $PWD/$work/mosquitto.log
CONF
  : > "$work/mosquitto.log"
  mosquitto -c "$work/mosquitto.conf" & broker=$!
  sleep 0.5
}
stop_broker() { kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null; }

failures=0
expect() { # name pattern...
  local name=$1; shift
  for pattern in "$@"; do
    if ! grep -q -- "$pattern" "$work/$name.out"; then
      echo "FAIL $name: missing '$pattern'"; failures=$((failures + 1)); return
    fi
  done
  echo "ok   $name"
}

run_case() {
  local name=$1
  case $name in
    ecdsa)
      start_broker server-ec.pem server-ec.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --ip 127.0.0.1 \
        --port "$port" --id hosttest --count 3 --interval-ms 700 --echo-wait-ms 1500
      (sleep 1.2; mosquitto_pub -h 127.0.0.1 -p "$port" --cafile "$work/ca.pem" --insecure \
        -t h5sim/hosttest/in -m "ping-from-host" -q 1) &
      timeout 20 mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$work/ca.pem" --insecure \
        -t 'h5sim/hosttest/out' -C 4 -W 15 > "$work/sub.out" &
      sub=$!
      sleep 0.3
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      wait $sub
      cat "$work/sub.out" >> "$work/$name.out"
      stop_broker
      expect "$name" "TLS handshake complete: TLS_AES_128_GCM_SHA256, secp256r1, server signature ecdsa_secp256r1_sha256" \
        "MQTT CONNACK 0" "MQTT SUBACK" "MQTT PUBACK 3" "received on h5sim/hosttest/in" "^hello 3" "^ping-from-host" "exit 0" ;;
    rsa-ecdsa-only)
      start_broker server-rsa.pem server-rsa.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --ip 127.0.0.1 --port "$port" --count 1
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "TLS alert received: 40 handshake_failure" "exit 3" ;;
    rsapss)
      start_broker server-rsa.pem server-rsa.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --ip 127.0.0.1 --port "$port" \
        --count 2 --interval-ms 200 --echo-wait-ms 200
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "server signature rsa_pss_rsae_sha256" "MQTT PUBACK 3" "exit 0" ;;
    mtls)
      start_broker server-ec.pem server-ec.key true
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --ip 127.0.0.1 --port "$port" \
        --count 1 --echo-wait-ms 200 --cert "$work/client.der" --key "$work/client-key.der"
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "TLS CertificateRequest received" "TLS client certificate sent" "MQTT PUBACK 2" "exit 0" ;;
    mtls-missing)
      # The broker requires a client certificate; a build without TLS_CLIENT_CERT sends none.
      start_broker server-ec.pem server-ec.key true
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --ip 127.0.0.1 --port "$port" --count 1
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "sending none" "TLS alert received: 116 certificate_required" ;;
    usernet)
      # The fixture's whole path natively: lib/net (DHCP, SNTP, DNS broker.local, TCP) through the
      # simulator's usernet (gateway = 127.0.0.1), then TLS + MQTT, with an echo of .../in.
      make -s -B host-net-test VARIANT_FLAGS="${VARIANT_FLAGS:--DTLS_SIGALGS_ECDSA_ONLY=1}" >/dev/null || return
      start_broker server-ec.pem server-ec.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --port "$port" \
        --id netpath --count 3 --interval-ms 1000 --echo-wait-ms 1500
      (sleep 2; mosquitto_pub -h 127.0.0.1 -p "$port" --cafile "$work/ca.pem" --insecure \
        -t h5sim/netpath/in -m "via-usernet" -q 1) &
      (cd ../../../.. && timeout 60 node --import tsx firmware-fixtures/lib/tls13/host-test/net-bridge.mts \
        firmware-fixtures/lib/tls13/host-test/host-net-test "firmware-fixtures/lib/tls13/host-test/$work/p.bin") \
        > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "DHCP bound" "SNTP time" "DNS broker.local -> 10.0.2.2" "TLS handshake complete" "MQTT CONNACK 0" \
        "received on h5sim/netpath/in (QoS 1, 11 bytes): via-usernet" "mqtt-tls: exit 0" ;;
    unknown-ca)
      start_broker server-ec.pem server-ec.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/other-ca.der" --host broker.local --ip 127.0.0.1 --port "$port" --count 1
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "TLS alert sent: 48 unknown_ca" "exit 3" ;;
    expired)
      # The client's clock (provisioned TIME, 2040-01-01) is past the server certificate's notAfter (2036).
      start_broker server-ec.pem server-ec.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host broker.local --ip 127.0.0.1 --port "$port" \
        --count 1 --time 2208988800
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "TLS alert sent: 45 certificate_expired" "exit 3" ;;
    wrong-host)
      start_broker server-ec.pem server-ec.key false
      python3 make-provision.py "$work/p.bin" --ca "$work/ca.der" --host other.local --ip 127.0.0.1 --port "$port" --count 1
      ./host-test "$work/p.bin" > "$work/$name.out" 2>&1
      stop_broker
      expect "$name" "TLS alert sent: 42 bad_certificate" "exit 3" ;;
  esac
}

gen
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(ecdsa rsa-ecdsa-only unknown-ca expired wrong-host mtls-missing usernet)
for c in "${cases[@]}"; do run_case "$c"; done
[ "$failures" -eq 0 ] && echo "all host cases passed" || { echo "$failures failure(s)"; exit 1; }
