/**
 * Small SVG charts for the results (no charting dependency): throughput as horizontal bars with min-max whiskers,
 * one group per scenario scaled to its own largest value; latency percentiles as lines on a log scale, one panel
 * per rate. Pure: strings in, a standalone SVG document out.
 */

/** One bar: the median, with the min-max whisker. */
export interface Bar {
  /** Text left of the bar (a system, or a scenario in Brook-only groups). */
  readonly label: string;
  /** The system, which picks the colour. */
  readonly system: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

/** A scenario's bars (one per system), or a series of Brook scenarios. */
export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

/** A system's latency percentiles in one panel (ms; null when not measured). */
export interface LatencySeries {
  readonly system: string;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly maxMs: number | null;
}

/** One rate's panel. */
export interface LatencyPanel {
  readonly label: string;
  readonly series: readonly LatencySeries[];
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const PALETTE = ['#2563eb', '#f59e0b', '#dc2626', '#16a34a', '#9333ea', '#0891b2'] as const;

/** Brook is always blue; the other systems take the next colours in order of first appearance. */
export function colorFor(system: string, systems: readonly string[]): string {
  if (system === 'brook') return PALETTE[0];
  const others = systems.filter((s) => s !== 'brook');
  const i = others.indexOf(system);
  return PALETTE[1 + ((i < 0 ? others.length : i) % (PALETTE.length - 1))] ?? PALETTE[1];
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Length of a bar for `value` when `max` fills `widthPx` (0 for non-positive values or scale). */
export function barLength(value: number, max: number, widthPx: number): number {
  if (!(max > 0) || !(value > 0)) return 0;
  return Math.round((Math.min(value, max) / max) * widthPx * 10) / 10;
}

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return n.toFixed(0);
}

function document(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${String(width)}" height="${String(height)}" viewBox="0 0 ${String(width)} ${String(height)}" ${FONT} font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${String(width)}" height="${String(height)}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(systems: readonly string[], x: number, y: number): string[] {
  return systems.flatMap((s, i) => {
    const lx = x + i * 150;
    return [
      `<rect x="${String(lx)}" y="${String(y - 10)}" width="12" height="12" fill="${colorFor(s, systems)}"/>`,
      `<text x="${String(lx + 18)}" y="${String(y)}">${escapeXml(s)}</text>`,
    ];
  });
}

/** Records/s by scenario: a group of bars per scenario, each group scaled to its own largest whisker (so groups of
 * very different sizes stay readable; the values are printed). */
export function throughputChartSvg(title: string, groups: readonly BarGroup[]): string {
  const labelWidth = 300;
  const barArea = 440;
  const width = labelWidth + barArea + 110;
  const barHeight = 16;
  const systems = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.system)))];
  const body: string[] = [`<text x="12" y="22" font-size="15" font-weight="600">${escapeXml(title)}</text>`];
  body.push(...legend(systems, labelWidth, 22));
  let y = 44;
  for (const group of groups) {
    const scale = Math.max(0, ...group.bars.map((b) => Math.max(b.max, b.value)));
    body.push(`<text x="12" y="${String(y + 12)}" font-weight="600">${escapeXml(group.label)}</text>`);
    y += 18;
    for (const bar of group.bars) {
      const color = colorFor(bar.system, systems);
      const length = barLength(bar.value, scale, barArea);
      const x0 = labelWidth;
      const cy = y + barHeight / 2;
      body.push(`<text x="${String(x0 - 8)}" y="${String(cy + 4)}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      body.push(
        `<rect x="${String(x0)}" y="${String(y)}" width="${String(length)}" height="${String(barHeight)}" fill="${color}"><title>${escapeXml(`${bar.system}: ${compact(bar.value)} (${compact(bar.min)}-${compact(bar.max)})`)}</title></rect>`,
      );
      const lo = x0 + barLength(bar.min, scale, barArea);
      const hi = x0 + barLength(bar.max, scale, barArea);
      if (hi > lo) {
        body.push(
          `<path d="M${String(lo)} ${String(cy)}H${String(hi)}M${String(lo)} ${String(cy - 5)}V${String(cy + 5)}M${String(hi)} ${String(cy - 5)}V${String(cy + 5)}" stroke="#111827" stroke-width="1.2" fill="none"/>`,
        );
      }
      body.push(
        `<text x="${String(x0 + barArea + 8)}" y="${String(cy + 4)}">${escapeXml(compact(bar.value))}/s</text>`,
      );
      y += barHeight + 3;
    }
    y += 12;
  }
  return document(width, y + 8, title, body);
}

const PERCENTILES = [
  ['p50', (s: LatencySeries) => s.p50Ms],
  ['p99', (s: LatencySeries) => s.p99Ms],
  ['p99.9', (s: LatencySeries) => s.p999Ms],
  ['max', (s: LatencySeries) => s.maxMs],
] as const;

/** The y position of `ms` on a log10 axis spanning [lowMs, highMs] over [bottom, top]. */
export function logY(ms: number, lowMs: number, highMs: number, bottom: number, top: number): number {
  const clamped = Math.min(highMs, Math.max(lowMs, ms));
  const f = (Math.log10(clamped) - Math.log10(lowMs)) / (Math.log10(highMs) - Math.log10(lowMs));
  return Math.round((bottom - f * (bottom - top)) * 10) / 10;
}

/** Latency percentiles by rate: a panel per rate, x = percentile, y = ms (log), a line per system. */
export function latencyChartSvg(title: string, panels: readonly LatencyPanel[]): string {
  const panelWidth = 280;
  const plotTop = 70;
  const plotBottom = 300;
  const left = 56;
  const systems = [...new Set(panels.flatMap((p) => p.series.map((s) => s.system)))];
  const values = panels
    .flatMap((p) => p.series.flatMap((s) => PERCENTILES.map(([, f]) => f(s))))
    .filter((v): v is number => v !== null && v > 0);
  const lowMs = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const highMs = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  // Wide enough for the panels, the legend (150 px per system) and the title (about 8 px per character at 15 px).
  const width = Math.max(left + panels.length * panelWidth + 20, left + systems.length * 150, 24 + title.length * 8);
  const body: string[] = [`<text x="12" y="22" font-size="15" font-weight="600">${escapeXml(title)}</text>`];
  body.push(...legend(systems, left, 44));
  for (let decade = lowMs; decade <= highMs; decade *= 10) {
    const y = logY(decade, lowMs, highMs, plotBottom, plotTop);
    body.push(
      `<line x1="${String(left)}" x2="${String(left + panels.length * panelWidth)}" y1="${String(y)}" y2="${String(y)}" stroke="#e5e7eb"/>`,
      `<text x="${String(left - 6)}" y="${String(y + 4)}" text-anchor="end">${escapeXml(decade >= 1 ? `${String(decade)} ms` : `${decade.toPrecision(1)} ms`)}</text>`,
    );
  }
  panels.forEach((panel, p) => {
    const x0 = left + p * panelWidth;
    const step = (panelWidth - 40) / (PERCENTILES.length - 1);
    body.push(
      `<text x="${String(x0 + panelWidth / 2)}" y="${String(plotTop - 8)}" text-anchor="middle" font-weight="600">${escapeXml(panel.label)}</text>`,
    );
    PERCENTILES.forEach(([name], i) => {
      body.push(
        `<text x="${String(x0 + 20 + i * step)}" y="${String(plotBottom + 18)}" text-anchor="middle">${name}</text>`,
      );
    });
    for (const series of panel.series) {
      const color = colorFor(series.system, systems);
      const points = PERCENTILES.flatMap(([, f], i) => {
        const v = f(series);
        return v === null ? [] : [{ x: x0 + 20 + i * step, y: logY(v, lowMs, highMs, plotBottom, plotTop), v }];
      });
      if (points.length > 1) {
        body.push(
          `<polyline points="${points.map((pt) => `${String(pt.x)},${String(pt.y)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
        );
      }
      for (const pt of points) {
        body.push(
          `<circle cx="${String(pt.x)}" cy="${String(pt.y)}" r="3.5" fill="${color}"><title>${escapeXml(`${series.system}: ${pt.v.toFixed(2)} ms`)}</title></circle>`,
        );
      }
    }
  });
  return document(width, plotBottom + 34, title, body);
}
