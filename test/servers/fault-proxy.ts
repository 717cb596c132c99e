/**
 * A loopback HTTP proxy in front of an S3 endpoint that injects faults into the next N matching
 * requests: an HTTP 503 SlowDown or 500, a connection reset, or a stall (no answer at all, until
 * the client times out), or a response cut halfway through its body (`cut`: forwarded upstream,
 * then the connection drops). Everything else is forwarded unchanged, Host header included, so the
 * client's SigV4 signature still verifies upstream. It also records what passed, for assertions.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

export type Fault = 'slowdown' | 'internal' | 'reset' | 'stall' | 'cut';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  fault?: Fault;
}

interface Plan {
  fault: Fault;
  left: number;
  match: (r: SeenRequest) => boolean;
}

export class FaultProxy {
  readonly seen: SeenRequest[] = [];
  /** Request body bytes received from clients so far. */
  bytesIn = 0;
  private plans: Plan[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly endpoint: string) {}

  static async start(target: string): Promise<FaultProxy> {
    const up = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => proxy!.handle(req, res, up));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy did not bind a port');
    proxy = new FaultProxy(server, `http://127.0.0.1:${addr.port}`);
    server.on('connection', (s) => {
      proxy!.sockets.add(s);
      s.on('close', () => proxy!.sockets.delete(s));
    });
    return proxy;
  }

  /** The next `count` requests that `match` get `fault`. */
  inject(fault: Fault, count: number, match: (r: SeenRequest) => boolean = () => true): void {
    this.plans.push({ fault, left: count, match });
  }

  /** Requests seen that match, faulted ones included. */
  count(match: (r: SeenRequest) => boolean): number {
    return this.seen.filter(match).length;
  }

  private handle(req: IncomingMessage, res: import('node:http').ServerResponse, up: URL): void {
    const seen: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    this.seen.push(seen);
    req.on('data', (c: Buffer) => (this.bytesIn += c.length));
    const plan = this.plans.find((p) => p.left > 0 && p.match(seen));
    if (plan !== undefined && plan.fault !== 'cut') {
      plan.left--;
      seen.fault = plan.fault;
      if (plan.fault === 'stall') {
        req.resume();
        return;
      }
      if (plan.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const [status, code] = plan.fault === 'slowdown' ? [503, 'SlowDown'] : [500, 'InternalError'];
      // Read the whole body first: answering early makes the client see EPIPE, not the status.
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/xml', connection: 'close' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected fault</Message></Error>`);
      });
      return;
    }
    const cut = plan?.fault === 'cut';
    if (cut) {
      plan!.left--;
      seen.fault = 'cut';
    }
    const out = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (!cut) {
        upRes.pipe(res);
        return;
      }
      // Half the declared body, then the connection drops.
      let budget = Math.floor(Number(upRes.headers['content-length'] ?? 0) / 2);
      upRes.on('data', (c: Buffer) => {
        if (budget <= 0) return;
        res.write(c.subarray(0, budget));
        budget -= c.length;
        if (budget <= 0) {
          upRes.destroy();
          res.socket?.destroy();
        }
      });
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
