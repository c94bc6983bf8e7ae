import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { LoupeError } from '../errors.js';
import { createApp } from './app.js';
import type { AppServices } from '../app/context.js';

export interface ListenOptions {
  port: number;
  host: string;
  webDir?: string;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the HTTP server; refuses a non-loopback address unless an API key protects writes. */
export async function listen(services: AppServices, opts: ListenOptions): Promise<RunningServer> {
  if (!isLoopback(opts.host) && !services.apiKey) {
    throw new LoupeError('bad_request', `refusing to listen on ${opts.host} without an API key: set LOUPE_API_KEY (writes need it) or bind to 127.0.0.1`);
  }
  const app = createApp(services, opts.webDir ? { webDir: opts.webDir } : {});
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            // Live streams (SSE) never end by themselves; close them so shutdown is prompt.
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    // Idle keep-alive sockets are closed by the client first (undici: 4 s). Node's own 5 s timer could
    // fire while a long synchronous step held the loop and reset a socket a client had just reused
    // ("fetch failed" on a loaded CI machine); the usual proxy-friendly values avoid the race.
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
    }
    server.once('error', reject);
  });
}
