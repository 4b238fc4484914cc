// Development only (tests, `node --import tsx`): Node 20 does not run --import hooks in worker
// threads, so a recognition thread started from src/ registers tsx itself before loading its module.
// The built package (dist/) starts recognition-thread.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
const thread = await import('./recognition-thread.ts');
export default thread.default;
