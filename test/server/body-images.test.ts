// Large base64 images decoded in the body parser's thread: only where an image belongs, only when
// they check out as on the event loop, and behind tokens no other body can name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBodyImages, decodedImage } from '../../src/server/body-images.js';

const bytesOf = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));

test('image strings are swapped for tokens of their decoded bytes; text and short strings stay as sent', () => {
  const a = bytesOf(3_000, 1);
  const b = bytesOf(3_000, 2);
  const c = bytesOf(3_000, 3);
  const lookalikeText = a.toString('base64');
  const body = {
    items: [
      { image: `data:image/png;base64,${a.toString('base64').replace(/.{76}/g, '$&\n')}` },
      { dialogue: [{ role: 'user', text: lookalikeText, images: [b.toString('base64'), 'AAAA', c.toString('base64url')] }] },
    ],
  };
  const decoded = decodeBodyImages(body, 10_000, 1_000);
  assert.equal(decoded.size, 3);
  const [scene, dialogue] = body.items as [{ image: string }, { dialogue: Array<{ text: string; images: string[] }> }];
  assert.deepEqual(decodedImage(scene.image, decoded), new Uint8Array(a));
  assert.deepEqual(decodedImage(dialogue.dialogue[0].images[0], decoded), new Uint8Array(b));
  assert.equal(dialogue.dialogue[0].images[1], 'AAAA', 'shorter than minChars: decoded on the event loop');
  assert.deepEqual(decodedImage(dialogue.dialogue[0].images[2], decoded), new Uint8Array(c));
  assert.equal(dialogue.dialogue[0].text, lookalikeText, 'a text field is never an image, whatever it looks like');
  for (const bytes of decoded.values()) assert.equal(bytes.buffer.byteLength, bytes.byteLength, 'each image owns its buffer (it is moved between threads)');
});

test('strings that would be refused on the event loop are left as sent, to be refused there alike', () => {
  const image = bytesOf(3_000, 4).toString('base64');
  const body = {
    dialogue: [
      {
        role: 'user',
        text: 'x',
        images: [`data:text/plain;base64,${image}`, `${image.slice(0, -4)}!!!!`, bytesOf(20_000, 5).toString('base64')],
      },
    ],
  };
  const sent = structuredClone(body);
  assert.equal(decodeBodyImages(body, 10_000, 1_000).size, 0);
  assert.deepEqual(body, sent);
});

test('a token names an image of its own body only', () => {
  const image = bytesOf(3_000, 6).toString('base64');
  const first = { image };
  const second = { image };
  const firstImages = decodeBodyImages(first, 10_000, 1_000);
  const secondImages = decodeBodyImages(second, 10_000, 1_000);
  assert.notEqual(first.image, second.image);
  assert.equal(decodedImage(second.image, firstImages), undefined);
  assert.ok(decodedImage(second.image, secondImages));
  assert.equal(decodedImage(first.image, undefined), undefined, 'a body parsed in place has no decoded images');
});
