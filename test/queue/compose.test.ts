// docker-compose.yml cannot be run here (no Docker engine on these machines): this checks what can be
// checked without one. The file parses as YAML; it has Redis (noeviction, persisted), N workers, the
// HTTP service and the batch client; every command line in it is one the CLI accepts (the command
// exists, each option exists, required ones are given); the Dockerfile copies files that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
}

const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

/** Checks a command line against the CLI's own definition of the command. */
async function acceptedByCli(argv: string[]): Promise<void> {
  const program = await buildProgram({ exitCode: 0 });
  const command = program.commands.find((c) => c.name() === argv[0]);
  assert.ok(command, `no ecommir command ${argv[0]}`);
  const longs = new Set(command.options.map((o) => o.long));
  for (const arg of argv.slice(1)) if (arg.startsWith('--')) assert.ok(longs.has(arg), `ecommir ${argv[0]} has no option ${arg}`);
  for (const option of command.options) if (option.mandatory) assert.ok(argv.includes(option.long!), `ecommir ${argv[0]} needs ${option.long}`);
}

test('docker-compose.yml: Redis, workers, the HTTP service and the batch client, with command lines the CLI accepts', async () => {
  const { redis, worker, api, predict } = compose.services;
  assert.ok(redis && worker && api && predict, Object.keys(compose.services).join(', '));
  assert.match(redis.image ?? '', /^redis:/);
  assert.ok(redis.command!.join(' ').includes('--maxmemory-policy noeviction'), 'BullMQ needs noeviction');
  assert.ok(redis.command!.includes('--appendonly'), 'the queue survives a Redis restart');
  for (const [name, service] of Object.entries({ worker, api, predict })) {
    assert.equal(service.build, '.', `${name} is built from the Dockerfile`);
    await acceptedByCli(service.command!);
  }
  assert.equal(worker.command![0], 'worker');
  assert.ok((worker.deploy?.replicas ?? 0) >= 2, 'N workers');
  assert.equal(worker.command![worker.command!.indexOf('--redis') + 1], 'redis://redis:6379');
  assert.equal(worker.depends_on?.redis.condition, 'service_healthy');
  assert.equal(predict.command![predict.command!.indexOf('--queue') + 1], 'redis://redis:6379');
  // Workers read images by the paths the client enqueues: both mount the data at the same place.
  const dataMount = (s: Service) => s.volumes!.find((v) => v.startsWith('./data:'))!.split(':')[1];
  assert.equal(dataMount(worker), dataMount(predict));
  assert.equal(api.command![0], 'serve');
  assert.match(api.environment!.ECOMMIR_API_KEYS, /^\$\{ECOMMIR_API_KEYS:\?/, 'listening beyond loopback needs keys');
  assert.ok(api.ports!.includes('8080:8080'));
  for (const volume of ['redis-data', 'worker-cache', 'api-cache']) assert.ok(volume in compose.volumes);
});

test('the Dockerfile copies what exists and starts the CLI', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  assert.match(dockerfile, /^FROM node:20-/m);
  for (const [, sources] of dockerfile.matchAll(/^COPY (.+) \S+$/gm)) {
    for (const source of sources.split(' ')) assert.ok(existsSync(`${ROOT}${source}`), `COPY ${source}: no such file`);
  }
  assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/ecommir\.js"\]/);
  assert.ok(existsSync(`${ROOT}bin/ecommir.js`));
});
