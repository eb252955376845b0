// web/js/traffic.js - live traffic rates from successive overviews (pure: the
// caller passes the receive time). A port's rate is its byte counters'
// difference over the time between two overviews.

export class TrafficRates {
  constructor() {
    this.previous = new Map();  // "network/port" -> {at, bytesIn, bytesOut}
    this.rates = new Map();     // "network/port" -> {in, out} bytes per second
  }

  /** Takes one overview received at `atMs` (a monotonic clock, ms). */
  update(overview, atMs) {
    const seen = new Map();
    for (const network of overview.networks || []) {
      for (const port of network.port_list || []) {
        const key = `${network.name}/${port.id}`;
        const now = {at: atMs, bytesIn: port.bytes_in || 0, bytesOut: port.bytes_out || 0};
        const before = this.previous.get(key);
        const seconds = before ? (atMs - before.at) / 1000 : 0;
        // A reset counter (a new VM behind a reused id) has no rate yet.
        if (before && seconds > 0 && now.bytesIn >= before.bytesIn && now.bytesOut >= before.bytesOut) {
          this.rates.set(key, {in: (now.bytesIn - before.bytesIn) / seconds, out: (now.bytesOut - before.bytesOut) / seconds});
        } else {
          this.rates.delete(key);
        }
        seen.set(key, now);
      }
    }
    for (const key of this.rates.keys()) if (!seen.has(key)) this.rates.delete(key);
    this.previous = seen;
  }

  /** {in, out} bytes per second, or null before the second overview. */
  of(networkName, portId) {
    return this.rates.get(`${networkName}/${portId}`) || null;
  }

  /** A network's total rate over its ports (null if none is known). */
  total(network) {
    let sum = null;
    for (const port of network.port_list || []) {
      const r = this.of(network.name, port.id);
      if (!r) continue;
      sum = sum || {in: 0, out: 0};
      sum.in += r.in;
      sum.out += r.out;
    }
    return sum;
  }
}
