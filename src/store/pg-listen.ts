import pg from 'pg';

type Handler = (payload: string) => void;

/**
 * LISTEN on PostgreSQL over one dedicated connection (a pooled one would be handed to other
 * queries). A dropped connection is re-opened with backoff and every channel listened again, so
 * a database restart does not silence a long-running server.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private closed = false;
  private retryMs = 250;

  constructor(private readonly url: string) {}

  async listen(channel: string, fn: Handler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const fresh = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(fn);
    const client = await this.connect();
    if (fresh) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      const handlers = this.handlers.get(channel);
      handlers?.delete(fn);
      if (handlers && handlers.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      for (const fn of this.handlers.get(msg.channel) ?? []) fn(msg.payload ?? '');
    });
    client.on('error', () => this.dropped(client));
    client.on('end', () => this.dropped(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.client = client;
    this.retryMs = 250;
    return client;
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.handlers.size === 0) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => {
      if (!this.closed) this.connect().catch(() => this.reconnectLater());
    }, delay).unref();
  }
}
