#!/usr/bin/env node
// tests/e2e/wisp_client.mjs - the entry point and usage of the Wisp test driver for wisp_test.sh: the real
// wisp-js client (npm @mercuryworkshop/wisp-js, from tests/node/node_modules)
// plus a minimal raw Wisp v1 client on `ws` for what wisp-js cannot do (stop
// reading).
//
// Usage: node wisp_client.mjs COMMAND URL [ARGS] [--version 1|2] [--timeout S]
//   info URL [--expect-http STATUS]            connect, print version/MOTD/UDP; or: the
//                                              upgrade must fail with HTTP STATUS
//   echo URL HOST PORT [--bytes N]             TCP echo round trip of N random bytes
//   udp-echo URL HOST PORT                     a datagram comes back (3 tries, 1 s each)
//   download URL HOST PORT PATH --expect-sha256 HEX [--host-header H]
//                                              HTTP/1.1 GET over a TCP stream, sha256 of the body
//   expect-close URL HOST PORT --tcp|--udp --reason 0x44[,0x47] [--within S]
//                                              the stream is closed with one of these reasons
//   auth URL [--user U --password P] --expect ok|0xc0|0xc2|refused [--echo HOST:PORT]
//                                              v2 password auth; refused: no Wisp session at all
//   motd URL --expect TEXT [--user U --password P]
//   max-streams URL HOST PORT --streams N [--reason 0x49]
//                                              N echo streams open; stream N+1 is closed with
//                                              REASON; after one closes, a new one works
//   slow-reader URL HOST PORT PATH [--streams 100] [--pause 8] [--rss-pid PID [--max-rss-growth-mib M]]
//               [--expect-bytes N] [--echo HOST:PORT] [--resume-timeout 30]
//               [--progress-bytes 1048576] [--compare-file FILE]
//                                              raw v1: N HTTP downloads, the socket paused
//                                              while the server's VmRSS is sampled, then resumed:
//                                              every stream must get PROGRESS more bytes (or
//                                              complete), and a new echo stream must work;
//                                              with FILE every body byte is checked
//   credit-overrun URL HOST PORT --echo HOST:PORT [--reason 0x49] [--within 10] [--packets N]
//               [--packet-bytes 65536] [--expect-buffer B]
//                                              raw v1, ignoring credit: stream 1 to HOST:PORT (an
//                                              upstream that never reads) gets N (3 x buffer + 10)
//                                              DATA packets at once and must be closed with REASON
//                                              within S s; then a new stream on the same connection
//                                              must echo with HOST:PORT of --echo
//   upload-flood URL HOST PORT [--streams 64] [--seconds 6] [--packet-bytes 65536]
//               [--rss-pid PID [--max-rss-growth-mib M]] [--echo HOST:PORT] [--max-buffered 1048576]
//               [--probe-secs 3]
//                                              raw v1, honouring credit: N streams to HOST:PORT (an
//                                              upstream that never reads) are sent DATA as fast as
//                                              credit and the socket allow for S s while the
//                                              server's VmRSS is sampled; no stream may be closed
//                                              by the server; a new stream on the same connection is
//                                              tried (recorded, not required); then the streams
//                                              and the connection are closed and a new connection
//                                              must echo with --echo
// Each command prints one JSON line ({"ok":true|false, ...}) and exits 0 on
// success, 1 on a failed expectation, 2 on a usage error. Every command has an
// internal deadline (--timeout, default 30 s). The URL must end in "/" (the
// Wisp endpoint, e.g. ws://127.0.0.1:PORT/wisp/lab/); add ?token=... for a
// protected network. Nothing here opens a socket except to URL.
//
// The code lives in tests/e2e/wisp_client/: cli.mjs (arguments, the
// subcommand table), wispjs.mjs (the wisp-js checks), raw_wisp.mjs (the raw v1
// client), downloads.mjs, uploads.mjs, util.mjs (result line, deadline, RSS).
import { run } from "./wisp_client/cli.mjs";

run();
