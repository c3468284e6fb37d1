#!/usr/bin/env bash
# Test certificates for the mqtt-tls fixture and the brokers that serve it (issue #6).
# Usage: scripts/make-certs.sh OUTDIR   (idempotent: an existing complete set is kept)
# Validity 2025-01-01..2036-01-01 through `openssl ca` (Debian's OpenSSL 3.0 has no
# x509 -not_before), so the certificates hold at the simulated world's epoch, 2026-01-01.
set -euo pipefail
out=${1:?usage: make-certs.sh OUTDIR}
out=${out%/}
[ -f "$out/complete" ] && exit 0
# Parallel test workers may call this at once: build aside, then rename into place (first one wins).
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

o() { openssl "$@" 2>/dev/null; }
ca_ext='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign'
# No extendedKeyUsage: the fixture's host tests ran with certificates without it.
server_ext='subjectAltName=DNS:broker.local'
client_ext='basicConstraints=CA:FALSE'

# sign ISSUER CSR OUT EXTENSIONS START END [extra openssl-ca options]
sign() {
  local issuer=$1 csr=$2 cert=$3 ext=$4 start=$5 end=$6; shift 6
  mkdir -p "db-$issuer"
  [ -f "db-$issuer/index.txt" ] || { : > "db-$issuer/index.txt"; echo 1000 > "db-$issuer/serial"; }
  cat > "db-$issuer/ca.cnf" <<CNF
[ca]
default_ca = this_ca
[this_ca]
database = db-$issuer/index.txt
serial = db-$issuer/serial
new_certs_dir = db-$issuer
certificate = $issuer.pem
private_key = $issuer.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
CNF
  printf '%s\n' "$ext" > "db-$issuer/ext.cnf"
  o ca -batch -config "db-$issuer/ca.cnf" -in "$csr" -out "$cert" -notext -startdate "$start" -enddate "$end" \
    -extfile "db-$issuer/ext.cnf" "$@"
  o x509 -in "$cert" -outform DER -out "${cert%.pem}.der"
}
ec_key() { o ecparam -name prime256v1 -genkey -noout -out "$1.key"; o ec -in "$1.key" -outform DER -out "$1-key.der"; }
csr() { o req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"; }
ca() { # name CN
  ec_key "$1"
  csr "$1" "$2"
  sign "$1" "$1.csr" "$1.pem" "$ca_ext" 20250101000000Z 20360101000000Z -selfsign -keyfile "$1.key"
}

ca ca h5sim-test-ca
ca wrong-ca h5sim-wrong-ca

ec_key server-ec; csr server-ec broker.local
sign ca server-ec.csr server-ec.pem "$server_ext" 20250101000000Z 20360101000000Z
o genrsa -out server-rsa.key 2048; csr server-rsa broker.local
sign ca server-rsa.csr server-rsa.pem "$server_ext" 20250101000000Z 20360101000000Z
ec_key server-expired; csr server-expired broker.local
sign ca server-expired.csr server-expired.pem "$server_ext" 20200101000000Z 20210101000000Z

ec_key client; csr client h5sim-client
sign ca client.csr client.pem "$client_ext" 20250101000000Z 20360101000000Z
ec_key client-untrusted; csr client-untrusted h5sim-untrusted-client
sign wrong-ca client-untrusted.csr client-untrusted.pem "$client_ext" 20250101000000Z 20360101000000Z

# mosquitto may drop to its own user when started as root: let it read the keys.
chmod 0644 ./*.key
chmod 0755 .
touch complete
cd ..
[ -d "$out" ] && [ ! -f "$out/complete" ] && rm -rf "$out"
mv -T "$work" "$out" 2>/dev/null || [ -f "$out/complete" ]
