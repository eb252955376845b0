// tests/e2e/wisp_client/uploads.mjs - the upload commands on raw v1: credit-overrun and upload-flood.
//
// Both send to an upstream that never reads. credit-overrun ignores the
// server's CONTINUE credit and must see the stream closed; upload-flood keeps
// within credit for a while, the server's VmRSS sampled, and must see no
// stream closed and the server's memory bounded.
import { randomBytes } from "node:crypto";
import { connectPacket, packet, rawClose, rawEcho, rawOpen, T } from "./raw_wisp.mjs";
import { fail, hex, hostPort, intArg, parseReasons, pass, rssSampler, sleep, usage } from "./util.mjs";

// A client that ignores credit: stream 1 to HOST:PORT (an upstream that never
// reads) gets PACKETS DATA packets at once; the server must close it with
// REASON, and a second stream on the same connection must still echo.
export async function cmdCreditOverrun(url, host, port, o) {
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
export async function cmdUploadFlood(url, host, port, o) {
  const nstreams = intArg(o.streams ?? 64, "streams", 1);
  const secs = Number(o.seconds ?? 6);
  const size = intArg(o["packet-bytes"] ?? 65536, "packet-bytes", 1);
  const maxBuffered = intArg(o["max-buffered"] ?? 1048576, "max-buffered", 1);
  const pid = o["rss-pid"] ? intArg(o["rss-pid"], "rss-pid", 1) : null;
  const limit = o["max-rss-growth-mib"] !== undefined ? Number(o["max-rss-growth-mib"]) : null;
  const probe = Number(o["probe-secs"] ?? 3);
  const fields = { cmd: "upload-flood", target: `${host}:${port}`, streams: nstreams, seconds: secs, packet_bytes: size };
  const { rss, sample, growth } = rssSampler(pid);
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
  if (pid) fields.rss = growth();
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
