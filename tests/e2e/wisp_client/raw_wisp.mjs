// tests/e2e/wisp_client/raw_wisp.mjs - a minimal raw Wisp v1 client on `ws`, for what wisp-js cannot do.
//
// wisp-js always reads and always honours credit; the slow reader, the credit
// overrun and the upload flood must not. Here: the packet builders, the `ws`
// constructor (set by cli.mjs), and rawOpen/rawEcho/rawClose for
// uploads.mjs. The slow reader (downloads.mjs) drives its socket itself.
import { randomBytes } from "node:crypto";
import { fail, hex } from "./util.mjs";

export let WebSocket; // the ws package's WebSocket

// Called once by cli.mjs, before any command runs.
export function useWebSocket(ctor) {
  WebSocket = ctor;
}

// --- packets ------------------------------------------------------------------

export const T = { CONNECT: 1, DATA: 2, CONTINUE: 3, CLOSE: 4, INFO: 5 };
export function packet(type, id, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = type;
  b.writeUInt32LE(id, 1);
  payload.copy(b, 5);
  return b;
}
export function connectPacket(id, kind, host, port) {
  const h = Buffer.from(host, "utf8");
  const p = Buffer.alloc(3 + h.length);
  p[0] = kind;
  p.writeUInt16LE(port, 1);
  h.copy(p, 3);
  return packet(T.CONNECT, id, p);
}

// --- raw v1 connections for credit-overrun and upload-flood -----------------

// rawOpen(url): a raw Wisp v1 connection (no subprotocol). Resolves once the
// server's CONTINUE on stream 0 arrived, with c.buffer its value; c.st maps
// stream ids to {bytes, chunks, closed, closedAt, credit, continues};
// c.until(pred, secs, what) waits for a condition (rejects on timeout); c.ended
// says why the WebSocket ended (null while it is up). Fails the command when
// the connection does not come up in 10 s.
export async function rawOpen(url, fields) {
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
export async function rawEcho(c, id, host, port, secs) {
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
export async function rawClose(c, secs = 2) {
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
