// Development only (tests, `node --import tsx`): Node 20 does not run --import hooks in worker
// threads, so a thread started from src/ registers tsx itself before loading json-body-worker.ts.
// The built package (dist/) starts json-body-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./json-body-worker.ts');
export default worker.default;
