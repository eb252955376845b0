// tests/e2e/wisp_client/wispjs.mjs - the checks that use the real wisp-js client, and its wrappers.
//
// Commands: info, echo, udp-echo, expect-close, auth, motd, max-streams.
// RecordingConnection keeps what the library would drop (a CLOSE on stream 0,
// the HTTP error of a failed upgrade, whether the v2 INFO arrived); open() and
// wrapStream() turn its callbacks into promises. downloads.mjs uses the same
// wrappers for `download`.
import { randomBytes } from "node:crypto";
import { fail, firstDiff, hex, hostPort, intArg, parseReasons, pass, usage } from "./util.mjs";

let wisp; // the @mercuryworkshop/wisp-js/client module

// Called once by cli.mjs, before any command runs.
export function useWispJs(module) {
  wisp = module;
}

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
export function connInfo(conn, version) {
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

export async function openOrFail(url, version, extensions = null) {
  try {
    return await open(url, version, extensions);
  } catch (e) {
    fail(e.message, describeRec(e.rec));
  }
}

// A stream with promise helpers: data chunks in a queue, the close reason.
// keep=false: count bytes and call s.onchunk, but keep nothing.
export function wrapStream(stream, keep = true) {
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

export async function cmdInfo(url, o) {
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

export async function cmdEcho(url, host, port, o) {
  const conn = await openOrFail(url, o.version);
  const info = connInfo(conn, o.version);
  const r = await echoRoundTrip(conn, host, port, intArg(o.bytes ?? 65536, "bytes", 1));
  if (r.error) fail(r.error, { cmd: "echo", ...info });
  pass({ cmd: "echo", target: `${host}:${port}`, ...info, ...r });
}

export async function cmdUdpEcho(url, host, port, o) {
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

export async function cmdExpectClose(url, host, port, o) {
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

export async function cmdAuth(url, o) {
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

export async function cmdMotd(url, o) {
  if (o.expect === undefined) usage("motd needs --expect TEXT");
  const conn = await openOrFail(url, 2, authExtensions(o));
  const info = connInfo(conn, 2);
  if (info.motd !== o.expect) fail(`MOTD is ${JSON.stringify(info.motd ?? null)}, expected ${JSON.stringify(o.expect)}`, { cmd: "motd", ...info });
  pass({ cmd: "motd", ...info });
}

// N echo streams stay open; one more must be closed with REASON; after one
// of the N closes, a new stream works again.
export async function cmdMaxStreams(url, host, port, o) {
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
