#!/usr/bin/env node
// tests/e2e/wisp_client.mjs - a Wisp test driver for wisp_test.sh: the real
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
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// The packages live in tests/node/node_modules (WISP_NODE_MODULES overrides).
const nodeModules = process.env.WISP_NODE_MODULES || path.join(here, "..", "node", "node_modules");

// import() of a package in tests/node/node_modules, resolved with its
// package.json "exports" (the "import" condition), as Node would from there.
async function importPackage(spec) {
  const parts = spec.split("/");
  const nameLen = spec.startsWith("@") ? 2 : 1;
  const pkgDir = path.join(nodeModules, ...parts.slice(0, nameLen));
  const sub = parts.length > nameLen ? "./" + parts.slice(nameLen).join("/") : ".";
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  } catch (e) {
    throw new Error(`cannot read ${pkgDir}/package.json (run: npm ci --prefix tests/node): ${e.message}`);
  }
  const pick = (entry) => {
    if (typeof entry === "string" || entry == null) return entry;
    return pick(entry.node ?? entry.import ?? entry.default);
  };
  let exp = pkg.exports;
  if (typeof exp === "string" || (exp && !Object.keys(exp).some((k) => k.startsWith(".")))) exp = { ".": exp };
  const entry = pick(exp?.[sub]) ?? (sub === "." ? pkg.main || "index.js" : null);
  if (typeof entry !== "string") throw new Error(`cannot resolve ${spec} in ${nodeModules}`);
  return import(pathToFileURL(path.join(pkgDir, entry)).href);
}

// --- output ---------------------------------------------------------------

let finished = false;
function finish(ok, fields) {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify({ ok, ...fields }) + "\n");
  process.exit(ok ? 0 : 1);
}
const pass = (fields) => finish(true, fields);
const fail = (error, fields = {}) => finish(false, { error, ...fields });
const hex = (n) => (typeof n === "number" ? "0x" + n.toString(16).padStart(2, "0") : String(n));

// --- arguments ------------------------------------------------------------

function parseArgs(argv) {
  const positional = [];
  const opts = {};
  const flags = new Set(["tcp", "udp", "help"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const key = a.slice(2);
      if (flags.has(key)) opts[key] = true;
      else if (i + 1 < argv.length) opts[key] = argv[++i];
      else usage(`option ${a} needs a value`);
    } else positional.push(a);
  }
  return { positional, opts };
}

function usage(msg) {
  process.stderr.write(`wisp_client.mjs: ${msg}\n(see the comment at the top of ${fileURLToPath(import.meta.url)})\n`);
  process.exit(2);
}

function parseReasons(text) {
  return String(text).split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0 || n > 255) usage(`bad close reason ${s}`);
    return n;
  });
}

function intArg(v, name, min = 0) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`);
  return n;
}

function hostPort(text, name) {
  const m = /^(.+):(\d+)$/.exec(String(text));
  if (!m) usage(`--${name} must be HOST:PORT`);
  return [m[1], Number(m[2])];
}

// --- the wisp-js client ---------------------------------------------------

let wisp;       // the @mercuryworkshop/wisp-js/client module
let WebSocket;  // ws

// A ClientConnection that also records what the library drops: a CLOSE on
// stream 0 (v2 handshake rejection), the HTTP error of a failed upgrade, and
// whether the v2 INFO arrived (the library silently falls back to v1 when a
// v2 upgrade fails).
function makeConnectionClass() {
  return class RecordingConnection extends wisp.client.ClientConnection {
    connect_ws() {
      super.connect_ws();
      const ws = this.ws;
      this.rec ??= { attempts: [], stream0_close: null, errors: [], ws_close: null };
      this.rec.attempts.push({ version: this.wisp_version, protocol_offered: this.wisp_version === 2 });
      const onmessage = ws.onmessage;
      ws.onmessage = (event) => {
        const b = new Uint8Array(event.data);
        if (b.length >= 6 && b[0] === 0x04 && b[1] === 0 && b[2] === 0 && b[3] === 0 && b[4] === 0) {
          this.rec.stream0_close = b[5];
        }
        if (b.length >= 5 && b[0] === 0x05 && b[1] === 0 && b[2] === 0 && b[3] === 0 && b[4] === 0) {
          this.rec.info_seen = true;
        }
        onmessage(event);
      };
      const onerror = ws.onerror;
      ws.onerror = (event) => {
        this.rec.errors.push(event?.message || event?.error?.message || "websocket error");
        onerror(event);
      };
      ws.addEventListener("close", (event) => {
        this.rec.ws_close = { code: event.code, reason: String(event.reason || "") };
      });
    }
  };
}

// open(url, version, extensions): resolves with the open connection, rejects
// with an Error carrying .rec when the connection closes before it opens.
function open(url, version, extensions = null) {
  const Conn = makeConnectionClass();
  return new Promise((resolve, reject) => {
    let conn;
    try {
      conn = new Conn(url, { wisp_version: version, wisp_extensions: extensions });
    } catch (e) {
      reject(e);
      return;
    }
    let settled = false;
    conn.onopen = () => {
      if (settled) return;
      settled = true;
      resolve(conn);
    };
    const closedEarly = (what) => {
      if (settled) return;
      settled = true;
      const e = new Error(`the Wisp connection ${what} before it opened`);
      e.rec = conn.rec;
      reject(e);
    };
    conn.onclose = () => closedEarly("closed");
    conn.onerror = () => closedEarly("failed");
  });
}

function describeRec(rec) {
  if (!rec) return {};
  const out = { upgrade_errors: rec.errors, ws_close: rec.ws_close };
  if (rec.stream0_close !== null) out.stream0_close = hex(rec.stream0_close);
  return out;
}

// Checks that a connection asked for as v2 really is v2 (the library falls
// back to v1 silently) and returns a description.
function connInfo(conn, version) {
  const info = {
    version: conn.info_received ? 2 : 1,
    buffer: conn.max_buffer_size,
    udp: conn.udp_enabled,
  };
  if (conn.server_motd !== null && conn.server_motd !== undefined) info.motd = conn.server_motd;
  if (version === 2 && !conn.info_received) {
    fail("asked for Wisp v2 but the server answered as v1 (no INFO before CONTINUE)", info);
  }
  return info;
}

async function openOrFail(url, version, extensions = null) {
  try {
    return await open(url, version, extensions);
  } catch (e) {
    fail(e.message, describeRec(e.rec));
  }
}

// A stream with promise helpers: data chunks in a queue, the close reason.
// keep=false: count bytes and call s.onchunk, but keep nothing.
function wrapStream(stream, keep = true) {
  const s = { stream, chunks: [], bytes: 0, closed: null, waiters: [] };
  const wake = () => {
    const w = s.waiters;
    s.waiters = [];
    for (const f of w) f();
  };
  stream.onmessage = (data) => {
    const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
    if (keep) s.chunks.push(u8);
    s.bytes += u8.length;
    s.onchunk?.(u8);
    wake();
  };
  stream.onclose = (reason) => {
    s.closed = { reason, at: performance.now() };
    wake();
  };
  s.until = (pred) =>
    new Promise((resolve) => {
      const check = () => {
        if (pred()) resolve();
        else s.waiters.push(check);
      };
      check();
    });
  return s;
}

// --- commands ---------------------------------------------------------------

async function cmdInfo(url, o) {
  if (o["expect-http"]) {
    // The upgrade must fail with this HTTP status (ws: "Unexpected server response: 404").
    let conn;
    try {
      conn = await open(url, o.version);
    } catch (e) {
      const fields = { cmd: "info", ...describeRec(e.rec) };
      const want = `Unexpected server response: ${o["expect-http"]}`;
      if ((e.rec?.errors ?? []).some((m) => m.includes(want))) pass({ ...fields, http_status: Number(o["expect-http"]) });
      fail(`the upgrade did not fail with HTTP ${o["expect-http"]}`, fields);
    }
    fail(`the Wisp connection opened, expected HTTP ${o["expect-http"]}`, { cmd: "info", ...connInfo(conn, o.version) });
  }
  const conn = await openOrFail(url, o.version);
  pass({ cmd: "info", ...connInfo(conn, o.version) });
}

async function echoRoundTrip(conn, host, port, nbytes) {
  const t0 = performance.now();
  const s = wrapStream(conn.create_stream(host, port, "tcp"));
  const payload = randomBytes(nbytes);
  const chunk = 16 * 1024;
  for (let off = 0; off < nbytes; off += chunk) s.stream.send(new Uint8Array(payload.subarray(off, off + chunk)));
  await s.until(() => s.bytes >= nbytes || s.closed);
  if (s.bytes < nbytes) {
    return { error: `stream closed with reason ${hex(s.closed.reason)} after ${s.bytes} of ${nbytes} echoed bytes`, close_reason: hex(s.closed.reason) };
  }
  const got = Buffer.concat(s.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length)));
  if (got.length !== nbytes || !got.equals(payload)) {
    return { error: `echo differs: got ${got.length} bytes, expected ${nbytes} (first differing byte ${firstDiff(got, payload)})` };
  }
  s.stream.close(0x02);
  return { bytes: nbytes, ms: Math.round(performance.now() - t0) };
}

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

async function cmdEcho(url, host, port, o) {
  const conn = await openOrFail(url, o.version);
  const info = connInfo(conn, o.version);
  const r = await echoRoundTrip(conn, host, port, intArg(o.bytes ?? 65536, "bytes", 1));
  if (r.error) fail(r.error, { cmd: "echo", ...info });
  pass({ cmd: "echo", target: `${host}:${port}`, ...info, ...r });
}

async function cmdUdpEcho(url, host, port, o) {
  const conn = await openOrFail(url, o.version);
  const info = connInfo(conn, o.version);
  if (!conn.udp_enabled) fail("the server did not offer UDP (v2 INFO without the UDP extension)", { cmd: "udp-echo", ...info });
  const s = wrapStream(conn.create_stream(host, port, "udp"));
  for (let i = 1; i <= 3; i++) {
    const msg = Buffer.from("wisp udp " + randomBytes(8).toString("hex"));
    const t0 = performance.now();
    const before = s.chunks.length;
    s.stream.send(new Uint8Array(msg));
    let timer;
    const timedOut = new Promise((r) => (timer = setTimeout(() => r("timeout"), 1000)));
    const got = await Promise.race([
      s.until(() => s.closed || s.chunks.slice(before).some((c) => Buffer.from(c).equals(msg))).then(() => "done"),
      timedOut,
    ]);
    clearTimeout(timer);
    if (s.closed) fail(`UDP stream closed with reason ${hex(s.closed.reason)}`, { cmd: "udp-echo", ...info, close_reason: hex(s.closed.reason) });
    if (got === "done") {
      s.stream.close(0x02);
      pass({ cmd: "udp-echo", target: `${host}:${port}`, ...info, try: i, ms: +(performance.now() - t0).toFixed(1) });
    }
  }
  fail("no echo in 3 tries (1 s each)", { cmd: "udp-echo", ...info, datagrams_received: s.chunks.length });
}

// An incremental HTTP/1.1 response reader: headers, then a body hashed as it
// arrives (Content-Length or until the stream closes).
// With `expected` (a Buffer: the file being served), every body byte is also
// compared with the file at its offset; r.mismatch is the first bad offset.
function httpReader(expected = null) {
  const r = { head: Buffer.alloc(0), headerDone: false, status: 0, contentLength: null, body: 0, hash: createHash("sha256"), mismatch: null };
  r.push = (u8) => {
    let buf = Buffer.from(u8.buffer, u8.byteOffset, u8.length);
    if (!r.headerDone) {
      r.head = Buffer.concat([r.head, buf]);
      const end = r.head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (r.head.length > 65536) throw new Error("HTTP header longer than 64 KiB");
        return;
      }
      const lines = r.head.subarray(0, end).toString("latin1").split("\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0].slice(0, 80))}`);
      r.status = Number(m[1]);
      for (const l of lines.slice(1)) {
        const h = /^content-length:\s*(\d+)\s*$/i.exec(l);
        if (h) r.contentLength = Number(h[1]);
      }
      r.headerDone = true;
      buf = r.head.subarray(end + 4);
      r.head = null;
    }
    if (expected && r.mismatch === null && buf.length) {
      const want = expected.subarray(r.body, r.body + buf.length);
      if (want.length !== buf.length || !want.equals(buf)) r.mismatch = r.body + firstDiff(buf, want);
    }
    r.body += buf.length;
    r.hash.update(buf);
  };
  r.complete = () => r.headerDone && r.contentLength !== null && r.body >= r.contentLength;
  return r;
}

function httpGet(host, hostHeader, p) {
  return new Uint8Array(Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${hostHeader || host}\r\nUser-Agent: wisp_client.mjs\r\nAccept: */*\r\nConnection: close\r\n\r\n`));
}

async function cmdDownload(url, host, port, p, o) {
  if (!o["expect-sha256"]) usage("download needs --expect-sha256 HEX");
  const conn = await openOrFail(url, o.version);
  const info = connInfo(conn, o.version);
  const t0 = performance.now();
  const s = wrapStream(conn.create_stream(host, port, "tcp"), false);
  const http = httpReader();
  let parseError = null;
  s.onchunk = (u8) => {
    try {
      http.push(u8);
    } catch (e) {
      parseError = e.message;
    }
  };
  s.stream.send(httpGet(host, o["host-header"], p));
  await s.until(() => s.closed || http.complete() || parseError);
  const secs = (performance.now() - t0) / 1000;
  const fields = { cmd: "download", target: `${host}:${port}${p}`, ...info, status: http.status, content_length: http.contentLength, body_bytes: http.body, seconds: +secs.toFixed(2), mib_per_s: +(http.body / 1048576 / secs).toFixed(1) };
  if (s.closed) fields.close_reason = hex(s.closed.reason);
  if (parseError) fail(parseError, fields);
  if (!http.headerDone) fail("the stream closed before the HTTP header was complete", fields);
  if (http.status !== 200) fail(`HTTP status ${http.status}`, fields);
  if (http.contentLength !== null && http.body !== http.contentLength) fail(`body is ${http.body} bytes, Content-Length says ${http.contentLength}`, fields);
  const sha = http.hash.digest("hex");
  fields.sha256 = sha;
  if (sha !== o["expect-sha256"].toLowerCase()) fail("sha256 differs", fields);
  if (!s.closed) s.stream.close(0x02);
  pass(fields);
}

async function cmdExpectClose(url, host, port, o) {
  if (!o.tcp === !o.udp) usage("expect-close needs exactly one of --tcp, --udp");
  if (!o.reason) usage("expect-close needs --reason 0xNN[,0xNN]");
  const want = parseReasons(o.reason);
  const within = Number(o.within ?? 10);
  const conn = await openOrFail(url, o.version);
  const info = connInfo(conn, o.version);
  const kind = o.udp ? "udp" : "tcp";
  const t0 = performance.now();
  let stream;
  try {
    stream = conn.create_stream(host, port, kind);
  } catch (e) {
    fail(`wisp-js refused to open the stream: ${e.message}`, { cmd: "expect-close", ...info });
  }
  const s = wrapStream(stream);
  // A UDP stream may only be judged when a datagram goes; send one (harmless for TCP refusals too).
  if (kind === "udp") s.stream.send(new Uint8Array(Buffer.from("wisp probe")));
  let timer;
  const timedOut = new Promise((r) => (timer = setTimeout(() => r("timeout"), within * 1000)));
  const r = await Promise.race([s.until(() => s.closed).then(() => "closed"), timedOut]);
  clearTimeout(timer);
  const fields = { cmd: "expect-close", target: `${kind}:${host}:${port}`, ...info, want: want.map(hex), data_bytes: s.bytes };
  if (r === "timeout") fail(`the stream was not closed within ${within} s`, fields);
  fields.reason = hex(s.closed.reason);
  fields.seconds = +((s.closed.at - t0) / 1000).toFixed(3);
  if (!want.includes(s.closed.reason)) fail(`closed with reason ${fields.reason}, expected ${want.map(hex).join(" or ")}`, fields);
  pass(fields);
}

function authExtensions(o) {
  const ext = wisp.extensions;
  const list = [new ext.UDPExtension({ client_config: {} }), new ext.MOTDExtension({ client_config: {} })];
  if (o.user !== undefined || o.password !== undefined) {
    list.push(new ext.PasswordAuthExtension({ client_config: { username: o.user ?? "", password: o.password ?? "" } }));
  }
  return list;
}

async function cmdAuth(url, o) {
  const expect = o.expect;
  if (!expect) usage("auth needs --expect ok|0xNN|refused");
  const version = o.version;
  const exts = version === 2 ? authExtensions(o) : null;
  let conn;
  try {
    conn = await open(url, version, exts);
  } catch (e) {
    const fields = { cmd: "auth", expect, ...describeRec(e.rec) };
    const rec = e.rec;
    if (expect === "refused") {
      // No session: the upgrade failed, or stream 0 was closed, or the socket closed before CONTINUE.
      pass({ ...fields, result: "refused" });
    }
    if (expect !== "ok" && rec && rec.stream0_close !== null) {
      if (rec.stream0_close === Number(expect)) pass({ ...fields, result: hex(rec.stream0_close) });
      fail(`the server closed stream 0 with reason ${hex(rec.stream0_close)}, expected ${expect}`, fields);
    }
    fail(`${e.message}${rec && rec.stream0_close === null ? " (no CLOSE on stream 0)" : ""}`, fields);
  }
  const info = connInfo(conn, version);
  if (expect !== "ok") fail(`the connection opened, expected ${expect}`, { cmd: "auth", ...info });
  const fields = { cmd: "auth", expect, result: "ok", ...info };
  if (o.echo) {
    const [h, p] = hostPort(o.echo, "echo");
    const r = await echoRoundTrip(conn, h, p, 4096);
    if (r.error) fail(`authenticated, but the echo through ${o.echo} failed: ${r.error}`, fields);
    fields.echo = r;
  }
  pass(fields);
}

async function cmdMotd(url, o) {
  if (o.expect === undefined) usage("motd needs --expect TEXT");
  const conn = await openOrFail(url, 2, authExtensions(o));
  const info = connInfo(conn, 2);
  if (info.motd !== o.expect) fail(`MOTD is ${JSON.stringify(info.motd ?? null)}, expected ${JSON.stringify(o.expect)}`, { cmd: "motd", ...info });
  pass({ cmd: "motd", ...info });
}

// N echo streams stay open; one more must be closed with REASON; after one
// of the N closes, a new stream works again.
async function cmdMaxStreams(url, host, port, o) {
  const n = intArg(o.streams ?? 2, "streams", 1);
  const want = parseReasons(o.reason ?? "0x49");
  const conn = await openOrFail(url, o.version);
  const info = connInfo(conn, o.version);
  const fields = { cmd: "max-streams", target: `${host}:${port}`, ...info, streams: n, want: want.map(hex) };
  const held = [];
  for (let i = 0; i < n; i++) {
    const s = wrapStream(conn.create_stream(host, port, "tcp"));
    const msg = randomBytes(256);
    s.stream.send(new Uint8Array(msg));
    await s.until(() => s.bytes >= msg.length || s.closed);
    if (s.closed) fail(`stream ${i + 1} of ${n} closed with reason ${hex(s.closed.reason)}`, fields);
    held.push(s);
  }
  const extra = wrapStream(conn.create_stream(host, port, "tcp"));
  let timer;
  const r = await Promise.race([
    extra.until(() => extra.closed).then(() => "closed"),
    new Promise((res) => (timer = setTimeout(() => res("timeout"), 5000))),
  ]);
  clearTimeout(timer);
  if (r === "timeout") fail(`stream ${n + 1} was not closed within 5 s`, fields);
  fields.reason = hex(extra.closed.reason);
  if (!want.includes(extra.closed.reason)) fail(`stream ${n + 1} closed with ${fields.reason}`, fields);
  held.shift().stream.close(0x02);
  // The server may see the CLOSE after the next CONNECT only if it reorders: it must not.
  const again = await echoRoundTrip(conn, host, port, 1024);
  if (again.error) fail(`after closing one stream, a new one failed: ${again.error}`, fields);
  fields.after_close = "ok";
  pass(fields);
}

// --- the raw v1 client for slow-reader -------------------------------------

const T = { CONNECT: 1, DATA: 2, CONTINUE: 3, CLOSE: 4, INFO: 5 };
function packet(type, id, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = type;
  b.writeUInt32LE(id, 1);
  payload.copy(b, 5);
  return b;
}
function connectPacket(id, kind, host, port) {
  const h = Buffer.from(host, "utf8");
  const p = Buffer.alloc(3 + h.length);
  p[0] = kind;
  p.writeUInt16LE(port, 1);
  h.copy(p, 3);
  return packet(T.CONNECT, id, p);
}

function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function cmdSlowReader(url, host, port, p, o) {
  const nstreams = intArg(o.streams ?? 100, "streams", 1);
  const pauseS = Number(o.pause ?? 8);
  const pid = o["rss-pid"] ? intArg(o["rss-pid"], "rss-pid", 1) : null;
  const expectBytes = o["expect-bytes"] ? intArg(o["expect-bytes"], "expect-bytes", 1) : null;
  const resumeTimeout = Number(o["resume-timeout"] ?? 30);
  const progress = intArg(o["progress-bytes"] ?? 1048576, "progress-bytes", 1);
  const expected = o["compare-file"] ? readFileSync(o["compare-file"]) : null;
  const fields = { cmd: "slow-reader", target: `${host}:${port}${p}`, streams: nstreams, pause_s: pauseS };
  const rss = { baseline_kib: null, peak_kib: null, samples: 0 };
  if (pid) rss.baseline_kib = rssKiB(pid);

  const ws = new WebSocket(url); // no subprotocol: v1
  ws.binaryType = "nodebuffer";
  const st = new Map(); // id -> {bytes, http, closed}
  let credit = null;
  let wsClosed = null;
  let events = [];
  const wake = () => {
    const e = events;
    events = [];
    for (const f of e) f();
  };
  const until = (pred, secs, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${secs} s waiting for ${what}`)), secs * 1000);
      const check = () => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else events.push(check);
      };
      check();
    });
  ws.on("message", (b) => {
    if (b.length < 5) return;
    const type = b[0], id = b.readUInt32LE(1);
    if (id === 0) {
      if (type === T.CONTINUE && b.length >= 9) credit = b.readUInt32LE(5);
      else if (type === T.CLOSE) wsClosed = { stream0_close: hex(b[5]) };
    } else {
      const s = st.get(id);
      if (!s) return;
      if (type === T.DATA) {
        s.bytes += b.length - 5;
        if (s.http) {
          try {
            s.http.push(b.subarray(5));
          } catch (e) {
            s.error = e.message;
          }
        }
      } else if (type === T.CLOSE) s.closed = b[5];
      else if (type === T.CONTINUE) s.credit = b.readUInt32LE(5);
    }
    wake();
  });
  ws.on("close", (code, reason) => {
    wsClosed = { ...(wsClosed || {}), code, reason: String(reason) };
    wake();
  });
  ws.on("error", (e) => {
    wsClosed = { ...(wsClosed || {}), error: e.message };
    wake();
  });
  ws.on("unexpected-response", (req, res) => {
    wsClosed = { http_status: res.statusCode };
    wake();
  });
  try {
    await until(() => credit !== null || wsClosed, 10, "the server's CONTINUE on stream 0");
  } catch (e) {
    fail(e.message, fields);
  }
  if (credit === null) fail("no CONTINUE on stream 0", { ...fields, ws: wsClosed });
  fields.buffer = credit;

  for (let id = 1; id <= nstreams; id++) {
    st.set(id, { bytes: 0, http: httpReader(expected), closed: null, credit });
    ws.send(connectPacket(id, 0x01, host, port));
    ws.send(packet(T.DATA, id, Buffer.from(httpGet(host, o["host-header"], p))));
  }
  const all = [...st.values()];
  const summary = () => {
    const closed = {};
    for (const s of all) if (s.closed !== null) closed[hex(s.closed)] = (closed[hex(s.closed)] || 0) + 1;
    return {
      started: all.filter((s) => s.bytes > 0).length,
      complete: all.filter((s) => s.http.complete()).length,
      closed,
      mib_received: +(all.reduce((a, s) => a + s.bytes, 0) / 1048576).toFixed(1),
      errors: [...new Set(all.filter((s) => s.error).map((s) => s.error))],
      corrupt: all.filter((s) => s.http.mismatch !== null).length,
    };
  };
  const earlyClose = () => all.some((s) => s.closed !== null && !s.http.complete());
  try {
    await until(() => wsClosed || earlyClose() || all.every((s) => s.bytes > 0), 20, `data on all ${nstreams} streams`);
  } catch (e) {
    fail(e.message, { ...fields, before_pause: summary() });
  }
  if (wsClosed) fail("the WebSocket closed before the pause", { ...fields, ws: wsClosed, before_pause: summary() });
  if (earlyClose()) fail("a stream closed before its download completed", { ...fields, before_pause: summary() });
  fields.before_pause = summary();

  // Stop reading: the server's writes pile up in its queues (or must not).
  ws.pause();
  const pausedAt = all.map((s) => s.bytes);
  const t0 = performance.now();
  while (performance.now() - t0 < pauseS * 1000) {
    if (pid) {
      const k = rssKiB(pid);
      rss.samples++;
      rss.peak_kib = Math.max(rss.peak_kib ?? 0, k);
    }
    await sleep(200);
  }
  if (pid) {
    rss.growth_mib = +((rss.peak_kib - rss.baseline_kib) / 1024).toFixed(1);
    fields.rss = rss;
  }
  ws.resume();
  const limit = o["max-rss-growth-mib"] !== undefined ? Number(o["max-rss-growth-mib"]) : null;
  if (pid && limit !== null && !(rss.growth_mib < limit)) {
    fail(`the server's VmRSS grew by ${rss.growth_mib} MiB while the reader was paused (limit ${limit} MiB)`, { ...fields, paused: summary() });
  }

  // Every stream moves on (or completes), and the connection still works.
  try {
    await until(
      () => wsClosed || earlyClose() || all.every((s, i) => s.http.complete() || s.bytes >= pausedAt[i] + progress),
      resumeTimeout,
      `every stream to receive ${progress} more bytes (or complete) after the pause`,
    );
  } catch (e) {
    fail(e.message, { ...fields, after_resume: summary() });
  }
  fields.after_resume = summary();
  if (wsClosed) fail("the WebSocket closed after the pause", { ...fields, ws: wsClosed });
  if (earlyClose()) fail("a stream closed before its download completed", fields);
  const corrupt = all.findIndex((s) => s.http.mismatch !== null);
  if (corrupt >= 0) fail(`stream ${corrupt + 1}: body differs from --compare-file at offset ${all[corrupt].http.mismatch}`, fields);
  if (expectBytes !== null) {
    const bad = all.filter((s) => s.http.headerDone && s.http.contentLength !== expectBytes);
    if (bad.length) fail(`${bad.length} streams announced Content-Length other than ${expectBytes}`, fields);
  }
  if (o.echo) {
    // A new stream on the same connection still round-trips.
    const [eh, ep] = hostPort(o.echo, "echo");
    const id = nstreams + 1;
    const msg = randomBytes(1024);
    let got = Buffer.alloc(0);
    const es = { bytes: 0, closed: null, http: null };
    st.set(id, es);
    const onData = (b) => {
      if (b.length > 5 && b[0] === T.DATA && b.readUInt32LE(1) === id) got = Buffer.concat([got, b.subarray(5)]);
    };
    ws.on("message", onData);
    ws.send(connectPacket(id, 0x01, eh, ep));
    ws.send(packet(T.DATA, id, msg));
    try {
      await until(() => wsClosed || es.closed !== null || got.length >= msg.length, 15, `an echo on a new stream to ${o.echo}`);
    } catch (e) {
      fail(e.message, fields);
    }
    if (!got.subarray(0, msg.length).equals(msg)) fail(`echo on a new stream failed (closed ${hex(es.closed)}, ${got.length} bytes)`, fields);
    fields.echo_after = "ok";
  }
  for (const id of st.keys()) ws.send(packet(T.CLOSE, id, Buffer.from([0x02])));
  ws.close(1000);
  pass(fields);
}

// --- raw v1 connections for credit-overrun and upload-flood -----------------

// rawOpen(url): a raw Wisp v1 connection (no subprotocol). Resolves once the
// server's CONTINUE on stream 0 arrived, with c.buffer its value; c.st maps
// stream ids to {bytes, chunks, closed, closedAt, credit, continues};
// c.until(pred, secs, what) waits for a condition (rejects on timeout); c.ended
// says why the WebSocket ended (null while it is up). Fails the command when
// the connection does not come up in 10 s.
async function rawOpen(url, fields) {
  const ws = new WebSocket(url);
  ws.binaryType = "nodebuffer";
  const c = { ws, buffer: null, st: new Map(), ended: null, stream0_close: null, waiters: [] };
  c.wake = () => {
    const w = c.waiters;
    c.waiters = [];
    for (const f of w) f();
  };
  c.until = (pred, secs, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${secs} s waiting for ${what}`)), secs * 1000);
      const check = () => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else c.waiters.push(check);
      };
      check();
    });
  c.stream = (id, keep = false) => {
    const s = { id, bytes: 0, keep, chunks: [], closed: null, closedAt: null, credit: c.buffer, continues: [] };
    c.st.set(id, s);
    return s;
  };
  ws.on("message", (b) => {
    if (b.length < 5) return;
    const type = b[0], id = b.readUInt32LE(1);
    if (id === 0) {
      if (type === T.CONTINUE && b.length >= 9) c.buffer = b.readUInt32LE(5);
      else if (type === T.CLOSE) c.stream0_close = hex(b[5]);
    } else {
      const s = c.st.get(id);
      if (!s) return;
      if (type === T.DATA) {
        s.bytes += b.length - 5;
        if (s.keep) s.chunks.push(Buffer.from(b.subarray(5)));
      } else if (type === T.CLOSE) {
        s.closed = b[5];
        s.closedAt = performance.now();
      } else if (type === T.CONTINUE && b.length >= 9) {
        s.credit = b.readUInt32LE(5);
        s.continues.push(s.credit);
      }
    }
    c.wake();
  });
  ws.on("close", (code, reason) => {
    c.ended = { ...(c.ended || {}), code, reason: String(reason) };
    c.wake();
  });
  ws.on("error", (e) => {
    c.ended = { ...(c.ended || {}), error: e.message };
    c.wake();
  });
  ws.on("unexpected-response", (req, res) => {
    c.ended = { http_status: res.statusCode };
    c.wake();
  });
  try {
    await c.until(() => c.buffer !== null || c.ended, 10, "the server's CONTINUE on stream 0");
  } catch (e) {
    fail(e.message, fields);
  }
  if (c.buffer === null) fail("no CONTINUE on stream 0", { ...fields, ws: c.ended, stream0_close: c.stream0_close });
  return c;
}

// rawEcho(c, id, host, port, secs): a TCP echo round trip of 1 KiB on a new
// stream `id` of raw connection c; returns "ok" or a description of what failed.
async function rawEcho(c, id, host, port, secs) {
  const s = c.stream(id, true);
  const msg = randomBytes(1024);
  c.ws.send(connectPacket(id, 0x01, host, port));
  c.ws.send(packet(T.DATA, id, msg));
  const got = () => Buffer.concat(s.chunks);
  try {
    await c.until(() => c.ended || s.closed !== null || s.bytes >= msg.length, secs, `an echo on stream ${id} to ${host}:${port}`);
  } catch (e) {
    return e.message;
  }
  if (c.ended) return `the WebSocket ended: ${JSON.stringify(c.ended)}`;
  if (!got().subarray(0, msg.length).equals(msg)) return `no echo (stream closed ${hex(s.closed)}, ${s.bytes} bytes)`;
  c.ws.send(packet(T.CLOSE, id, Buffer.from([0x02])));
  return "ok";
}

// Closes the WebSocket: a close handshake within `secs`, else the socket is
// destroyed. Returns how it ended ("handshake" or "terminated").
async function rawClose(c, secs = 2) {
  if (c.ended) return "already closed";
  c.ws.close(1000);
  try {
    await c.until(() => c.ended, secs, "the close handshake");
    return "handshake";
  } catch {
    c.ws.terminate();
    return "terminated";
  }
}

// A client that ignores credit: stream 1 to HOST:PORT (an upstream that never
// reads) gets PACKETS DATA packets at once; the server must close it with
// REASON, and a second stream on the same connection must still echo.
async function cmdCreditOverrun(url, host, port, o) {
  if (!o.echo) usage("credit-overrun needs --echo HOST:PORT");
  const [eh, ep] = hostPort(o.echo, "echo");
  const want = parseReasons(o.reason ?? "0x49");
  const within = Number(o.within ?? 10);
  const size = intArg(o["packet-bytes"] ?? 65536, "packet-bytes", 1);
  const fields = { cmd: "credit-overrun", target: `${host}:${port}`, want: want.map(hex), packet_bytes: size };
  const c = await rawOpen(url, fields);
  const npackets = o.packets !== undefined ? intArg(o.packets, "packets", 1) : 3 * c.buffer + 10;
  Object.assign(fields, { buffer: c.buffer, packets: npackets });
  if (o["expect-buffer"] !== undefined && c.buffer !== intArg(o["expect-buffer"], "expect-buffer", 1)) {
    fail(`CONTINUE on stream 0 grants ${c.buffer} packets, expected ${o["expect-buffer"]}`, fields);
  }
  const s = c.stream(1);
  const payload = randomBytes(size);
  const t0 = performance.now();
  let flushed = 0; // packets handed to the kernel
  c.ws.send(connectPacket(1, 0x01, host, port));
  for (let i = 0; i < npackets; i++) c.ws.send(packet(T.DATA, 1, payload), () => flushed++);
  try {
    await c.until(() => c.ended || s.closed !== null, within, `a CLOSE on the overrunning stream`);
  } catch (e) {
    fields.error = e.message;
  }
  const stream1 = { continues: s.continues, flushed_packets_by_then: flushed, buffered_mib: +(c.ws.bufferedAmount / 1048576).toFixed(1) };
  if (s.closed !== null) {
    stream1.reason = hex(s.closed);
    stream1.seconds = +((s.closedAt - t0) / 1000).toFixed(3);
  }
  fields.stream1 = stream1;
  if (c.ended) fail("the WebSocket ended", { ...fields, ws: c.ended, stream0_close: c.stream0_close });
  // Whatever happened to stream 1, does the connection still carry a new stream?
  fields.echo_after = await rawEcho(c, 2, eh, ep, s.closed !== null ? 10 : 3);
  if (s.closed === null) fail(fields.error, fields);
  if (!want.includes(s.closed)) fail(`stream 1 closed with reason ${hex(s.closed)}, expected ${want.map(hex).join(" or ")}`, fields);
  if (fields.echo_after !== "ok") fail(`after the overrun, a new stream on the same connection did not echo: ${fields.echo_after}`, fields);
  fields.ws_close = await rawClose(c);
  pass(fields);
}

// Upload flood within credit: STREAMS streams to HOST:PORT (an upstream that
// never reads), each sent DATA packets while it has credit, for SECONDS; the
// server's VmRSS must grow < M MiB. Then the streams are closed and a new
// connection must echo.
async function cmdUploadFlood(url, host, port, o) {
  const nstreams = intArg(o.streams ?? 64, "streams", 1);
  const secs = Number(o.seconds ?? 6);
  const size = intArg(o["packet-bytes"] ?? 65536, "packet-bytes", 1);
  const maxBuffered = intArg(o["max-buffered"] ?? 1048576, "max-buffered", 1);
  const pid = o["rss-pid"] ? intArg(o["rss-pid"], "rss-pid", 1) : null;
  const limit = o["max-rss-growth-mib"] !== undefined ? Number(o["max-rss-growth-mib"]) : null;
  const probe = Number(o["probe-secs"] ?? 3);
  const fields = { cmd: "upload-flood", target: `${host}:${port}`, streams: nstreams, seconds: secs, packet_bytes: size };
  const rss = { baseline_kib: pid ? rssKiB(pid) : null, peak_kib: null, samples: 0 };
  const sample = () => {
    if (!pid) return;
    const k = rssKiB(pid);
    rss.samples++;
    rss.peak_kib = Math.max(rss.peak_kib ?? 0, k);
  };
  const c = await rawOpen(url, fields);
  fields.buffer = c.buffer;
  const streams = [];
  for (let id = 1; id <= nstreams; id++) {
    streams.push(c.stream(id));
    c.ws.send(connectPacket(id, 0x01, host, port));
  }
  const payload = randomBytes(size);
  let sent = 0;
  let flushed = 0;
  const onFlushed = () => {
    flushed++;
    c.wake();
  };
  const sampler = setInterval(sample, 200);
  const t0 = performance.now();
  const timeline = [];
  let nextMark = 1000;
  // Round robin over the streams with credit, while ws's own queue is short.
  let next = 0;
  while (performance.now() - t0 < secs * 1000 && !c.ended) {
    let progressed = false;
    while (c.ws.bufferedAmount < maxBuffered) {
      let found = -1;
      for (let k = 0; k < nstreams; k++) {
        const i = (next + k) % nstreams;
        if (streams[i].credit > 0 && streams[i].closed === null) {
          found = i;
          break;
        }
      }
      if (found < 0) break;
      const s = streams[found];
      s.credit--;
      s.sent = (s.sent || 0) + 1;
      c.ws.send(packet(T.DATA, s.id, payload), onFlushed);
      sent++;
      progressed = true;
      next = (found + 1) % nstreams;
    }
    const elapsed = performance.now() - t0;
    if (elapsed >= nextMark) {
      timeline.push({ s: Math.round(elapsed / 1000), sent_mib: +((sent * size) / 1048576).toFixed(1), flushed_mib: +((flushed * size) / 1048576).toFixed(1) });
      nextMark += 1000;
    }
    // Wait for credit, a flush or 50 ms, whichever comes first.
    if (!progressed || c.ws.bufferedAmount >= maxBuffered) {
      await Promise.race([new Promise((r) => c.waiters.push(r)), sleep(50)]);
    } else await new Promise((r) => setImmediate(r));
  }
  sample();
  const closedEarly = {};
  for (const s of streams) if (s.closed !== null) closedEarly[hex(s.closed)] = (closedEarly[hex(s.closed)] || 0) + 1;
  Object.assign(fields, {
    sent_mib: +((sent * size) / 1048576).toFixed(1),
    flushed_mib: +((flushed * size) / 1048576).toFixed(1),
    continues: streams.reduce((a, s) => a + s.continues.length, 0),
    streams_with_continue: streams.filter((s) => s.continues.length > 0).length,
    streams_closed_by_server: closedEarly,
    timeline,
  });
  if (pid) {
    rss.growth_mib = +((rss.peak_kib - rss.baseline_kib) / 1024).toFixed(1);
    fields.rss = rss;
  }
  if (c.ended) {
    clearInterval(sampler);
    fail("the WebSocket ended during the flood", { ...fields, ws: c.ended, stream0_close: c.stream0_close });
  }
  // For the record (not a requirement): does this connection still carry a
  // new stream while its uploads wait for upstreams that never read?
  fields.same_connection_echo = await rawEcho(c, nstreams + 1, ...hostPort(o.echo ?? `${host}:${port}`, "echo"), probe);
  clearInterval(sampler);
  for (const s of streams) c.ws.send(packet(T.CLOSE, s.id, Buffer.from([0x02])));
  fields.ws_close = await rawClose(c);
  if (limit !== null && pid && !(rss.growth_mib < limit)) {
    fail(`the server's VmRSS grew by ${rss.growth_mib} MiB during the flood (limit ${limit} MiB)`, fields);
  }
  if (Object.keys(closedEarly).length) fail("the server closed streams that kept within their credit", fields);
  if (o.echo) {
    const [eh, ep] = hostPort(o.echo, "echo");
    const fresh = await rawOpen(url, fields);
    fields.fresh_connection_echo = await rawEcho(fresh, 1, eh, ep, 10);
    await rawClose(fresh);
    if (fields.fresh_connection_echo !== "ok") fail(`after the flood, a new connection did not echo: ${fields.fresh_connection_echo}`, fields);
  }
  pass(fields);
}

// --- main -------------------------------------------------------------------

async function main() {
  const { positional, opts } = parseArgs(process.argv.slice(2));
  const [cmd, url, ...rest] = positional;
  if (!cmd || opts.help) usage("COMMAND URL ... (info, echo, udp-echo, download, expect-close, auth, motd, max-streams, slow-reader, credit-overrun, upload-flood)");
  if (!url || !/^wss?:\/\/.+\/(\?.*)?$/.test(url)) usage(`the URL must be ws(s)://HOST:PORT/PATH/ (with the final '/'): ${url}`);
  // auth and motd are about v2; everything else defaults to v1.
  opts.version = intArg(opts.version ?? (cmd === "auth" || cmd === "motd" ? 2 : 1), "version", 1);
  if (opts.version !== 1 && opts.version !== 2) usage("--version must be 1 or 2");
  const timeout = Number(opts.timeout ?? 30);
  setTimeout(() => fail(`deadline: ${cmd} did not finish within ${timeout} s (--timeout)`, { cmd }), timeout * 1000);

  ({ default: WebSocket } = await importPackage("ws"));
  // wisp-js imports its own copy of ws; set the global too, as browser code expects.
  globalThis.WebSocket ??= WebSocket;
  wisp = await importPackage("@mercuryworkshop/wisp-js/client");
  // The library logs warnings on console; keep stdout for the one JSON line.
  console.warn = (...a) => process.stderr.write(a.join(" ") + "\n");
  console.log = console.warn;

  const need = (n) => {
    if (rest.length < n) usage(`${cmd} needs ${n} more arguments`);
  };
  const port = (v) => intArg(v, "port", 0);
  switch (cmd) {
    case "info": return cmdInfo(url, opts);
    case "echo": need(2); return cmdEcho(url, rest[0], port(rest[1]), opts);
    case "udp-echo": need(2); return cmdUdpEcho(url, rest[0], port(rest[1]), opts);
    case "download": need(3); return cmdDownload(url, rest[0], port(rest[1]), rest[2], opts);
    case "expect-close": need(2); return cmdExpectClose(url, rest[0], port(rest[1]), opts);
    case "auth": return cmdAuth(url, opts);
    case "motd": return cmdMotd(url, opts);
    case "max-streams": need(2); return cmdMaxStreams(url, rest[0], port(rest[1]), opts);
    case "slow-reader": need(3); return cmdSlowReader(url, rest[0], port(rest[1]), rest[2], opts);
    case "credit-overrun": need(2); return cmdCreditOverrun(url, rest[0], port(rest[1]), opts);
    case "upload-flood": need(2); return cmdUploadFlood(url, rest[0], port(rest[1]), opts);
    default: usage(`unknown command ${cmd}`);
  }
}

main().catch((e) => fail(`unexpected error: ${e?.stack || e}`));
