// web/js/format.js - pure formatting: sizes, rates, times. No DOM, no I/O.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 -> "1.5 KB" (decimal units, as network rates usually are). */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)} ${UNITS[i]}`;
}

/** Bytes per second -> "12 KB/s"; null (not known yet) -> "–". */
export function rate(perSecond) {
  return perSecond === null || perSecond === undefined ? '–' : `${bytes(perSecond)}/s`;
}

/** A count with thousands separators. */
export function count(n) {
  return typeof n === 'number' ? n.toLocaleString('en') : '–';
}

/** Seconds -> "3 s", "4 min", "2 h 5 min", "3 d 4 h". */
export function duration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** How long ago an RFC 3339 time was, against `now` (ms). */
export function since(rfc3339, now = Date.now()) {
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? '–' : `${duration((now - t) / 1000)} ago`;
}

/** How long until an RFC 3339 time. */
export function until(rfc3339, now = Date.now()) {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t)) return '–';
  return t <= now ? 'expired' : `in ${duration((t - now) / 1000)}`;
}

/** "2026-11-28T05:30:00Z" -> "05:30:00" (UTC, as the server reports it). */
export function clock(rfc3339) {
  const m = /T(\d\d:\d\d:\d\d)/.exec(rfc3339 || '');
  return m ? `${m[1]} UTC` : '–';
}

/**
 * The host:port VMs reach the public listener at: its configured address,
 * or this page's host name when it listens on every address (0.0.0.0, ::).
 */
export function publicHost(listen, pageHostname) {
  if (!listen) return pageHostname;
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(listen);
  if (!m) return listen;
  let [, host, port] = m;
  if (host === '' || host === '0.0.0.0' || host === '[::]') {
    host = pageHostname.includes(':') && !pageHostname.startsWith('[') ? `[${pageHostname}]` : pageHostname;
  }
  return `${host}:${port}`;
}
