// The next load number of a test thread: the first N for which it creates the file `load-N` in `dir`
// (exclusively, so two threads loading at once never share one).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function takeLoadNumber(dir) {
  for (let load = 1; ; load++) {
    try {
      writeFileSync(join(dir, `load-${load}`), '', { flag: 'wx' });
      return load;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
}
