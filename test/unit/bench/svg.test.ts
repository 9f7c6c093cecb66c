import t from 'tap';
import { barLength, colorFor, escapeXml, latencyChartSvg, logY, throughputChartSvg } from '../../../bench/svg.js';

/**
 * A small well-formedness check (no XML parser in the dependencies): one root element, every tag closed in order,
 * attribute values quoted, no raw `<` or `&` outside markup and entities.
 */
function checkXml(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/gy;
  let roots = 0;
  let pos = 0;
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const text = xml.slice(pos, lt < 0 ? xml.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) problems.push(`raw & in text at ${String(pos)}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (m === null) {
      problems.push(`malformed tag at ${String(lt)}: ${xml.slice(lt, lt + 40)}`);
      break;
    }
    const [, closing, name = '', , selfClosing] = m;
    if (closing === '/') {
      if (stack.pop() !== name) problems.push(`unexpected </${name}>`);
    } else if (selfClosing !== '/') {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
    pos = tag.lastIndex;
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${String(roots)} root elements`);
  return problems;
}

void t.test('the checker itself rejects broken XML', (t) => {
  t.same(checkXml('<svg><g></g></svg>'), []);
  t.not(checkXml('<svg><g></svg>').length, 0);
  t.not(checkXml('<svg>a & b</svg>').length, 0);
  t.not(checkXml('<svg x=1></svg>').length, 0);
  t.end();
});

void t.test('barLength: proportional to the group maximum, clamped', (t) => {
  t.equal(barLength(50, 100, 400), 200);
  t.equal(barLength(100, 100, 400), 400);
  t.equal(barLength(150, 100, 400), 400, 'never past the scale');
  t.equal(barLength(0, 100, 400), 0);
  t.equal(barLength(5, 0, 400), 0, 'an empty group draws nothing');
  t.end();
});

void t.test('escapeXml', (t) => {
  t.equal(escapeXml('a < b & "c" > d'), 'a &lt; b &amp; &quot;c&quot; &gt; d');
  t.end();
});

void t.test('colours: Brook always the first, peers stable by order', (t) => {
  const systems = ['nats-jetstream', 'brook', 'redis-streams'];
  t.equal(colorFor('brook', systems), '#2563eb');
  t.not(colorFor('nats-jetstream', systems), colorFor('redis-streams', systems));
  t.equal(colorFor('nats-jetstream', systems), colorFor('nats-jetstream', ['brook', 'nats-jetstream']));
  t.end();
});

void t.test('throughput chart: valid SVG, bars scaled within each group, whiskers and escaped labels', (t) => {
  const svg = throughputChartSvg('Records/s <quick> & co', [
    {
      label: 'produce 100 B',
      bars: [
        { label: 'brook', system: 'brook', value: 800_000, min: 700_000, max: 1_000_000 },
        { label: 'nats-jetstream', system: 'nats-jetstream', value: 100_000, min: 90_000, max: 110_000 },
      ],
    },
    { label: 'consume "catch-up"', bars: [{ label: 'brook', system: 'brook', value: 5, min: 5, max: 5 }] },
  ]);
  t.same(checkXml(svg), []);
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.match(svg, /Records\/s &lt;quick&gt; &amp; co/);
  t.match(svg, /consume &quot;catch-up&quot;/);
  const widths = [...svg.matchAll(/<rect x="300" y="\d+(?:\.\d+)?" width="([\d.]+)" height="16"/g)].map((m) =>
    Number(m[1]),
  );
  // Group 1 scales to its largest whisker (1,000,000 -> 440 px): 800k -> 352, 100k -> 44. Group 2 alone: full width.
  t.same(widths, [352, 44, 440]);
  t.equal([...svg.matchAll(/<path d="M/g)].length, 2, 'whiskers only where min < max');
  t.end();
});

void t.test('latency chart: valid SVG, a log axis, points above lower percentiles', (t) => {
  t.equal(logY(1, 0.1, 100, 300, 0), 200);
  t.equal(logY(10, 0.1, 100, 300, 0), 100);
  t.equal(logY(1000, 0.1, 100, 300, 0), 0, 'clamped to the top');
  const svg = latencyChartSvg('Latency', [
    {
      label: '10k rec/s',
      series: [
        { system: 'brook', p50Ms: 0.8, p99Ms: 2.5, p999Ms: 6, maxMs: 20 },
        { system: 'redis-streams', p50Ms: 1.2, p99Ms: null, p999Ms: 9, maxMs: 40 },
      ],
    },
    { label: '50k rec/s', series: [{ system: 'brook', p50Ms: 1, p99Ms: 4, p999Ms: 12, maxMs: 35 }] },
  ]);
  t.same(checkXml(svg), []);
  t.equal([...svg.matchAll(/<polyline /g)].length, 3);
  t.equal([...svg.matchAll(/<circle /g)].length, 4 + 3 + 4, 'a null percentile draws no point');
  const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].slice(0, 4).map((m) => Number(m[1]));
  t.ok(
    ys.every((y, i) => i === 0 || y < (ys[i - 1] ?? 0)),
    'higher percentiles sit higher',
  );
  t.end();
});
