#!/bin/sh
# Makes a throw-away test CA, a server certificate for 127.0.0.1/localhost and a client
# certificate, in directory $1 (for the engine's http_output TLS and mTLS tests).
set -eu
d=$1
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tartan-test-ca \
    -keyout ca.key -out ca.crt >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr \
    >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=tartan-client -keyout client.key -out client.csr \
    >/dev/null 2>&1
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -out client.crt >/dev/null 2>&1
