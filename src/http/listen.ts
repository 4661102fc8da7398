import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BoundServer {
  port: number;
  /** From now on requests go to `handler` (until then they get 503 "starting"). */
  serve(handler: RequestListener): void;
  /** Stops listening; also ends idle keep-alive sockets. */
  close(): Promise<void>;
}

/**
 * Takes the HTTP port before anything else starts, so a port in use is known at once. Until the app
 * is ready, every request (/healthz included) gets 503 `{"status":"starting"}`.
 */
export function bindPort(port: number, host?: string): Promise<BoundServer> {
  let handler: RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end('{"status":"starting"}');
  };
  const server = createServer((req, res) => handler(req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        serve: (next) => (handler = next),
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
