// web/demo/demo.js - boots v86 from the visitor's own build, BIOS and disk
// image, with network_relay_url pointing at this server's /net/NAME; and the
// snippets for using Switchyard from one's own v86 page, computed from
// location.host.

const form = document.getElementById('boot-form');
const errorBox = document.getElementById('boot-error');
const statusBox = document.getElementById('boot-status');
const bootButton = document.getElementById('boot');
const stopButton = document.getElementById('stop');
const libWarning = document.getElementById('lib-warning');
let emulator = null;
const objectUrls = [];

const secure = location.protocol === 'https:';
const wsScheme = secure ? 'wss' : 'ws';

/** The relay URL for a network and optional token. */
export function relayUrl(network, token, scheme = wsScheme, path = 'net') {
  const base = `${scheme}://${location.host}/${path}/${encodeURIComponent(network)}${path === 'wisp' ? '/' : ''}`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

function networkName() {
  return form.elements.network.value.trim() || 'default';
}

// The snippets show the network typed in, never the token.
function drawSnippets() {
  const name = networkName();
  document.getElementById('relay-url').textContent = relayUrl(name, form.elements.token.value ? '…' : '');
  document.getElementById('relay-snippet').textContent =
`const emulator = new V86({
  wasm_path: "v86.wasm",
  bios: { url: "seabios.bin" },
  vga_bios: { url: "vgabios.bin" },
  cdrom: { url: "linux.iso" },
  screen_container: document.getElementById("screen_container"),
  // Ethernet frames to Switchyard; DHCP and DNS come from the network.
  // Newer v86 builds also accept net_device: { type: "ne2k", relay_url: "…" }.
  network_relay_url: "${relayUrl(name, '')}",
  autostart: true,
});`;
  document.getElementById('wisp-snippet').textContent =
`new V86({
  // …as above, with v86's Wisp adapter instead of the Ethernet relay:
  network_relay_url: "${relayUrl(name, '', secure ? 'wisps' : 'wisp', 'wisp')}",
});`;
  document.getElementById('wisp-js-snippet').textContent =
`import { client } from "@mercuryworkshop/wisp-js/client";
const conn = new client.ClientConnection("${relayUrl(name, '', wsScheme, 'wisp')}");
conn.onopen = () => {
  const stream = conn.create_stream("example.com", 80, "tcp");
  stream.onmessage = (data) => console.log(data);
};`;
}

// "file picked" wins over "URL typed"; null when neither.
function source(part) {
  const file = form.elements[`${part}-file`].files[0];
  if (file) return {file};
  const url = form.elements[`${part}-url`].value.trim();
  return url ? {url: new URL(url, location.href).href} : null;
}

function objectUrl(file) {
  const url = URL.createObjectURL(file);
  objectUrls.push(url);
  return url;
}

function crossOrigin(url) {
  try { return new URL(url, location.href).origin !== location.origin; } catch { return false; }
}

// libv86.js from another site: this page sets no Content-Security-Policy, so
// the browser runs it; a page of one's own with CSP 'self' would not.
function drawLibWarning() {
  const url = form.elements['lib-url'].value.trim();
  const other = url && !form.elements['lib-file'].files[0] && crossOrigin(url);
  libWarning.hidden = !other;
  libWarning.textContent = other
    ? `libv86.js comes from another origin (${new URL(url, location.href).origin}). This page has no ` +
      'Content-Security-Policy, so it loads; v86.wasm, the BIOS and the image from another origin also need ' +
      'CORS (Access-Control-Allow-Origin) on that server. A page with CSP script-src \'self\' can only ' +
      'load a same-origin libv86.js.'
    : '';
}

// Adds <script src> once; resolves with the V86 constructor.
function loadLibV86(lib) {
  if (window.V86) return Promise.resolve(window.V86);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = lib.file ? objectUrl(lib.file) : lib.url;
    script.addEventListener('load', () => {
      const ctor = window.V86 || window.V86Starter;  // V86Starter: builds before 2024
      ctor ? resolve(ctor) : reject(new Error('libv86.js loaded but defines neither V86 nor V86Starter'));
    });
    script.addEventListener('error', () => reject(new Error(`could not load libv86.js from ${script.src}`)));
    document.head.append(script);
  });
}

// v86 takes {url} or {buffer}; a picked file is read into an ArrayBuffer,
// except the disk, which v86 reads on demand from the File itself.
async function image(src, {lazyFile = false} = {}) {
  if (src.url) return {url: src.url};
  if (lazyFile) return {buffer: src.file};
  return {buffer: await src.file.arrayBuffer()};
}

async function boot(event) {
  event.preventDefault();
  errorBox.textContent = '';
  const parts = {lib: source('lib'), wasm: source('wasm'), bios: source('bios'), vgabios: source('vgabios'), disk: source('disk')};
  const missing = Object.entries({
    lib: 'libv86.js', wasm: 'v86.wasm', bios: 'seabios.bin', vgabios: 'vgabios.bin', disk: 'a disk image',
  }).filter(([part]) => !parts[part]).map(([, what]) => what);
  if (missing.length) {
    errorBox.textContent = `Missing: ${missing.join(', ')} (a URL or a file each).`;
    return;
  }
  bootButton.disabled = true;
  statusBox.textContent = 'Loading v86…';
  try {
    const V86 = await loadLibV86(parts.lib);
    const kind = form.elements['disk-kind'].value;
    const options = {
      wasm_path: parts.wasm.file ? objectUrl(parts.wasm.file) : parts.wasm.url,
      memory_size: Math.max(16, Number(form.elements.memory.value) || 128) * 1024 * 1024,
      vga_memory_size: 8 * 1024 * 1024,
      bios: await image(parts.bios),
      vga_bios: await image(parts.vgabios),
      [kind]: await image(parts.disk, {lazyFile: true}),
      screen_container: document.getElementById('screen'),
      // Both spellings: older builds read network_relay_url, newer ones net_device.
      network_relay_url: relayUrl(networkName(), form.elements.token.value),
      net_device: {type: form.elements.nic.value, relay_url: relayUrl(networkName(), form.elements.token.value)},
      autostart: true,
    };
    emulator = new V86(options);
    emulator.add_listener('emulator-ready', () => { statusBox.textContent = `Running on network "${networkName()}".`; });
    emulator.add_listener('download-error', (e) => { errorBox.textContent = `Could not load ${e.file_name || 'a file'}.`; });
    statusBox.textContent = 'Starting…';
    stopButton.disabled = false;
  } catch (err) {
    errorBox.textContent = `Boot failed: ${err.message}`;
    statusBox.textContent = '';
    bootButton.disabled = false;
  }
}

function stop() {
  if (emulator) {
    emulator.destroy?.();
    emulator = null;
  }
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  stopButton.disabled = true;
  bootButton.disabled = false;
  statusBox.textContent = 'Stopped.';
}

form.addEventListener('submit', boot);
stopButton.addEventListener('click', stop);
form.addEventListener('input', () => { drawSnippets(); drawLibWarning(); });
form.addEventListener('change', drawLibWarning);
drawSnippets();
