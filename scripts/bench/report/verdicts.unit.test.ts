import { describe, expect, it } from 'vitest';
import { QUICK } from '../profile';
import type { BenchResults } from '../results';
import type { NetworkResult } from '../suites/network';
import type { StepResult } from '../suites/load-step';
import { renderChart } from './chart';
import { renderMarkdown } from './markdown';
import { lowerBoundReason, verdicts } from './verdicts';

function step(sendRate: number, fanout: number, p99: number): StepResult {
  const latency = { count: 1000, p50: p99 / 4, p99, p999: p99 * 1.2, max: p99 * 2 };
  return {
    sendRate,
    targetDeliveries: sendRate * fanout,
    deliveredPerSecond: sendRate * fanout,
    latency,
    ack: undefined,
    missing: 0,
    errors: 0,
    lastError: undefined,
    serverCpuSeconds: 1,
    serverCpuShare: 0.5,
    databaseCpuShare: 0.1,
    deliveriesPerServerCpuSecond: sendRate * fanout * 2,
    loadgenCpuShare: 0.3,
    maxSendLagMs: 1,
    ok: p99 < 50,
  };
}

function network(sustained: number, fixedP99: number): NetworkResult {
  const steps = [step(50, 1000, 10), step(sustained / 1000, 1000, 20)];
  return {
    connectMs: 100,
    fanout: { subscribers: 1000, steps, sustainedDeliveries: sustained, atCpuRate: steps[0] },
    latency: { rooms: 100, roomSize: 10, fixed: step(2000, 10, fixedP99), steps: [], sustainedSends: 2000 },
  };
}

const none = { unavailable: 'not run' };
const results: BenchResults = {
  profile: 'quick',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:05:00.000Z',
  machine: {
    cpu: 'test cpu',
    cores: 2,
    memoryGiB: 8,
    kernel: '6',
    node: 'v20',
    postgres: 'PostgreSQL 16',
    postgresDurability: 'synchronous_commit=on, fsync=on',
    chromium: 'n/a',
    versions: {},
    commit: 'abc',
    loadAverage: { start: 0.5, end: 0.7, max: 0.9 },
  },
  network: { chatterlink: network(200_000, 6), uws: network(240_000, 2), ws: network(40_000, 5), socketio: none },
  memory: { chatterlink: { connections: 5000, rssBeforeMiB: 100, rssAfterMiB: 110, bytesPerConnection: 2100, connectMs: 1 } },
  catchUp: { missed: 10_000, catchUpMs: 800, eventsReceived: 10_000, outbox: 1000, outboxAckMs: 2500, outboxErrors: 0, writeMs: 5000 },
  append: {
    synchronousCommit: 'on',
    writers: 64,
    grouped: { eventsPerSecond: 25_000, events: 50_000, transactions: 800 },
    single: { eventsPerSecond: 1000, events: 2000, transactions: 2000 },
    ratio: 25,
  },
  replay: { postgres: none, pglite: undefined },
  crypto: none,
  bundle: { files: [{ file: '/a.js', bytes: 300_000, gzipBytes: 100_000 }], gzipBytes: 100_000 },
  ingest: {
    count: 10_000,
    bulkMs: 400,
    bulkCpuMs: 500,
    catchUp: [
      { mix: 'message.sent', events: 1000, ms: 500, cpuMs: 600, receiveMs: 100, batches: 1, redraws: 1, longestTaskMs: 0 },
      { mix: 'mixed', events: 10_000, ms: 900, cpuMs: 1100, receiveMs: 300, batches: 5, redraws: 5, longestTaskMs: 80 },
    ],
    browser: 'Chromium',
  },
};

const byMetric = (prefix: string) => verdicts(results, QUICK).filter((v) => v.metric.startsWith(prefix));

describe('verdicts', () => {
  it('compares fan-out with each peer by its own factor, and says when a peer was not measured', () => {
    const fanout = byMetric('1.');
    expect(fanout.map((v) => v.met)).toEqual([true, true, undefined]); // 0.83× uWS, 5× ws, Socket.IO missing
    expect(fanout[2]!.measured).toMatch(/Socket\.IO not measured/);
  });

  it('does not judge a ratio against a rate the load generator capped', () => {
    const saturated = (net: NetworkResult): NetworkResult => {
      const failed = { ...step(net.fanout.sustainedDeliveries / 500, 1000, 80), loadgenCpuShare: 0.99 };
      return { ...net, fanout: { ...net.fanout, steps: [...net.fanout.steps, failed] } };
    };
    const capped = (network: BenchResults['network']) => verdicts({ ...results, network }, QUICK).filter((v) => v.metric.startsWith('1.'));
    // uWS stopped by its load generator: 0.83× of a lower bound proves nothing; 5× ws still holds.
    const peerCapped = capped({ ...results.network, uws: saturated(network(240_000, 2)) });
    expect(peerCapped.map((v) => v.met)).toEqual([undefined, true, undefined]);
    expect(peerCapped[0]!.measured).toMatch(/not established: bare uWS's next step failed with the load generator/);
    // ChatterLink stopped by its load generator: below a factor is not established, above one still is.
    const ownCapped = capped({ ...results.network, chatterlink: saturated(network(100_000, 6)) });
    expect(ownCapped.map((v) => v.met)).toEqual([undefined, undefined, undefined]);
    expect(ownCapped[0]!.measured).toMatch(/ChatterLink's next step failed/);
    expect(capped({ ...results.network, chatterlink: saturated(network(200_000, 6)) }).map((v) => v.met)).toEqual([true, true, undefined]);
  });

  it('judges by the step that ended the ladder: a transient failure passed on its retry does not make a lower bound', () => {
    const chatterlink = network(100_000, 6);
    const transient = { ...step(150, 1000, 80), loadgenCpuShare: 0.99 };
    const ended = [step(200, 1000, 70), step(200, 1000, 75)];
    const retried: NetworkResult = { ...chatterlink, fanout: { ...chatterlink.fanout, steps: [...chatterlink.fanout.steps, transient, step(150, 1000, 30), ...ended], sustainedDeliveries: 150_000 } };
    const withRetry = { ...results, network: { ...results.network, chatterlink: retried } };
    // 150k against 240k bare uWS (0.63×) and 40k ws (3.75×): short of both, and judged so, not "not established".
    expect(verdicts(withRetry, QUICK).filter((v) => v.metric.startsWith('1.')).map((v) => v.met)).toEqual([false, false, undefined]);
    expect(renderMarkdown(withRetry, QUICK)).toContain('150k: 80.0✗ → 30.0, 200k: 70.0✗ → 75.0✗');
  });

  it('takes the bound from the lowest failing rate above the sustained one, also when the halfway step ran last', () => {
    const chatterlink = network(100_000, 6);
    // 200k failed twice with the load generator saturated; the halfway 150k then passed: 150k is a lower bound.
    const capped = { ...step(200, 1000, 80), loadgenCpuShare: 0.99 };
    const halved: NetworkResult = { ...chatterlink, fanout: { ...chatterlink.fanout, steps: [...chatterlink.fanout.steps, capped, capped, step(150, 1000, 30)], sustainedDeliveries: 150_000 } };
    expect(lowerBoundReason(halved, QUICK)).toMatch(/load generator/);
    // The halfway 150k failed twice with the load generator idle: the limit lies between 100k and 150k.
    const failedHalfway = [capped, capped, step(150, 1000, 70), step(150, 1000, 75)];
    const bounded: NetworkResult = { ...chatterlink, fanout: { ...chatterlink.fanout, steps: [...chatterlink.fanout.steps, ...failedHalfway] } };
    expect(lowerBoundReason(bounded, QUICK)).toBeUndefined();
  });

  it('does not judge a ratio against a rate whose ladder ran out of steps', () => {
    const top = Math.max(...QUICK.fanout.deliveriesPerSecond);
    const topped = (net: NetworkResult): NetworkResult => ({ ...net, fanout: { ...net.fanout, steps: [...net.fanout.steps, step(top / 1000, 1000, 20)], sustainedDeliveries: top } });
    const judged = (network: BenchResults['network']) => verdicts({ ...results, network }, QUICK).filter((v) => v.metric.startsWith('1.'));
    // ChatterLink passed the top step: 4.17× bare uWS holds, and 2.5× ws is a shortfall that proves nothing.
    const ownTopped = judged({ ...results.network, chatterlink: topped(network(200_000, 6)), ws: network(400_000, 5) });
    expect(ownTopped.map((v) => v.met)).toEqual([true, undefined, undefined]);
    expect(ownTopped[1]!.measured).toMatch(/not established: ChatterLink's ladder passed its top step \(1,000,000\/s\)/);
    // Both passed the top step: the 1× ratio to bare uWS says only that neither limit was found.
    const bothTopped = judged({ ...results.network, chatterlink: topped(network(200_000, 6)), uws: topped(network(240_000, 2)) });
    expect(bothTopped[0]!.met).toBeUndefined();
    expect(bothTopped[0]!.measured).toMatch(/not established: bare uWS's ladder passed its top step/);
  });

  it('judges a factor unrounded and shows one just short of its bar with three digits', () => {
    const judged = verdicts({ ...results, network: { ...results.network, chatterlink: network(999_913, 6), ws: network(250_136, 5) } }, QUICK);
    const ws = judged.filter((v) => v.metric.startsWith('1.'))[1]!;
    expect(ws.met).toBe(false);
    expect(ws.measured).toBe('999,913/s = 3.997× ws (250,136/s)');
  });

  it('needs every percentile under its bound for latency', () => {
    expect(byMetric('2. Send')[0]!.met).toBe(true);
  });

  it('prints a percentile just under its bound with a decimal, not rounded up to the bound', () => {
    const fixed = { ...step(2000, 10, 8), latency: { count: 1000, p50: 1.5, p99: 8, p999: 24.575, max: 30 } };
    const chatterlink = { ...network(200_000, 6), latency: { ...network(200_000, 6).latency, fixed } };
    const [latency] = verdicts({ ...results, network: { ...results.network, chatterlink } }, QUICK).filter((v) => v.metric.startsWith('2. Send'));
    expect(latency!.measured).toBe('p50 1.50 ms, p99 8.00 ms, p99.9 24.6 ms');
    expect(latency!.met).toBe(true);
  });

  it('needs both the rate and the ratio for durable append', () => {
    expect(byMetric('3.')[0]!.met).toBe(true);
  });

  it('reports what could not be measured, with the reason, as neither met nor failed', () => {
    const replay = byMetric('4.');
    expect(replay.map((v) => v.met)).toEqual([undefined, undefined]);
    expect(replay[0]!.measured).toBe('not run');
    expect(byMetric('8.')[0]!.met).toBeUndefined();
  });

  it('fails memory above 2 KB and an outbox slower than 2 s, passes a catch-up under 1 s', () => {
    expect(byMetric('5.')[0]!.met).toBe(false);
    expect(byMetric('6.').map((v) => v.met)).toEqual([true, false]);
  });

  it('judges each catch-up the PWA applied, scaled to 10,000 events when it had fewer', () => {
    expect(byMetric('7. IndexedDB')[0]!.met).toBe(true);
    const [sent, mixed] = byMetric('7. …');
    expect(sent!.met).toBe(false); // 0.5 ms × 10,000 = 5 s
    expect(sent!.measured).toMatch(/scaled/);
    expect(mixed!.met).toBe(true);
    expect(mixed!.measured).toBe('900 ms in 5 transactions, 2.25× the bulkPut');
  });
});

describe('the report', () => {
  it('lists every verdict in the markdown and draws every measured server in the chart', () => {
    const markdown = renderMarkdown(results, QUICK);
    for (const v of verdicts(results, QUICK)) expect(markdown).toContain(v.measured);
    expect(markdown).not.toContain('machine was busy'); // the run started on an idle machine in this fixture
    const svg = renderChart(results, QUICK);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>ChatterLink p99: 6 ms</title>');
    expect(svg).not.toContain('Socket.IO p99:');
    expect(svg).toContain('2,000 sends/s');
    expect(svg).toContain('Deliveries per server CPU-s at 50k/s');
  });

  it('labels a fan-out rate the ladder could not push past its load generator as a lower bound, as the table does', () => {
    const uws = network(240_000, 2);
    const saturated = { ...step(300, 1000, 80), loadgenCpuShare: 0.99 };
    const bounded: BenchResults = { ...results, network: { ...results.network, uws: { ...uws, fanout: { ...uws.fanout, steps: [...uws.fanout.steps, saturated] } } } };
    const svg = renderChart(bounded, QUICK);
    expect(svg).toContain('<title>bare uWS: at least 240000</title>');
    expect(svg).toContain('>≥ 240k</text>');
    expect(svg).toContain('<title>ChatterLink: 200000</title>');
    expect(renderMarkdown(bounded, QUICK)).toContain('| bare uWS | ≥ 240,000 |');
  });
});
