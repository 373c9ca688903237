import type { Profile } from '../profile';
import type { BenchResults } from '../results';
import type { TargetName } from '../targets/target';
import { lowerBoundReason, networkOf } from './verdicts';

const TARGETS: readonly { name: TargetName; label: string; color: string }[] = [
  { name: 'chatterlink', label: 'ChatterLink', color: '#3451b2' },
  { name: 'uws', label: 'bare uWS', color: '#2a9d8f' },
  { name: 'ws', label: 'ws', color: '#e9c46a' },
  { name: 'socketio', label: 'Socket.IO', color: '#e76f51' },
];
const WIDTH = 980;
const HEIGHT = 380;
const PANEL = { top: 60, bottom: 320, width: 290 };

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const text = (x: number, y: number, s: string, attrs = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escape(s)}</text>`;
/** A bar, coordinates rounded to a tenth of a pixel. */
const rect = (x: number, y: number, w: number, h: number, fill: string, title: string) =>
  `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"><title>${escape(title)}</title></rect>`;
const short = (v: number) => (v === 0 ? '0' : v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${Math.round(v / 1e3)}k` : v >= 10 ? String(Math.round(v)) : v.toFixed(1));

/** Grouped bars on a log scale (latency percentiles, ms). */
function latencyPanel(x0: number, results: BenchResults, rate: number): string {
  const groups = ['p50', 'p99', 'p99.9'] as const;
  const [lo, hi] = [0.1, 2000];
  const y = (v: number) => PANEL.bottom - ((Math.log10(Math.max(lo, Math.min(hi, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (PANEL.bottom - PANEL.top);
  const parts = [text(x0, 40, `Send → receive latency, ms (log), ${rate.toLocaleString('en-US')} sends/s`, 'font-weight="bold"')];
  for (const tick of [0.1, 1, 10, 100, 1000]) {
    parts.push(`<line x1="${x0 + 30}" x2="${x0 + PANEL.width}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#ddd"/>`, text(x0 + 26, y(tick) + 4, String(tick), 'text-anchor="end" font-size="10"'));
  }
  const groupWidth = (PANEL.width - 40) / groups.length;
  const bar = groupWidth / (TARGETS.length + 1);
  groups.forEach((g, gi) => {
    const gx = x0 + 36 + gi * groupWidth;
    TARGETS.forEach((t, ti) => {
      const l = networkOf(results, t.name)?.latency.fixed.latency;
      if (!l) return;
      const v = g === 'p50' ? l.p50 : g === 'p99' ? l.p99 : l.p999;
      parts.push(rect(gx + ti * bar, y(v), bar - 2, PANEL.bottom - y(v), t.color, `${t.label} ${g}: ${v} ms`));
    });
    parts.push(text(gx + (bar * TARGETS.length) / 2, PANEL.bottom + 16, g, 'text-anchor="middle" font-size="12"'));
  });
  return parts.join('\n');
}

/** What a bar shows: its value, and whether the server may do more than that (the table's "≥"). */
interface BarValue {
  readonly value: number;
  readonly atLeast?: boolean;
}

/** One bar per server on a linear scale. */
function barPanel(x0: number, title: string, bar: (name: TargetName) => BarValue | undefined): string {
  const bars = TARGETS.map((t) => bar(t.name));
  const values = bars.map((b) => b?.value ?? 0);
  const max = Math.max(1, ...values) * 1.1;
  const y = (v: number) => PANEL.bottom - (v / max) * (PANEL.bottom - PANEL.top);
  const parts = [text(x0, 40, title, 'font-weight="bold"'), `<line x1="${x0 + 10}" x2="${x0 + PANEL.width}" y1="${PANEL.bottom}" y2="${PANEL.bottom}" stroke="#999"/>`];
  const width = (PANEL.width - 20) / TARGETS.length;
  TARGETS.forEach((t, i) => {
    const v = values[i]!;
    const x = x0 + 14 + i * width;
    const shown = bars[i];
    const label = shown === undefined ? 'n/a' : `${shown.atLeast ? '≥ ' : ''}${short(v)}`;
    parts.push(
      rect(x, y(v), width - 10, PANEL.bottom - y(v), t.color, `${t.label}: ${shown?.atLeast ? 'at least ' : ''}${Math.round(v)}`),
      text(x + (width - 10) / 2, y(v) - 4, label, 'text-anchor="middle" font-size="11"'),
      text(x + (width - 10) / 2, PANEL.bottom + 16, t.label, 'text-anchor="middle" font-size="11"'),
    );
  });
  return parts.join('\n');
}

/**
 * docs/benchmarks.svg: latency percentiles and throughput of every server in the run, no dependencies. A fan-out
 * rate that is only a lower bound (the ladder's top passed, or its load generator saturated) is labelled "≥".
 */
export function renderChart(results: BenchResults, profile: Profile): string {
  const sustained = (name: TargetName): BarValue | undefined => {
    const net = networkOf(results, name);
    return net && { value: net.fanout.sustainedDeliveries, atLeast: lowerBoundReason(net, profile) !== undefined };
  };
  const perCpu = (name: TargetName): BarValue | undefined => {
    const v = networkOf(results, name)?.fanout.atCpuRate?.deliveriesPerServerCpuSecond;
    return v === undefined ? undefined : { value: v };
  };
  const legend = TARGETS.map((t, i) => `<rect x="${20 + i * 130}" y="352" width="12" height="12" fill="${t.color}"/>${text(38 + i * 130, 362, t.label, 'font-size="12"')}`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    text(20, 20, `ChatterLink benchmarks (${results.profile} profile, ${results.startedAt.slice(0, 10)}, load average up to ${results.machine.loadAverage.max})`, 'font-size="12" fill="#555"'),
    latencyPanel(20, results, profile.latency.rate),
    barPanel(350, 'Fan-out: sustained deliveries/s', sustained),
    barPanel(670, `Deliveries per server CPU-s at ${Math.round(profile.fanout.cpuAt / 1000)}k/s`, perCpu),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
