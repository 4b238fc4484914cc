// Run by priority-launchers.test.ts with a PATH it chose (a chrt that refuses, say): starts a process
// pool at nice 7 that asks for SCHED_IDLE unless ECOMMIR_TEST_IDLE is 0, and prints what its workers
// got, or why it could not start.
import { RecognizerPool } from '../../src/runtime/pool.js';
import { FAKES_MODULE } from '../server/fakes.js';
import { workerThreads } from './worker-processes.js';

try {
  const pool = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, isolation: 'process', niceIncrement: 7, idleScheduling: process.env.ECOMMIR_TEST_IDLE !== '0' });
  try {
    const threads = [...workerThreads().values()];
    const answer = await pool.predict({ id: 'p', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '怎么用', images: [] }], images: [] });
    console.log(JSON.stringify({ threads, label: answer.label }));
  } finally {
    await pool.close();
  }
} catch (err) {
  console.log(JSON.stringify({ code: (err as { code?: string }).code, message: (err as Error).message }));
}
