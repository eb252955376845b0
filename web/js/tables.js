// web/js/tables.js - the network page's tables, drawn from API objects
// (README "Admin API"): VMs, refusals, leases, DNS records, Wisp connections.
// Buttons carry data-focus-key so a redraw can give focus back.
import {h, table} from './dom.js';
import {bytes, clock, count, rate, since, until} from './format.js';

const dash = (v) => (v === null || v === undefined || v === '' ? '–' : v);
const when = (t) => h('time', {datetime: t, title: t}, since(t));

/** VMs (the overview's port_list). onKick(port). */
export function vmTable(network, rates, onKick) {
  const rows = (network.port_list || []).map((p) => {
    const r = rates.of(network.name, p.id);
    return {key: p.id, cells: [
      String(p.id), h('code', {}, dash(p.mac)), dash(p.ip), dash(p.hostname), dash(p.peer),
      when(p.connected_since),
      h('span', {title: `${count(p.frames_in)} frames, ${bytes(p.bytes_in)} in all`}, r ? rate(r.in) : '–'),
      h('span', {title: `${count(p.frames_out)} frames, ${bytes(p.bytes_out)} in all`}, r ? rate(r.out) : '–'),
      h('button', {type: 'button', class: 'button small danger', 'data-testid': 'kick-port',
        'data-focus-key': `kick-${p.id}`, 'aria-label': `Disconnect port ${p.id}`, onclick: () => onKick(p)}, 'Kick'),
    ]};
  });
  return table(`VMs on ${network.name}`, 'vm-table', [
    {label: 'Port', class: 'num'}, {label: 'MAC'}, {label: 'IP'}, {label: 'Hostname'}, {label: 'Peer'},
    {label: 'Connected'}, {label: 'From VM', class: 'num'}, {label: 'To VM', class: 'num'}, {label: ''},
  ], rows, 'No VM is connected.');
}

/** Recent egress refusals, newest first. */
export function refusalTable(network) {
  const rows = (network.refusals || []).map((r, i) => ({key: i, cells: [
    h('time', {datetime: r.when}, clock(r.when)), r.proto, r.source,
    r.port ? `${r.destination}:${r.port}` : r.destination,
    h('span', {class: 'reason', 'data-testid': 'refusal-reason'}, r.reason),
  ]}));
  return table(`Refused connections on ${network.name}`, 'refusal-table', [
    {label: 'When'}, {label: 'Proto'}, {label: 'From'}, {label: 'To'}, {label: 'Reason'},
  ], rows, 'Nothing refused recently.');
}

/** DHCP leases. onDelete(lease). */
export function leaseTable(name, leases, onDelete) {
  const rows = leases.map((l) => ({key: l.ip, cells: [
    l.ip, h('code', {}, l.mac), dash(l.hostname), h('time', {datetime: l.expires, title: l.expires}, until(l.expires)),
    l.state,
    h('button', {type: 'button', class: 'button small danger', 'data-testid': 'delete-lease',
      'data-focus-key': `lease-${l.ip}`, 'aria-label': `Delete the lease for ${l.ip}`, onclick: () => onDelete(l)}, 'Delete'),
  ]}));
  return table(`DHCP leases on ${name}`, 'lease-table', [
    {label: 'IP'}, {label: 'MAC'}, {label: 'Hostname'}, {label: 'Expires'}, {label: 'State'}, {label: ''},
  ], rows, 'No leases.');
}

/** DNS records; only API-added ones can be deleted here. onDelete(record). */
export function recordTable(name, records, onDelete) {
  const rows = records.map((r) => ({key: `${r.name}/${r.type}/${r.value}`, cells: [
    r.name, r.type, r.value, String(r.ttl), r.source,
    r.source === 'api'
      ? h('button', {type: 'button', class: 'button small danger', 'data-testid': 'delete-record',
        'data-focus-key': `record-${r.name}-${r.type}`, 'aria-label': `Delete the ${r.type} records of ${r.name}`,
        onclick: () => onDelete(r)}, 'Delete')
      : h('span', {class: 'hint', title: r.source === 'config' ? 'from the config file' : 'managed by the server'}, '–'),
  ]}));
  return table(`DNS records on ${name}`, 'record-table', [
    {label: 'Name'}, {label: 'Type'}, {label: 'Value'}, {label: 'TTL', class: 'num'}, {label: 'Source'}, {label: ''},
  ], rows, 'No records.');
}

/** Wisp connections with their streams. */
export function wispTable(name, connections) {
  const rows = connections.map((c) => ({key: c.id, cells: [
    String(c.id), c.peer, `v${c.version}`, when(c.connected_since),
    c.streams.length === 0 ? '–' : h('ul', {class: 'streams'},
      c.streams.map((s) => h('li', {}, `${s.type} ${s.host}:${s.port}`))),
    bytes(c.bytes_in), bytes(c.bytes_out),
  ]}));
  return table(`Wisp connections on ${name}`, 'wisp-table', [
    {label: 'ID', class: 'num'}, {label: 'Peer'}, {label: 'Version'}, {label: 'Connected'}, {label: 'Streams'},
    {label: 'From client', class: 'num'}, {label: 'To client', class: 'num'},
  ], rows, 'No Wisp connections.');
}
