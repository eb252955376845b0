// tests/e2e/wisp_client/util.mjs - shared by all commands: JSON result, argument checks, deadline, RSS.
//
// A command ends by calling pass() or fail() exactly once: the first call
// prints {"ok":true|false, ...} on stdout and exits (0 or 1); later calls are
// ignored, so a deadline that fires after a result changes nothing. usage()
// exits 2 with a message on stderr.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// --- output ---------------------------------------------------------------

let finished = false;
function finish(ok, fields) {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify({ ok, ...fields }) + "\n");
  process.exit(ok ? 0 : 1);
}
export const pass = (fields) => finish(true, fields);
export const fail = (error, fields = {}) => finish(false, { error, ...fields });
export const hex = (n) => (typeof n === "number" ? "0x" + n.toString(16).padStart(2, "0") : String(n));

// --- argument checks --------------------------------------------------------

// The usage text is the comment at the top of the entry point.
const entryPoint = fileURLToPath(new URL("../wisp_client.mjs", import.meta.url));

export function usage(msg) {
  process.stderr.write(`wisp_client.mjs: ${msg}\n(see the comment at the top of ${entryPoint})\n`);
  process.exit(2);
}

export function parseReasons(text) {
  return String(text).split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0 || n > 255) usage(`bad close reason ${s}`);
    return n;
  });
}

export function intArg(v, name, min = 0) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`);
  return n;
}

export function hostPort(text, name) {
  const m = /^(.+):(\d+)$/.exec(String(text));
  if (!m) usage(`--${name} must be HOST:PORT`);
  return [m[1], Number(m[2])];
}

// --- time -------------------------------------------------------------------

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Fails command `cmd` when it has not finished within `timeout` seconds.
export function startDeadline(cmd, timeout) {
  setTimeout(() => fail(`deadline: ${cmd} did not finish within ${timeout} s (--timeout)`, { cmd }), timeout * 1000);
}

// --- bytes ------------------------------------------------------------------

// The offset of the first byte where a and b differ (or the shorter length).
export function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

// --- the server's memory ----------------------------------------------------

export function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

// rssSampler(pid): the VmRSS of process pid, for a result's "rss" field.
// The baseline is read now; sample() records one reading (nothing when pid is
// null); growth() adds growth_mib (peak - baseline) and returns the record.
export function rssSampler(pid) {
  const rss = { baseline_kib: pid ? rssKiB(pid) : null, peak_kib: null, samples: 0 };
  const sample = () => {
    if (!pid) return;
    const k = rssKiB(pid);
    rss.samples++;
    rss.peak_kib = Math.max(rss.peak_kib ?? 0, k);
  };
  const growth = () => {
    rss.growth_mib = +((rss.peak_kib - rss.baseline_kib) / 1024).toFixed(1);
    return rss;
  };
  return { rss, sample, growth };
}
