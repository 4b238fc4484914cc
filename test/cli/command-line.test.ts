// The command line a model card records must paste back into a shell as the same arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { commandLine } from '../../src/cli/commands/train.js';

test('commandLine quotes what a shell would split or expand, and nothing else', () => {
  assert.equal(commandLine(['train', 'scene', '--data', 'data/dev.json', '--knowledge-weight', '0.3']), 'ecommir train scene --data data/dev.json --knowledge-weight 0.3');
  const awkward = ['train', 'intent', '--data', "my data/it's.json", '--out', '$HOME/*', ''];
  const line = commandLine(awkward);
  // A shell reading the line back gets the same arguments.
  const back = execFileSync('bash', ['-c', `printf '%s\\0' ${line}`]).toString().split('\0').slice(0, -1);
  assert.deepEqual(back, ['ecommir', ...awkward]);
});
