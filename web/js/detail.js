// web/js/detail.js - one network's page: summary, join URLs, capture, delete,
// and its VMs and refusals (from each overview), leases, DNS records and Wisp
// connections (fetched when the page opens, again when the overview shows a
// change, at most every REFRESH_MS).
import {api, ApiError, networkPath, withToken} from './api.js';
import {h, fill, keepFocus} from './dom.js';
import {bytes, count} from './format.js';
import {leaseTable, recordTable, refusalTable, vmTable, wispTable} from './tables.js';

const REFRESH_MS = 3000;

export class NetworkDetail {
  /** main: the <main> element; publicHost(): "host:port" of the public listener; onGone(): after a delete. */
  constructor(main, rates, publicHost, onGone) {
    this.main = main;
    this.rates = rates;
    this.publicHost = publicHost;
    this.onGone = onGone;
    this.name = null;
    this.lastFetch = 0;
    this.fetchTimer = null;
    this.signature = '';
  }

  /** Opens network `name` (null: nothing selected). */
  open(name) {
    if (name === this.name) return;
    this.name = name;
    this.seen = false;
    this.openedAt = performance.now();
    this.signature = '';
    this.joinKey = this.deleteOrigin = this.capturePortsKey = undefined;
    clearTimeout(this.fetchTimer);
    this.fetchTimer = null;
    if (!name) {
      fill(this.main, h('p', {class: 'empty', text: 'Select a network, or create one.'}));
      return;
    }
    this.build(name);
    this.refreshLists(true);
  }

  /** The newest overview entry for the open network (undefined: it does not exist). */
  update(network) {
    if (!this.name) return;
    if (!network) {
      // Just created: the overview that lists it may still be on its way.
      const fresh = !this.seen && performance.now() - this.openedAt < 3000;
      fill(this.summary, fresh ? h('p', {class: 'empty', text: 'Waiting for the network…'})
        : h('p', {class: 'notice', 'data-testid': 'network-gone'}, `There is no network called "${this.name}" (any more).`));
      return;
    }
    this.seen = true;
    this.network = network;
    this.drawSummary(network);
    this.drawJoin(network);
    this.drawDelete(network);
    this.drawCapturePorts(network);
    keepFocus(this.vms, () => fill(this.vms, vmTable(network, this.rates, (p) => this.kick(p))));
    fill(this.refusals, refusalTable(network));
    const signature = JSON.stringify([network.leases, network.wisp_connections, network.ports,
      (network.port_list || []).map((p) => [p.id, p.ip, p.hostname])]);
    if (signature !== this.signature) {
      if (this.signature) this.refreshLists(false);
      this.signature = signature;
    }
  }

  build(name) {
    const section = (id, title, ...body) => h('section', {class: 'card', 'aria-labelledby': id},
      h('h3', {id}, title), ...body);
    this.summary = h('div', {class: 'summary', 'data-testid': 'network-summary'});
    this.join = h('div', {class: 'join', 'data-testid': 'join-urls'});
    this.deleteArea = h('div', {class: 'delete-area'});
    this.vms = h('div', {'data-testid': 'vm-list'});
    this.refusals = h('div', {'data-testid': 'refusal-list'});
    this.leases = h('div', {'data-testid': 'lease-list'}, h('p', {class: 'empty', text: 'Loading…'}));
    this.records = h('div', {'data-testid': 'record-list'}, h('p', {class: 'empty', text: 'Loading…'}));
    this.wisp = h('div', {'data-testid': 'wisp-list'}, h('p', {class: 'empty', text: 'Loading…'}));
    this.listError = h('p', {class: 'form-error', role: 'alert', 'data-testid': 'list-error'});

    fill(this.main,
      h('header', {class: 'detail-head'},
        h('h2', {id: 'detail-title', 'data-testid': 'detail-title', tabindex: -1}, name), this.deleteArea),
      this.summary,
      section('join-heading', 'Join this network', this.join),
      section('vms-heading', 'VMs', this.vms),
      section('refusals-heading', 'Refused egress (latest 10)', this.refusals),
      section('capture-heading', 'Capture', this.buildCapture(name)),
      this.listError,
      section('leases-heading', 'DHCP leases', this.leases),
      section('records-heading', 'DNS records', this.records, this.buildRecordForm(name)),
      section('wisp-heading', 'Wisp connections', this.wisp));
  }

  drawSummary(n) {
    const item = (term, value, testid) => h('div', {}, h('dt', {}, term), h('dd', {'data-testid': testid}, value));
    const t = n.traffic || {};
    fill(this.summary, h('dl', {class: 'facts'},
      item('Origin', n.origin === 'config' ? 'config file' : 'admin API', 'fact-origin'),
      item('Subnet', n.subnet, 'fact-subnet'),
      item('Gateway', n.gateway),
      item('Domain', n.domain),
      item('MTU', String(n.mtu)),
      item('Services', [n.dhcp && 'DHCP', n.dns && 'DNS', n.wisp && 'Wisp'].filter(Boolean).join(', ') || 'none'),
      item('Egress', n.egress, 'fact-egress'),
      item('Token', n.token_required ? 'required' : 'none'),
      item('VMs / leases / Wisp', `${n.ports} / ${n.leases} / ${n.wisp_connections}`),
      item('Traffic', `${count(t.frames_in)} frames (${bytes(t.bytes_in)}) from VMs, ` +
        `${count(t.frames_out)} (${bytes(t.bytes_out)}) to VMs, ${count(t.drops)} dropped`)));
  }

  drawJoin(n) {
    const base = `ws://${this.publicHost()}`;
    const key = JSON.stringify([base, n.join, n.token_required]);
    if (this.joinKey === key) return;  // unchanged: keep any text the user selected
    this.joinKey = key;
    const row = (label, url, testid, note) => {
      const id = `join-${testid}`;
      const input = h('input', {id, type: 'text', readonly: true, value: url, 'data-testid': testid, spellcheck: 'false'});
      const status = h('span', {class: 'copy-status', role: 'status'});
      return h('div', {class: 'join-row'},
        h('label', {for: id}, label),
        h('div', {class: 'copy-line'}, input,
          h('button', {type: 'button', class: 'button small', 'data-testid': `${testid}-copy`,
            onclick: () => copy(input, status)}, 'Copy'), status),
        note ? h('p', {class: 'hint'}, note) : null);
    };
    const tokenNote = n.token_required ? 'This network needs its token: add ?token=TOKEN.' : null;
    fill(this.join,
      row('v86 (network_relay_url)', `${base}${n.join.net}`, 'join-net', tokenNote),
      row('Wisp (wisp-js and other JS clients)', `${base}${n.join.wisp}`, 'join-wisp', tokenNote));
  }

  drawDelete(n) {
    if (this.deleteOrigin === n.origin) return;
    this.deleteOrigin = n.origin;
    if (n.origin === 'config') {
      fill(this.deleteArea, h('p', {class: 'hint', 'data-testid': 'delete-unavailable'},
        'Defined in the config file: it cannot be deleted here (remove it from the file).'));
      return;
    }
    const status = h('p', {class: 'form-error', role: 'alert'});
    fill(this.deleteArea,
      h('button', {type: 'button', class: 'button danger', 'data-testid': 'delete-network',
        onclick: () => this.deleteNetwork(status)}, 'Delete network'), status);
  }

  buildCapture(name) {
    const limit = h('input', {id: 'capture-limit', type: 'text', value: '30s', size: 8, 'data-testid': 'capture-limit',
      'aria-describedby': 'capture-limit-hint', spellcheck: 'false'});
    this.capturePort = h('select', {id: 'capture-port', 'data-testid': 'capture-port'},
      h('option', {value: ''}, 'all ports'));
    const link = h('a', {class: 'button primary', 'data-testid': 'capture-download', download: `${name}.pcapng`}, 'Download pcapng');
    const update = () => {
      const q = new URLSearchParams();
      if (limit.value.trim()) q.set('limit', limit.value.trim());
      if (this.capturePort.value) q.set('port', this.capturePort.value);
      link.href = withToken(`${networkPath(name, 'capture')}?${q}`);
    };
    this.updateCaptureLink = update;
    limit.addEventListener('input', update);
    this.capturePort.addEventListener('change', update);
    update();
    return h('div', {class: 'capture'},
      h('div', {class: 'field'}, h('label', {for: 'capture-limit'}, 'Limit'), limit),
      h('div', {class: 'field'}, h('label', {for: 'capture-port'}, 'Port'), this.capturePort),
      link,
      h('p', {class: 'hint capture-hint', id: 'capture-limit-hint'},
        'Limit: seconds ("30s") or packets ("500"). The download is a pcapng file for Wireshark.'));
  }

  drawCapturePorts(n) {
    const ids = (n.port_list || []).map((p) => p.id);
    const key = ids.join(',');
    if (this.capturePortsKey === key) return;
    this.capturePortsKey = key;
    const chosen = this.capturePort.value;
    fill(this.capturePort, h('option', {value: ''}, 'all ports'),
      (n.port_list || []).map((p) => h('option', {value: String(p.id)},
        `port ${p.id}${p.hostname ? ` (${p.hostname})` : p.ip ? ` (${p.ip})` : ''}`)));
    this.capturePort.value = ids.map(String).includes(chosen) ? chosen : '';
    this.updateCaptureLink();
  }

  buildRecordForm(name) {
    const error = h('p', {class: 'form-error', role: 'alert', 'data-testid': 'record-error'});
    const field = (label, input) => h('div', {class: 'field'}, h('label', {for: input.id}, label), input);
    const form = h('form', {class: 'record-form', 'data-testid': 'record-form', novalidate: true},
      h('h4', {}, 'Add a record'),
      field('Name', h('input', {id: 'rec-name', name: 'name', required: true, placeholder: 'db', spellcheck: 'false'})),
      field('Type', h('select', {id: 'rec-type', name: 'type'},
        ['A', 'AAAA', 'CNAME', 'TXT', 'PTR'].map((t) => h('option', {value: t}, t)))),
      field('Value', h('input', {id: 'rec-value', name: 'value', required: true, placeholder: '10.0.2.20', spellcheck: 'false'})),
      field('TTL', h('input', {id: 'rec-ttl', name: 'ttl', type: 'number', min: 0, max: 604800, placeholder: 'default'})),
      h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'button primary'}, 'Add')),
      error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const f = form.elements;
      const body = {name: f.name.value.trim(), type: f.type.value, value: f.value.value.trim()};
      if (f.ttl.value !== '') body.ttl = Number(f.ttl.value);
      try {
        await api(networkPath(name, 'dns', 'records'), {method: 'POST', body});
        form.reset();
        this.refreshLists(true);
      } catch (err) {
        error.textContent = err.field ? `${err.field}: ${err.message}` : err.message;
      }
    });
    return form;
  }

  // Leases, records and Wisp connections: now if `now` or REFRESH_MS passed
  // since the last fetch, else once when it has.
  refreshLists(now) {
    if (this.fetchTimer) return;
    const wait = now ? 0 : Math.max(0, this.lastFetch + REFRESH_MS - performance.now());
    this.fetchTimer = setTimeout(() => { this.fetchTimer = null; this.fetchLists(); }, wait);
  }

  async fetchLists() {
    const name = this.name;
    if (!name) return;
    this.lastFetch = performance.now();
    const get = (path) => api(networkPath(name, ...path)).catch((err) => ({failed: err}));
    const [leases, records, wisp] = await Promise.all([get(['leases']), get(['dns', 'records']), get(['wisp'])]);
    if (name !== this.name) return;  // another network was opened meanwhile
    const failed = [leases, records, wisp].find((r) => r.failed);
    this.listError.textContent = failed ? `Could not load the lists: ${failed.failed.message}` : '';
    if (!leases.failed) keepFocus(this.leases, () => fill(this.leases, leaseTable(name, leases.leases, (l) => this.deleteLease(l))));
    if (!records.failed) keepFocus(this.records, () => fill(this.records, recordTable(name, records.records, (r) => this.deleteRecord(r))));
    if (!wisp.failed) fill(this.wisp, wispTable(name, wisp.connections));
  }

  async act(what, request) {
    this.listError.textContent = '';
    try {
      await request();
      return true;
    } catch (err) {
      this.listError.textContent = `${what} failed: ${err.message}`;
      return false;
    }
  }

  async kick(port) {
    const label = port.hostname || port.ip || `port ${port.id}`;
    if (!confirm(`Disconnect ${label} (port ${port.id}) from ${this.name}? The VM may reconnect.`)) return;
    await this.act('Kicking the port', () => api(networkPath(this.name, 'ports', String(port.id)), {method: 'DELETE'}));
  }

  async deleteLease(lease) {
    if (!confirm(`Delete the lease of ${lease.ip}${lease.hostname ? ` (${lease.hostname})` : ''}?`)) return;
    if (await this.act('Deleting the lease', () => api(networkPath(this.name, 'leases', lease.ip), {method: 'DELETE'})))
      this.refreshLists(true);
  }

  async deleteRecord(record) {
    if (!confirm(`Delete the ${record.type} records of ${record.name}?`)) return;
    if (await this.act('Deleting the record',
      () => api(networkPath(this.name, 'dns', 'records', record.name, record.type), {method: 'DELETE'})))
      this.refreshLists(true);
  }

  async deleteNetwork(status) {
    const name = this.name;
    if (!confirm(`Delete network "${name}"? Its VMs are disconnected.`)) return;
    try {
      await api(networkPath(name), {method: 'DELETE'});
      this.onGone(name);
    } catch (err) {
      status.textContent = err instanceof ApiError && err.status === 409 ? err.message : `Delete failed: ${err.message}`;
    }
  }
}

// Copies the input's text: the Clipboard API where the page may use it
// (a secure context), else the selection and execCommand.
async function copy(input, status) {
  input.select();
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(input.value); ok = true; }
    else ok = document.execCommand('copy');
  } catch { ok = false; }
  status.textContent = ok ? 'Copied' : 'Press Ctrl+C to copy';
  setTimeout(() => { status.textContent = ''; }, 2500);
}
