// tests/e2e/wisp_client/cli.mjs - the command line: arguments, package loading, the subcommand table.
//
// The usage text is the comment at the top of tests/e2e/wisp_client.mjs (the
// entry point, which only calls run()). ws and wisp-js are loaded from
// tests/node/node_modules (not an ancestor of this directory, so a bare
// import would not find them) and handed to the modules that use them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cmdDownload, cmdSlowReader } from "./downloads.mjs";
import { useWebSocket } from "./raw_wisp.mjs";
import { cmdCreditOverrun, cmdUploadFlood } from "./uploads.mjs";
import { fail, intArg, startDeadline, usage } from "./util.mjs";
import { cmdAuth, cmdEcho, cmdExpectClose, cmdInfo, cmdMaxStreams, cmdMotd, cmdUdpEcho, useWispJs } from "./wispjs.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
// The packages live in tests/node/node_modules (WISP_NODE_MODULES overrides).
const nodeModules = process.env.WISP_NODE_MODULES || path.join(here, "..", "..", "node", "node_modules");

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

// --- main: the subcommand table ---------------------------------------------

async function main() {
  const { positional, opts } = parseArgs(process.argv.slice(2));
  const [cmd, url, ...rest] = positional;
  if (!cmd || opts.help) usage("COMMAND URL ... (info, echo, udp-echo, download, expect-close, auth, motd, max-streams, slow-reader, credit-overrun, upload-flood)");
  if (!url || !/^wss?:\/\/.+\/(\?.*)?$/.test(url)) usage(`the URL must be ws(s)://HOST:PORT/PATH/ (with the final '/'): ${url}`);
  // auth and motd are about v2; everything else defaults to v1.
  opts.version = intArg(opts.version ?? (cmd === "auth" || cmd === "motd" ? 2 : 1), "version", 1);
  if (opts.version !== 1 && opts.version !== 2) usage("--version must be 1 or 2");
  const timeout = Number(opts.timeout ?? 30);
  startDeadline(cmd, timeout);

  const { default: WebSocket } = await importPackage("ws");
  useWebSocket(WebSocket);
  // wisp-js imports its own copy of ws; set the global too, as browser code expects.
  globalThis.WebSocket ??= WebSocket;
  useWispJs(await importPackage("@mercuryworkshop/wisp-js/client"));
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

// Runs the command of process.argv; every outcome is one JSON line and an exit code.
export function run() {
  main().catch((e) => fail(`unexpected error: ${e?.stack || e}`));
}
