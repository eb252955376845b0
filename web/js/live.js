// web/js/live.js - the live feed: GET /api/events (server-sent events, one
// `overview` a second). The browser reconnects by itself after a dropped
// stream; a refused one (401, 503) closes it, and we check why through the
// API (which asks for the token on a 401) before opening it again.
import {api, withToken} from './api.js';

const REOPEN_DELAYS_MS = [1000, 2000, 5000, 10000];

/**
 * Starts the feed. onOverview(overview, receivedAtMs) per event;
 * onStatus('live' | 'reconnecting' | 'offline').
 */
export function startLiveFeed(onOverview, onStatus) {
  let failures = 0;
  let source = null;

  const open = () => {
    source = new EventSource(withToken('/api/events'));
    source.addEventListener('overview', (event) => {
      failures = 0;
      let overview;
      try { overview = JSON.parse(event.data); } catch { return; }
      onStatus('live');
      onOverview(overview, performance.now());
    });
    source.addEventListener('error', async () => {
      if (source.readyState !== EventSource.CLOSED) { onStatus('reconnecting'); return; }
      source.close();
      onStatus('offline');
      try { await api('/api/server'); } catch { /* down, or the token: asked for inside api() */ }
      const delay = REOPEN_DELAYS_MS[Math.min(failures, REOPEN_DELAYS_MS.length - 1)];
      failures++;
      setTimeout(open, delay);
    });
  };
  open();
}
