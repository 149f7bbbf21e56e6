/**
 * The local sinks' outage switches over HTTP, for `npm start` and for tests that drive the stack from
 * outside (the same switches as `stack.faults`):
 *
 *   GET  /dev/faults                    { "mail": "up", "slack": "slow", "events": "up" }
 *   POST /dev/faults/mail | /dev/faults/slack | /dev/faults/events   state=down|slow|up, delayMs=<ms> (slow only; default: until up)
 *        form-encoded or JSON; answers the new states
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf, readBody, sendJson } from './http.js';
import type { SwitchableSink } from './switchable-server.js';

function states(faults: Record<string, SwitchableSink>): Record<string, string> {
  return Object.fromEntries(Object.entries(faults).map(([name, sink]) => [name, sink.state]));
}

function parse(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body || '{}');
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** Serves /dev/faults; false for any other path. */
export async function serveFaults(req: IncomingMessage, res: ServerResponse, faults: Record<string, SwitchableSink>): Promise<boolean> {
  const path = pathOf(req).pathname.replace(/\/+$/, '');
  if (path !== '/dev/faults' && !path.startsWith('/dev/faults/')) return false;
  if (path === '/dev/faults') {
    if (req.method !== 'GET') sendJson(res, 405, { error: 'GET /dev/faults, or POST /dev/faults/<sink>' });
    else sendJson(res, 200, states(faults));
    return true;
  }
  const sink = faults[path.slice('/dev/faults/'.length)];
  if (!sink || req.method !== 'POST') {
    sendJson(res, 404, { error: `POST /dev/faults/{${Object.keys(faults).join('|')}} with state=down|slow|up` });
    return true;
  }
  const params = parse(req.headers['content-type'] ?? '', await readBody(req));
  const delay = params.delayMs === undefined || params.delayMs === '' ? undefined : Number(params.delayMs);
  if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
    sendJson(res, 400, { error: 'delayMs must be a number of milliseconds' });
    return true;
  }
  switch (params.state) {
    case 'down':
      await sink.down();
      break;
    case 'slow':
      await sink.slow(delay);
      break;
    case 'up':
      await sink.up();
      break;
    default:
      sendJson(res, 400, { error: 'state must be down, slow or up' });
      return true;
  }
  sendJson(res, 200, states(faults));
  return true;
}
