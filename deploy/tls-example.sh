#!/usr/bin/env bash
# A broker with TLS on its client listeners, on this machine: makes a CA, a broker certificate for 127.0.0.1 and
# localhost, and a client certificate (CN=alice) with openssl into DIR (default ./tls-example), then starts
# `brook broker` with them and mTLS optional (--tls-client-auth request). See docs/security.md.
#
#   deploy/tls-example.sh [DIR]      # then, in another shell, the commands it prints
set -euo pipefail

dir="${1:-./tls-example}"
brook="${BROOK:-npx brook}"
mkdir -p "$dir"
cd "$dir"

ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
if [ ! -f ca.crt ]; then
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 365 -subj /CN=brook-example-ca 2>/dev/null
fi
issue() { # name cn [extensions]
  openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 90 \
    ${3:+-extfile "$3"} 2>/dev/null
  rm -f "$1.csr"
}
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > broker.ext
[ -f broker.crt ] || issue broker localhost broker.ext
[ -f client.crt ] || issue client alice
chmod 600 ./*.key

cat <<USAGE
Certificates in $(pwd). Try, in another shell:
  brook topic create demo --bootstrap tls://127.0.0.1:9400 --tls-ca $(pwd)/ca.crt
  brook produce demo --bootstrap tls://127.0.0.1:9400 --tls-ca $(pwd)/ca.crt \\
      --tls-cert $(pwd)/client.crt --tls-key $(pwd)/client.key
  curl --cacert $(pwd)/ca.crt https://127.0.0.1:9401/healthz
Rotate: issue a new broker.crt/broker.key here (mv over the old ones), then: kill -HUP <broker pid>
USAGE

exec $brook broker --data-dir ./data \
  --tls-cert broker.crt --tls-key broker.key --tls-ca ca.crt --tls-client-auth request
