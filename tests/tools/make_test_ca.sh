#!/bin/bash
# tests/tools/make_test_ca.sh - a throwaway CA and one server certificate for tests (DoH, HTTPS).
#
#   make_test_ca.sh OUTDIR NAME IP
#
# Writes OUTDIR/ca.pem (the CA to trust), OUTDIR/server.pem (leaf, then CA)
# and OUTDIR/server.key. The leaf names DNS:NAME and IP:IP. P-256 keys: fast
# to make. Keys are made fresh on every run and never belong in the repository.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 OUTDIR NAME IP" >&2
  exit 2
fi
out=$1 name=$2 ip=$3
mkdir -p "$out"
cd "$out"
umask 077

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 2 \
  -subj "/CN=Switchyard test CA" -keyout ca.key -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -subj "/CN=$name" -keyout server.key -out server.csr 2>/dev/null

cat > server.ext <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:$name,IP:$ip
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 2 \
  -extfile server.ext -out server.crt 2>/dev/null
cat server.crt ca.pem > server.pem
chmod 644 ca.pem server.pem
rm -f server.csr server.ext server.crt ca.srl ca.key  # nobody signs anything else with this CA
