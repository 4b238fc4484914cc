// The bench's SVG line chart: points land where their values say, text is escaped, ticks are round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linePlot, niceTicks } from '../../bench/sections/line-plot.js';

test('niceTicks gives round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(53, 159, 8), [60, 80, 100, 120, 140]);
  assert.deepEqual(niceTicks(0.61, 0.74), [0.65, 0.7]);
  assert.deepEqual(niceTicks(0.61, 0.74, 10), [0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74]);
});

test('the chart places each point by its value and escapes text', () => {
  const svg = linePlot({
    title: 'F1 <by> labels & more',
    xLabel: 'labels',
    yLabel: 'weighted F1',
    width: 400,
    height: 300,
    series: [
      { name: 'queue', color: '#d55e00', points: [{ x: 0, y: 0 }, { x: 10, y: 1, spread: 0.1 }] },
      { name: 'random', color: '#0072b2', points: [{ x: 0, y: 0.5 }, { x: 10, y: 0.5 }], dashed: true },
    ],
    references: [{ y: 0.9, label: 'full data' }],
  });
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.includes('F1 &lt;by&gt; labels &amp; more'));
  assert.ok(!/<by>/.test(svg));
  const polylines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));
  assert.equal(polylines.length, 2);
  const [[ax, ay], [bx, by]] = polylines[0];
  assert.equal(ax, 64, 'x = 0 at the left margin');
  assert.equal(bx, 380, 'x = 10 at the right margin');
  assert.ok(ay > by, 'a higher value is drawn higher (smaller y)');
  // The random series is flat at 0.5: both its points at the same height, between the others.
  assert.equal(polylines[1][0][1], polylines[1][1][1]);
  assert.ok(polylines[1][0][1] < ay && polylines[1][0][1] > by);
  assert.equal((svg.match(/<circle /g) ?? []).length, 4);
  assert.equal((svg.match(/<polygon /g) ?? []).length, 1, 'one spread band');
  assert.equal((svg.match(/<svg/g) ?? []).length, (svg.match(/<\/svg>/g) ?? []).length);
});
