// A real Redis for the queue tests (and the scale bench): Debian's redis-server (installed by .ci/run) on a free loopback
// port, nothing saved to disk, stopped by the test that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** Why the queue tests cannot run here (outside CI, where .ci/run installs Redis), or false. */
export const noRedis: string | false = !existsSync(REDIS_SERVER) && !process.env.CI ? `${REDIS_SERVER} is not installed (apt-get install -y redis-server); skipped outside CI` : false;

/**
 * A free loopback port below the range the kernel gives to outgoing connections and to port-0
 * listeners: a port from that range, free when picked, could be taken by another test file's
 * connection while a stopped Redis was down, and its restart there failed (race audit of 2026-12-07).
 */
export async function freePort(): Promise<number> {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  if (!(low > FIRST_PORT + 1000)) return listenOn(0);
  for (let tries = 0; tries < 100; tries++) {
    const port = await listenOn(FIRST_PORT + Math.floor(Math.random() * (low - FIRST_PORT))).catch(() => undefined);
    if (port !== undefined) return port;
  }
  throw new Error(`no free port in ${FIRST_PORT}–${low - 1} after 100 tries`);
}

const FIRST_PORT = 20_000;

/** Listens on the port (0: any) and closes again; the port listened on. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `port`: to start Redis again where a stopped one was (its clients reconnect to it). */
export async function startRedis(extraArgs: string[] = [], port?: number): Promise<TestRedis> {
  port ??= await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'yes', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// The queue tests import it from here.
export { until } from '../until.js';
