// A worker thread of a RecognizerPool with thread isolation (run by piscina).
import { workerData } from 'node:worker_threads';
import { handleTask, initWorker, type WorkerInit } from './worker-core.js';

await initWorker(workerData as WorkerInit);

export default handleTask;
