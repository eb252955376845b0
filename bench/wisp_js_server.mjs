// bench/wisp_js_server.mjs - the npm wisp-js server (@mercuryworkshop/wisp-js 0.5.0) on a Node HTTP server, the anchor of bench/wisp_bench.sh.
//
// Usage: node bench/wisp_js_server.mjs NODE_MODULES_DIR [PORT]
//   NODE_MODULES_DIR  a node_modules holding @mercuryworkshop/wisp-js 0.5.0 and
//                     ws (tests/node/node_modules after `npm ci --prefix tests/node`)
//   PORT              default 0 (any free port)
// Listens on 127.0.0.1 only and prints "listening on 127.0.0.1:PORT". Every
// upgrade goes to server.routeRequest (Wisp v1 for clients without a
// subprotocol). Loopback and private targets are allowed: the benchmark's
// targets are on 127.0.0.1. Logging is at "warn": wisp-js logs every stream
// open at "info", which would cost it time the other servers do not spend.
import http from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const port = Number(process.argv[3] ?? 0);
if (!modules) {
  console.error("usage: node wisp_js_server.mjs NODE_MODULES_DIR [PORT]");
  process.exit(2);
}
const root = path.resolve(modules, "@mercuryworkshop/wisp-js");
const version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version;
// The package's "import" entry point; its own imports (ws, ipaddr.js) resolve
// from where it is installed.
const { server, logging } = await import(pathToFileURL(path.join(root, "src/entrypoints/server.mjs")).href);

logging.set_level(logging.WARN);
Object.assign(server.options, { allow_loopback_ips: true, allow_private_ips: true });

const httpServer = http.createServer((req, res) => {
  res.writeHead(404).end();
});
httpServer.on("upgrade", (req, socket, head) => server.routeRequest(req, socket, head));
httpServer.listen(port, "127.0.0.1", () => {
  console.log(`wisp-js ${version}, node ${process.version}`);
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
