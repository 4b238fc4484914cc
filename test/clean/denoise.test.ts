import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Turn } from '../../src/types.js';
import { cleanDialogue, cleanSample, formatRemovals } from '../../src/clean/denoise.js';
import { loadDenoiseRules, parseDenoiseRules } from '../../src/clean/rules.js';

// The dev dialogues, parsed here with a few lines (independent of the data loader under test elsewhere).
interface Record_ { id: string; instruction: string; image: string[] }
const records = JSON.parse(
  readFileSync(new URL('../../../shared/data/www2025-mir/train.json', import.meta.url), 'utf8'),
) as Record_[];
const intentRecords = records.filter((r) => r.instruction.includes('<用户与客服的对话 START>'));

function dialogueOf(record: Record_): Turn[] {
  const body = record.instruction.split('<用户与客服的对话 START>\n')[1].split('\n<用户与客服的对话 END>')[0];
  const images = [...record.image];
  return body.split('\n').map((line) => {
    const role = line.startsWith('用户:') ? 'user' : 'agent';
    const text = line.slice(3).trim();
    const count = text.split('<image>').length - 1;
    return { role, text, images: images.splice(0, count).map((name) => ({ name })) };
  });
}
const byId = (id: string) => dialogueOf(intentRecords.find((r) => r.id === id)!);
const userText = (turns: Turn[]) => turns.filter((t) => t.role === 'user').map((t) => t.text).join(' ');
const agentText = (turns: Turn[]) => turns.filter((t) => t.role === 'agent').map((t) => t.text).join(' ');

test('on every dev dialogue, cleaning keeps each image in order, leaves no empty turn, merges consecutive user turns and maps each turn to its sources', () => {
  assert.ok(intentRecords.length > 200, 'the dev dialogues were read');
  for (const record of intentRecords) {
    const raw = dialogueOf(record);
    const cleaned = cleanDialogue(raw);
    const names = (turns: Turn[]) => turns.flatMap((t) => t.images.map((i) => i.name));
    assert.deepEqual(names(cleaned.turns), names(raw), `${record.id}: images lost or reordered`);
    assert.equal(cleaned.sources.length, cleaned.turns.length);
    cleaned.turns.forEach((turn, i) => {
      assert.ok(turn.text.trim() !== '' || turn.images.length > 0, `${record.id}: turn ${i} is empty`);
      if (i > 0) assert.ok(!(turn.role === 'user' && cleaned.turns[i - 1].role === 'user'), `${record.id}: two user turns in a row`);
      assert.ok(cleaned.sources[i].length > 0 && cleaned.sources[i].every((j) => raw[j].role === turn.role), `${record.id}: turn ${i} sources`);
    });
    // Each raw turn feeds at most one cleaned turn, in order.
    const flat = cleaned.sources.flat();
    assert.deepEqual(flat, [...flat].sort((a, b) => a - b));
    assert.equal(new Set(flat).size, flat.length);
  }
});

test('the "cannot read images" reply goes, the question stays, user turns merge with their images', () => {
  const raw = byId('213e438b17282904772446704d0b28');
  assert.match(raw[1].text, /小富目前还不能识别图片/);
  const cleaned = cleanDialogue(raw);
  assert.doesNotMatch(agentText(cleaned.turns), /识别图片|\/:\d/);
  assert.equal(cleaned.turns[0].role, 'user');
  assert.equal(cleaned.turns[0].text, '<image> <http> 内胆使用的是316不锈钢吗');
  assert.deepEqual(cleaned.turns[0].images.map((i) => i.name), ['213e438b17282904772446704d0b28-0.jpg']);
  assert.deepEqual(cleaned.sources[0], [0, 2, 4]);
  assert.ok(cleaned.removed.some((r) => r.turn === 1 && r.level === 'sentence' && r.rule === 'cannot-read-image'));
  assert.deepEqual(cleaned.merged, [{ turn: 2, into: 0 }, { turn: 4, into: 0 }], 'joined user turns are merges, not removals');
  assert.ok(!cleaned.removed.some((r) => r.rule === 'merge-user-turns'));
  assert.ok(cleaned.removed.some((r) => r.turn === 5 && r.level === 'word' && r.rule === 'emoticon-code' && r.text === '/:810'));
  // The agent's real answer survives.
  assert.match(agentText(cleaned.turns), /316不锈钢在抗腐蚀和抗酸碱方面表现更佳/);
});

test('forms of address go, the question stays intact', () => {
  const cleaned = cleanDialogue(byId('2104a80d17282572952783243d0afd'));
  assert.match(userText(cleaned.turns), /这款商品是全部采用金属材质的吗？/);
  assert.doesNotMatch(userText(cleaned.turns), /亲爱的/);
  const two = cleanDialogue(byId('212bc81d17276539241035368d0b0b'));
  assert.equal(two.turns.length, 1, 'only the user turn is left');
  assert.equal(two.turns[0].text, '<http> <image> <image> 这两件东西有何不同？');
  assert.equal(two.turns[0].images.length, 2);
  assert.ok(two.removed.some((r) => r.rule === 'empty-agent-reply' && r.turn === 7));
});

test('a repeated agent reply is kept once', () => {
  const raw = byId('2166278d17280312481914032d1034');
  const cleaned = cleanDialogue(raw);
  const repeated = cleaned.removed.filter((r) => r.rule === 'repeated-agent-reply');
  assert.ok(repeated.length >= 1);
  const count = (turns: Turn[]) => agentText(turns).split('至于滚筒式洗衣机：').length - 1;
  assert.equal(count(raw), 2);
  assert.equal(count(cleaned.turns), 1);
  assert.equal(count(cleanDialogue(raw, undefined, { dedupeAgentReplies: false }).turns), 2);
});

test('long digit strings become <num>, URLs become <http>, markers can be dropped', () => {
  const turns: Turn[] = [
    { role: 'user', text: '订单号123456789012345还没发货 https://item.taobao.com/item.htm?id=626325677393', images: [] },
    { role: 'agent', text: '', images: [] },
    { role: 'user', text: '电话1234567890', images: [] },
  ];
  const cleaned = cleanDialogue(turns);
  assert.equal(cleaned.turns.length, 1);
  assert.equal(cleaned.turns[0].text, '订单号<num>还没发货 <http> 电话1234567890');
  assert.ok(cleaned.removed.some((r) => r.rule === 'long-digits' && r.replacement === '<num>'));
  const noLinks = cleanDialogue(turns, undefined, { dropLinkMarkers: true });
  assert.doesNotMatch(noLinks.turns[0].text, /<http>/);
});

test('--explain lines name the turn, level and rule', () => {
  const lines = formatRemovals(cleanDialogue(byId('213e438b17282904772446704d0b28')).removed);
  assert.ok(lines.some((l) => l.startsWith('turn 2 sentence/cannot-read-image: 抱歉哦，小富目前还不能识别图片')), lines.join('\n'));
});

test('across all 239 dev dialogues, every user question keeps its content words', () => {
  const fillers = /^(?:亲爱的|您好|你好)[，,:：!！]*|[呢哦]/gu;
  const hanOnly = (s: string) => (s.match(/\p{Script=Han}/gu) ?? []).join('');
  const lost: string[] = [];
  for (const record of intentRecords) {
    const raw = dialogueOf(record);
    const cleanedUser = hanOnly(userText(cleanDialogue(raw).turns).replace(/[呢哦]/gu, ''));
    for (const turn of raw.filter((t) => t.role === 'user')) {
      for (const sentence of turn.text.split(/(?<=[。！？!?])/u)) {
        if (!/[？?吗]|什么|怎么|如何|哪/u.test(sentence) || /联系客服|人工|^在线?吗/u.test(sentence)) continue;
        const core = hanOnly(sentence.replace(fillers, ''));
        if (core && !cleanedUser.includes(core)) lost.push(`${record.id}: ${sentence}`);
      }
    }
  }
  assert.deepEqual(lost, []);
});

test('the rules are data: a custom rules file changes what is removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-rules-'));
  const file = join(dir, 'rules.json');
  writeFileSync(file, JSON.stringify({
    version: 1,
    markers: ['<image>', '<http>'],
    sentence: [{ id: 'no-steel', description: 'test', pattern: '不锈钢', roles: ['user'] }],
  }));
  const custom = loadDenoiseRules(file);
  const raw = byId('213e438b17282904772446704d0b28');
  const withCustom = cleanDialogue(raw, custom);
  assert.doesNotMatch(userText(withCustom.turns), /不锈钢/);
  assert.ok(withCustom.removed.some((r) => r.rule === 'no-steel'));
  // …and without the default rules, the cannot-read-images reply is no longer removed.
  assert.match(agentText(withCustom.turns), /不能识别图片/);
});

test('bad rules and bad turns are named errors', () => {
  assert.throws(() => parseDenoiseRules({ sentence: [{ id: 'x', pattern: '(' }] }, 'r.json'), { code: 'ECM_ERR_BAD_OPTION', message: /r\.json.*sentence\[0\] \(x\)/ });
  assert.throws(() => parseDenoiseRules({ markers: ['<http>'] }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => loadDenoiseRules('/nonexistent/rules.json'), { code: 'ECM_ERR_BAD_OPTION' });
  const sample = { id: 'abc', index: 4, task: 'intent' as const, candidates: [], images: [], turns: [{ role: 'bot', text: 'x', images: [] }] as unknown as Turn[] };
  assert.throws(() => cleanSample(sample), { code: 'ECM_ERR_BAD_RECORD', message: /record #4, id abc: turn 1 \(turns\[0\]\) has role "bot"/ });
});

test('cleanSample returns a copy with cleaned turns', () => {
  const turns = byId('2104a80d17282572952783243d0afd');
  const sample = { id: 's', index: 0, task: 'intent' as const, candidates: [], images: [], turns };
  const { sample: cleaned, removed } = cleanSample(sample);
  assert.notEqual(cleaned.turns, turns);
  assert.equal(sample.turns, turns);
  assert.ok(removed.length > 0);
});

test('cleaning is idempotent: a cleaned dialogue cleans to itself (every dev dialogue, and removals that expose others)', () => {
  const texts = (turns: readonly Turn[]) => turns.map((t) => `${t.role}:${t.text}`);
  for (const r of intentRecords) {
    const once = cleanDialogue(dialogueOf(r));
    const twice = cleanDialogue(once.turns);
    assert.deepEqual(texts(twice.turns), texts(once.turns), r.id);
    assert.deepEqual(twice.removed, [], `${r.id}: the second cleaning removed something`);
  }
  // Project-made replies where one removal exposes another: an emoticon code at the end hides the
  // trailing thanks, one at the start hides the form of address, a dangling colon hides the particle.
  const made: Turn[] = [
    { role: 'user', text: '这个面霜怎么用', images: [] },
    { role: 'agent', text: '若发现质量问题我们承担往返运费，感谢您的理解与支持/:123~', images: [] },
    { role: 'agent', text: '/:H亲爱的，这款现在有单件立减的活动', images: [] },
    { role: 'agent', text: '面料柔软透气，您还可以领取店铺优惠哦：', images: [] },
  ];
  const once = cleanDialogue(made);
  assert.deepEqual(texts(once.turns), ['user:这个面霜怎么用', 'agent:若发现质量问题我们承担往返运费', 'agent:这款现在有单件立减的活动', 'agent:面料柔软透气，您还可以领取店铺优惠']);
  assert.deepEqual(texts(cleanDialogue(once.turns).turns), texts(once.turns));
});

test('a rules file with a key the loader does not read is refused, with the key it likely meant', () => {
  // "sentences" for "sentence" used to turn sentence-level cleaning off without a word.
  assert.throws(() => parseDenoiseRules({ sentences: [{ id: 'x', pattern: '您好' }] }, 'r.json'), { code: 'ECM_ERR_BAD_OPTION', message: /top level: unknown field "sentences": did you mean "sentence"\?/ });
  assert.throws(() => parseDenoiseRules({ normalize: [] }, 'r.json'), { message: /unknown field "normalize": did you mean "normalise"\?/ });
  assert.throws(() => parseDenoiseRules({ word: [{ id: 'thanks', pattern: '谢谢', replace: '' }] }, 'r.json'), { message: /word\[0\] \(thanks\): unknown field "replace": did you mean "replacement"\?/ });
  assert.throws(() => parseDenoiseRules({ minContentChars: { users: 2 } }, 'r.json'), { message: /minContentChars: unknown field "users": did you mean "user"\?/ });
  assert.throws(() => parseDenoiseRules({ minContentChars: 2 }, 'r.json'), { message: /minContentChars: must be an object/ });
  // The shipped file, and one using every key, load as before.
  assert.ok(loadDenoiseRules().sentence.length > 0);
  const every = parseDenoiseRules({ version: 1, description: 'd', markers: ['<image>'], sentenceBreak: '(?<=。)', minContentChars: { user: 0, agent: 1 }, normalise: [], sentence: [{ id: 's', description: 'd', roles: ['agent'], pattern: '您好', flags: 'i', replacement: '' }], word: [] });
  assert.equal(every.sentence[0].id, 's');
});
