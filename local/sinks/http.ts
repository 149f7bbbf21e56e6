/** Small node:http helpers shared by the local sinks. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A mountable route handler: returns true when it took the request (and answers it, maybe later). */
export type SinkHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new BodyTooLarge(`Request body over ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Runs an async handler body and answers 500 (instead of hanging) if it throws. */
export function answerAsync(res: ServerResponse, work: () => Promise<void>): true {
  work().catch((error: unknown) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = error instanceof BodyTooLarge ? 413 : 500;
    sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
  });
  return true;
}

export function pathOf(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://sink.local');
}

export interface RunningServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves the handlers on loopback (port 0: any free port); 404 for anything none of them takes. */
export async function listen(handlers: SinkHandler[], { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const server = createServer((req, res) => {
    for (const handle of handlers) if (handle(req, res)) return;
    sendJson(res, 404, { error: `No sink route for ${req.method} ${pathOf(req).pathname}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
