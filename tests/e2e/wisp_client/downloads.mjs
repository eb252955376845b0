// tests/e2e/wisp_client/downloads.mjs - the download commands: download (wisp-js) and slow-reader (raw v1).
//
// Both read an HTTP/1.1 response from a TCP stream with httpReader(), which
// hashes the body as it arrives (and compares it with a file when asked).
// slow-reader stops reading its WebSocket while the server's VmRSS is
// sampled, which wisp-js cannot do, so it speaks raw Wisp v1 itself.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connectPacket, packet, T, WebSocket } from "./raw_wisp.mjs";
import { fail, firstDiff, hex, hostPort, intArg, pass, rssSampler, sleep, usage } from "./util.mjs";
import { connInfo, openOrFail, wrapStream } from "./wispjs.mjs";

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

export async function cmdDownload(url, host, port, p, o) {
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

export async function cmdSlowReader(url, host, port, p, o) {
  const nstreams = intArg(o.streams ?? 100, "streams", 1);
  const pauseS = Number(o.pause ?? 8);
  const pid = o["rss-pid"] ? intArg(o["rss-pid"], "rss-pid", 1) : null;
  const expectBytes = o["expect-bytes"] ? intArg(o["expect-bytes"], "expect-bytes", 1) : null;
  const resumeTimeout = Number(o["resume-timeout"] ?? 30);
  const progress = intArg(o["progress-bytes"] ?? 1048576, "progress-bytes", 1);
  const expected = o["compare-file"] ? readFileSync(o["compare-file"]) : null;
  const fields = { cmd: "slow-reader", target: `${host}:${port}${p}`, streams: nstreams, pause_s: pauseS };
  const meter = rssSampler(pid);
  const rss = meter.rss;

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
    meter.sample();
    await sleep(200);
  }
  if (pid) fields.rss = meter.growth();
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
