#!/bin/bash
# deploy/healthcheck.sh - the container's health check: GET /healthz on the
# admin listener (127.0.0.1, port $1 or 8087) with bash's /dev/tcp, so the
# image needs no HTTP client. /healthz needs no token. Exit 0 on "200".
set -eu
port=${1:-8087}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3
[[ $status == "HTTP/1.1 200 "* ]]
