// A webhook on 127.0.0.1 that a test starts: it records every request and
// answers as told (a status, or never).
import http from 'node:http';
import { afterEach } from 'vitest';
import type net from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the server started. */
  at: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Hook {
  /** http://127.0.0.1:PORT — add the path the test wants. */
  base: string;
  received: Received[];
  /** The JSON bodies received, parsed. */
  bodies(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** `answer` is asked for each request, in order (0, 1, 2, ...). */
export function startHook(answer: (n: number, req: Received) => Answer = () => ({ status: 200, body: 'ok' })): Promise<Hook> {
  const received: Received[] = [];
  const sockets = new Set<net.Socket>();
  const started = Date.now();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() - started };
      received.push(r);
      const a = answer(received.length - 1, r);
      if (a === 'hang') return; // never answers; the socket is destroyed at close
      res.writeHead(a.status, { 'content-type': 'text/plain', ...(a.headers ?? {}) });
      res.end(a.body ?? '');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        base: `http://127.0.0.1:${port}`,
        received,
        bodies: () => received.map((r) => JSON.parse(r.body) as Record<string, unknown>),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** startHook for a test file: every hook started by a test is closed after it. */
export function hooksClosedAfterEach(): (...args: Parameters<typeof startHook>) => Promise<Hook> {
  const hooks: Hook[] = [];
  afterEach(async () => {
    for (const h of hooks.splice(0)) await h.close();
  });
  return async (...args) => {
    const h = await startHook(...args);
    hooks.push(h);
    return h;
  };
}
