// A worker process of a RecognizerPool with process isolation: the same work as a worker thread,
// over the IPC channel. Signals to the process group (Ctrl-C) are left to the parent, which
// finishes in-flight work before it stops; the process ends when the channel closes.
import { handleTask, initWorker, type WorkerInit, type WorkerTask } from './worker-core.js';

type Inbound = { type: 'init'; init: WorkerInit } | { type: 'task'; id: number; task: WorkerTask };

process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('disconnect', () => process.exit(0));

process.on('message', (message: Inbound) => {
  if (message.type === 'init') {
    void initWorker(message.init).then(() => process.send?.({ type: 'ready' }));
  } else if (message.type === 'task') {
    void handleTask(message.task).then((reply) => process.send?.({ type: 'result', id: message.id, reply }));
  }
});
