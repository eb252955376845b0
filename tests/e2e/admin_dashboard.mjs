#!/usr/bin/env node
// tests/e2e/admin_dashboard.mjs - drives headless Chromium (playwright-core,
// from tests/node/node_modules) through the dashboard and the demo page for
// admin_dashboard_test.sh. Prints one "PASS …"/"FAIL …" line per check and
// the screenshots' paths; exits 1 if any check failed.
//
// Usage: node admin_dashboard.mjs --chromium PATH --node-modules DIR
//   --admin http://127.0.0.1:A --public http://127.0.0.1:P --token T
//   --vm1 IP --vm2 IP --shots DIR --profile DIR
import {createRequire} from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import {parseArgs} from 'node:util';

const {values: opt} = parseArgs({options: Object.fromEntries(
  ['chromium', 'node-modules', 'admin', 'public', 'token', 'vm1', 'vm2', 'shots', 'profile']
    .map((k) => [k, {type: 'string'}]))});
const require = createRequire(path.join(opt['node-modules'], 'noop.js'));
const {chromium} = require('playwright-core');

const STEP_MS = 15000;  // every wait is bounded
let failures = 0;
const pass = (what) => console.log(`PASS ${what}`);
const fail = (what, err) => { failures++; console.log(`FAIL ${what}${err ? `: ${String(err.message || err).split('\n')[0]}` : ''}`); };
async function check(what, fn) {
  try { await fn(); pass(what); } catch (err) { fail(what, err); }
}
function expect(cond, message) { if (!cond) throw new Error(message); }

// The admin API from Node (the browser's own requests are what we test).
async function adminGet(p) {
  const res = await fetch(`${opt.admin}${p}`, {headers: {Authorization: `Bearer ${opt.token}`}});
  expect(res.ok, `GET ${p}: HTTP ${res.status}`);
  return res.json();
}

async function noSidewaysScroll(page, what) {
  const m = await page.evaluate(() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth}));
  expect(m.scroll <= m.inner, `${what}: scrollWidth ${m.scroll} > innerWidth ${m.inner}`);
  return m;
}

async function shot(page, name) {
  const file = path.join(opt.shots, name);
  await page.screenshot({path: file, fullPage: true});
  console.log(`screenshot ${file}`);
}

// A fresh profile per run (the directory is new): no state from earlier runs.
fs.mkdirSync(opt.profile, {recursive: true});
const context = await chromium.launchPersistentContext(opt.profile, {
  executablePath: opt.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: {width: 1280, height: 900},
  timeout: 60000,
}).catch((err) => { fail('Chromium starts', err); process.exit(1); });
pass('headless Chromium starts');

try {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // The 401 before the token and the 400 of the bad subnet are expected answers.
    if (msg.type() === 'error' && !/status of 40[01] /.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (d) => d.accept());

  // --- the token ---------------------------------------------------------------
  await page.goto(`${opt.admin}/`);
  await check('the dashboard asks for the admin token (a 401 opens the dialog)', async () => {
    await page.getByTestId('token-dialog').waitFor({state: 'visible'});
  });
  await page.getByTestId('token-input').fill(opt.token);
  await page.getByTestId('token-submit').click();
  await check('with the token the live feed connects (status "Live")', async () => {
    await page.waitForFunction(() => document.querySelector('[data-testid=live-status]').dataset.state === 'live');
  });
  await check('the token is kept in sessionStorage only', async () => {
    const kept = await page.evaluate(() => ({s: sessionStorage.length, l: localStorage.length}));
    expect(kept.s === 1 && kept.l === 0, JSON.stringify(kept));
  });

  // --- networks and VMs --------------------------------------------------------
  const item = (name) => page.locator(`[data-testid=network-item][data-network="${name}"]`);
  await check('both networks are listed', async () => {
    await item('lab').waitFor();
    await item('lab2').waitFor();
  });
  await check(`lab lists vm1 (vm-one ${opt.vm1}), lab2 lists vm2 (vm-two ${opt.vm2})`, async () => {
    await item('lab').getByTestId('vm-chip').filter({hasText: 'vm-one'}).filter({hasText: opt.vm1}).waitFor();
    await item('lab2').getByTestId('vm-chip').filter({hasText: 'vm-two'}).filter({hasText: opt.vm2}).waitFor();
  });
  await item('lab').getByTestId('network-link').click();
  await check(`lab's VM table shows port, MAC, ${opt.vm1} and vm-one`, async () => {
    const row = page.getByTestId('vm-table-row').filter({hasText: opt.vm1});
    await row.filter({hasText: 'vm-one'}).filter({hasText: '02:53:59:00:d0:01'}).waitFor();
  });
  await check('the VM row gets a live rate after two overviews', async () => {
    await page.waitForFunction(() => {
      const row = document.querySelector('[data-testid=vm-table-row]');
      return row && /\/s/.test(row.textContent);
    });
  });
  await check('the refusal is shown: 192.0.2.1:80, reason egress_off', async () => {
    await page.getByTestId('refusal-table-row').filter({hasText: '192.0.2.1:80'})
      .getByTestId('refusal-reason').filter({hasText: 'egress_off'}).waitFor();
  });
  await check('the lease list (fetched per network) shows vm-one', async () => {
    await page.getByTestId('lease-table-row').filter({hasText: opt.vm1}).filter({hasText: 'vm-one'}).waitFor();
  });
  await check('the v86 join URL names the public listener', async () => {
    const url = await page.getByTestId('join-net').inputValue();
    const expected = `${opt.public.replace(/^http/, 'ws')}/net/lab`;
    expect(url === expected, `${url} != ${expected}`);
  });
  await check('the capture link carries the limit and the token', async () => {
    const href = await page.getByTestId('capture-download').getAttribute('href');
    expect(href.startsWith('/api/networks/lab/capture?limit=30s') && href.includes(`token=${opt.token}`), href);
  });
  await check('a config-file network says why it cannot be deleted', async () => {
    await page.getByTestId('delete-unavailable').waitFor();
    expect(await page.getByTestId('delete-network').count() === 0, 'a delete button is offered');
  });
  await shot(page, 'dashboard-desktop.png');
  console.log(`two VMs on two networks: ${path.join(opt.shots, 'dashboard-desktop.png')} (sidebar: lab with vm-one, lab2 with vm-two)`);

  // --- create a network through the form ----------------------------------------
  await page.getByTestId('new-network-toggle').click();
  await page.getByTestId('create-name').fill('from-browser');
  await page.getByTestId('create-subnet').fill('10.77.0.0/33');
  await page.getByTestId('create-egress').selectOption('allowlist');
  await page.getByTestId('create-submit').click();
  await check("a bad subnet: the server's message appears next to the subnet field", async () => {
    await page.waitForFunction(() => document.querySelector('[data-testid=create-error-subnet]').textContent.length > 0);
    expect(await page.getByTestId('create-subnet').getAttribute('aria-invalid') === 'true', 'field not marked invalid');
  });
  await page.getByTestId('create-subnet').fill('10.77.0.0/24');
  await page.getByTestId('create-submit').click();
  await check('after creating, the new network opens', async () => {
    await page.getByTestId('detail-title').filter({hasText: 'from-browser'}).waitFor();
    await item('from-browser').waitFor();
  });
  await check('GET /api/networks has from-browser (10.77.0.0/24, allowlist, origin api)', async () => {
    const {networks} = await adminGet('/api/networks');
    const n = networks.find((x) => x.name === 'from-browser');
    expect(n && n.subnet === '10.77.0.0/24' && n.egress === 'allowlist' && n.origin === 'api', JSON.stringify(n));
  });
  await check('an API network offers "Delete network"', async () => {
    await page.getByTestId('delete-network').waitFor();
  });

  // --- 375 px ---------------------------------------------------------------
  await page.setViewportSize({width: 375, height: 812});
  await item('lab').getByTestId('network-link').click();
  await page.getByTestId('vm-table-row').first().waitFor();
  await check('at 375 px the dashboard does not scroll sideways', () => noSidewaysScroll(page, 'dashboard'));
  await shot(page, 'dashboard-375.png');

  // --- the demo page on the public listener -----------------------------------------
  const demo = await context.newPage();
  demo.setDefaultTimeout(STEP_MS);
  demo.on('pageerror', (err) => problems.push(`demo page error: ${err.message}`));
  await demo.setViewportSize({width: 1280, height: 900});
  await demo.goto(`${opt.public}/demo/`);
  await check('/demo/ renders its boot form', async () => {
    await demo.getByTestId('boot-form').waitFor();
    for (const id of ['lib-url', 'wasm-url', 'bios-url', 'vgabios-url', 'disk-url', 'network', 'boot'])
      await demo.getByTestId(id).waitFor();
    expect(await demo.getByTestId('network').inputValue() === 'default', 'network name is not "default"');
  });
  const host = new URL(opt.public).host;
  await check(`the snippet has network_relay_url: "ws://${host}/net/default"`, async () => {
    const text = await demo.getByTestId('relay-snippet').textContent();
    expect(text.includes(`network_relay_url: "ws://${host}/net/default"`), text);
  });
  await check('the snippets follow the network name typed in', async () => {
    await demo.getByTestId('network').fill('lab2');
    const wisp = await demo.getByTestId('wisp-js-snippet').textContent();
    expect(wisp.includes(`ws://${host}/wisp/lab2/`), wisp);
  });
  await check('booting without files says what is missing', async () => {
    await demo.getByTestId('boot').click();
    await demo.getByTestId('boot-error').filter({hasText: 'libv86.js'}).waitFor();
  });
  await shot(demo, 'demo-desktop.png');
  await demo.setViewportSize({width: 375, height: 812});
  await check('at 375 px the demo page does not scroll sideways', () => noSidewaysScroll(demo, 'demo'));
  await shot(demo, 'demo-375.png');

  await check('no script error and no CSP violation on either page', async () => {
    expect(problems.length === 0, problems.join(' | '));
  });
} catch (err) {
  fail('the browser session', err);
} finally {
  await context.close();
}
process.exit(failures ? 1 : 0);
