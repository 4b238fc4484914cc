// Development only (tests, `node --import tsx`): Node 20 does not run --import hooks in worker
// threads, so a worker started from src/ registers tsx itself before loading worker.ts. The
// built package (dist/) starts worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');
export default worker.default;
