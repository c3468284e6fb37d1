#!/usr/bin/env python3
"""Writes a provisioning block in the format of lib/tls13/provision.h (reference for the harness).

usage: make-provision.py OUT --ca ca.der --host broker.local [--port 8883] [--id h5sim]
       [--count 3] [--cert client.der --key client-key.der] [--ip 127.0.0.1] [--time UNIX]
       [--interval-ms 1000] [--echo-wait-ms 2000] [--keep-alive 60] [--user U --password P]
       [--elf mqtt-tls.elf --out-elf provisioned.elf]
The client key is read as a DER EC private key (openssl ec -outform DER) or a raw 32-byte scalar.
With --elf, also writes a copy of the ELF whose .h5_provision section (8 KiB at 0x081FE000) holds
the block, padded with 0xFF (arm-none-eabi-objcopy --update-section): a provisioned image for
`h5sim run` without any memory-write step.
"""
import argparse, socket, struct, subprocess, tempfile, os

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('--ca', required=True)
ap.add_argument('--host', required=True)
ap.add_argument('--port', type=int)
ap.add_argument('--id')
ap.add_argument('--count', type=int)
ap.add_argument('--cert')
ap.add_argument('--key')
ap.add_argument('--ip')
ap.add_argument('--time', type=int)
ap.add_argument('--interval-ms', type=int)
ap.add_argument('--echo-wait-ms', type=int)
ap.add_argument('--keep-alive', type=int)
ap.add_argument('--user')
ap.add_argument('--password')
ap.add_argument('--elf')
ap.add_argument('--out-elf')
a = ap.parse_args()

def ec_scalar(data):
    if len(data) == 32:
        return data
    # ECPrivateKey ::= SEQUENCE { version INTEGER 1, privateKey OCTET STRING (32), ... }
    i = data.index(b'\x02\x01\x01\x04\x20')
    return data[i + 5:i + 37]

items = []
def item(kind, value):
    items.append(struct.pack('<BH', kind, len(value)) + value)

item(0x01, open(a.ca, 'rb').read())
if a.cert: item(0x02, open(a.cert, 'rb').read())
if a.key: item(0x03, ec_scalar(open(a.key, 'rb').read()))
item(0x04, a.host.encode())
if a.port is not None: item(0x05, struct.pack('<H', a.port))
if a.id: item(0x06, a.id.encode())
if a.count is not None: item(0x07, struct.pack('<I', a.count))
if a.user is not None: item(0x08, a.user.encode())
if a.password is not None: item(0x09, a.password.encode())
if a.ip: item(0x0A, socket.inet_aton(a.ip))
if a.keep_alive is not None: item(0x0B, struct.pack('<H', a.keep_alive))
if a.time is not None: item(0x0C, struct.pack('<I', a.time))
if a.interval_ms is not None: item(0x0D, struct.pack('<I', a.interval_ms))
if a.echo_wait_ms is not None: item(0x0F, struct.pack('<I', a.echo_wait_ms))
body = b''.join(items)
block = b'H5PV' + struct.pack('<HH', 1, len(body)) + body
assert len(block) <= 8192, 'provisioning block larger than 8 KiB'
open(a.out, 'wb').write(block)
if a.elf:
    with tempfile.NamedTemporaryFile(suffix='.bin', delete=False) as padded:
        padded.write(block + b'\xff' * (8192 - len(block)))
    try:
        subprocess.run(['arm-none-eabi-objcopy', '--update-section', f'.h5_provision={padded.name}', a.elf,
                        a.out_elf or a.elf.replace('.elf', '-provisioned.elf')], check=True)
    finally:
        os.unlink(padded.name)
