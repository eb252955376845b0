// web/js/app.js - the dashboard's entry point: server facts, the live feed,
// the network list, the open network (#/network/NAME).
import {api} from './api.js';
import {setupCreateForm} from './create_form.js';
import {NetworkDetail} from './detail.js';
import {publicHost} from './format.js';
import {renderNetworkList} from './network_list.js';
import {startLiveFeed} from './live.js';
import {TrafficRates} from './traffic.js';

const rates = new TrafficRates();
const list = document.getElementById('network-list');
const status = document.getElementById('live-status');
const serverInfo = document.getElementById('server-info');
let server = null;
let overview = null;

const detail = new NetworkDetail(document.getElementById('main'), rates,
  () => publicHost(server && server.public && server.public.listen, location.hostname),
  () => { location.hash = ''; });

function selectedName() {
  const m = /^#\/network\/(.+)$/.exec(location.hash);
  if (!m) return null;
  try { return decodeURIComponent(m[1]); } catch { return null; }
}

// With nothing chosen, the first network opens: one click less for the common case.
function route() {
  let name = selectedName();
  if (!name && overview && overview.networks.length > 0) name = overview.networks[0].name;
  detail.open(name);
  if (overview) draw();
}

function draw() {
  renderNetworkList(list, overview, detail.name, rates);
  if (detail.name) detail.update(overview.networks.find((n) => n.name === detail.name));
}

const STATUS_TEXT = {live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline: retrying'};

async function main() {
  setupCreateForm((network) => { location.hash = `#/network/${encodeURIComponent(network.name)}`; });
  window.addEventListener('hashchange', () => {
    route();
    document.getElementById('detail-title')?.focus();
  });
  try {
    server = await api('/api/server');
    serverInfo.textContent = `v${server.version} · public ${server.public.listen} · since ${server.started}`;
  } catch (err) {
    serverInfo.textContent = `Server facts unavailable: ${err.message}`;
  }
  startLiveFeed((next, at) => {
    overview = next;
    rates.update(next, at);
    if (!detail.name) route(); else draw();
  }, (state) => {
    if (status.dataset.state === state) return;  // a role=status change is announced: only real ones
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state] || state;
  });
  route();
}

main();
