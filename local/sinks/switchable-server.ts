/**
 * A local sink on its own loopback port that can fail the way a real one does, for the delivery tests
 * and for trying outages by hand (`npm start`, /dev/faults):
 *
 * - `down()`: the port stops listening and open connections are dropped: every call is refused
 *   (ECONNREFUSED), so the caller knows nothing was delivered.
 * - `slow(delayMs)`: every request is handled as usual (the email or Slack message lands) but its answer
 *   is held for delayMs, or until `up()` when no delay is given: a caller whose attempt timeout is
 *   shorter gives up without knowing that it was delivered.
 * - `up()`: back to normal, on the same port; answers still held are released.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathOf, sendJson, type SinkHandler } from './http.js';

export type SinkState = 'up' | 'down' | 'slow';

export class SwitchableSink {
  readonly name: string;
  #handlers: SinkHandler[];
  #server: Server | undefined;
  #port = 0;
  #state: SinkState = 'up';
  #delayMs = Infinity;
  #held = new Set<() => void>();

  constructor(name: string, handlers: SinkHandler[]) {
    this.name = name;
    this.#handlers = handlers;
  }

  /** http://127.0.0.1:<port> (the same across down/up). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get state(): SinkState {
    return this.#state;
  }

  async start(port = 0): Promise<string> {
    this.#port = port;
    await this.#listen();
    return this.url;
  }

  /** Refuses every connection until up(). */
  async down(): Promise<void> {
    this.#state = 'down';
    await this.#close();
    // Their connections are gone: releasing only clears the timers.
    this.#releaseHeld();
  }

  /** Handles every request but holds its answer for delayMs (default: until up()). */
  async slow(delayMs = Infinity): Promise<void> {
    if (!this.#server) await this.#listen();
    this.#state = 'slow';
    this.#delayMs = delayMs;
  }

  /** Back to normal on the same port; held answers go out now. */
  async up(): Promise<void> {
    this.#state = 'up';
    this.#releaseHeld();
    if (!this.#server) await this.#listen();
  }

  async close(): Promise<void> {
    this.#releaseHeld();
    await this.#close();
  }

  async #listen(): Promise<void> {
    const server = createServer((req, res) => {
      // No kept-alive connections: a sink that is down refuses the next call (ECONNREFUSED) instead of
      // having a pooled connection fail half-way, which would look like "maybe delivered".
      res.shouldKeepAlive = false;
      if (this.#state === 'slow') this.#hold(res);
      for (const handle of this.#handlers) if (handle(req, res)) return;
      sendJson(res, 404, { error: `No ${this.name} sink route for ${req.method} ${pathOf(req).pathname}` });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Defers the response's end (headers and body go out together) until released. */
  #hold(res: ServerResponse): void {
    const end = res.end.bind(res) as (...args: unknown[]) => unknown;
    const delayMs = this.#delayMs;
    res.end = ((...args: unknown[]) => {
      let timer: NodeJS.Timeout | undefined;
      const release = (): void => {
        this.#held.delete(release);
        if (timer) clearTimeout(timer);
        if (!res.destroyed) end(...args);
      };
      this.#held.add(release);
      if (Number.isFinite(delayMs)) timer = setTimeout(release, delayMs);
      return res;
    }) as typeof res.end;
  }

  #releaseHeld(): void {
    for (const release of [...this.#held]) release();
  }
}
