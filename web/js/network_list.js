// web/js/network_list.js - the sidebar: one card per network with its VMs,
// redrawn from each overview. A card links to #/network/NAME.
import {h, fill, keepFocus} from './dom.js';
import {rate} from './format.js';

/** Redraws the list. `selected`: the open network's name or null. */
export function renderNetworkList(list, overview, selected, rates) {
  const networks = overview.networks || [];
  if (networks.length === 0) {
    fill(list, h('li', {class: 'empty', text: 'No networks yet: create one.'}));
    return;
  }
  keepFocus(list, () => fill(list, networks.map((n) => networkCard(n, n.name === selected, rates))));
}

function networkCard(n, selected, rates) {
  const total = rates.total(n);
  const vms = n.port_list || [];
  return h('li', {class: 'network-item', 'data-testid': 'network-item', 'data-network': n.name},
    h('a', {class: 'network-card', href: `#/network/${encodeURIComponent(n.name)}`,
      'aria-current': selected ? 'page' : false, 'data-testid': 'network-link', 'data-focus-key': `net-${n.name}`},
    h('span', {class: 'network-name'}, n.name),
    h('span', {class: 'network-meta'},
      `${n.subnet} · ${vms.length} VM${vms.length === 1 ? '' : 's'} · egress ${n.egress}`,
      total ? h('span', {title: 'sent by its VMs / sent to its VMs'}, ` · ↑${rate(total.in)} ↓${rate(total.out)}`) : null),
    vms.length === 0 ? null : h('ul', {class: 'vm-chips', 'aria-label': `VMs on ${n.name}`},
      vms.map((p) => h('li', {class: 'vm-chip', 'data-testid': 'vm-chip'},
        p.hostname || p.ip || p.mac || `port ${p.id}`,
        p.hostname && p.ip ? h('span', {class: 'chip-ip'}, ` ${p.ip}`) : null)))));
}
