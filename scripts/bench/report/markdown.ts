import { DEFAULT_LIMITS } from '../../../backend/src/realtime/gateway';
import { fanoutLadderTop, type Profile } from '../profile';
import { isAvailable, type BenchResults, type StorageCpu } from '../results';
import type { StepResult } from '../suites/load-step';
import type { TargetName } from '../targets/target';
import { factor, FANOUT_BARS, lowerBoundReason, networkOf, ratio, verdicts } from './verdicts';

const NAMES: Record<TargetName, string> = { chatterlink: 'ChatterLink', uws: 'bare uWS', ws: 'ws', socketio: 'Socket.IO' };
const ORDER: readonly TargetName[] = ['chatterlink', 'uws', 'ws', 'socketio'];
const PEERS = ['uws', 'ws', 'socketio'] as const satisfies readonly TargetName[];
const n = (x: number | undefined) => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en'));
const f = (x: number | undefined, digits = 2) => (x === undefined ? 'n/a' : x.toFixed(digits));
const r = (x: number | undefined) => (x === undefined ? 'n/a' : `${x}×`);
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

/**
 * ChatterLink's value over each peer's. With `bars`, a factor just short of its bar is shown as the targets table
 * shows it (three digits), never rounded up to the bar.
 */
function peerRatios(value: (name: TargetName) => number | undefined, bars?: typeof FANOUT_BARS): string[] {
  const own = value('chatterlink');
  return PEERS.map((peer) => {
    const theirs = value(peer);
    return r(bars && own !== undefined && theirs ? factor(own / theirs, bars[peer]) : ratio(own, theirs));
  });
}

/** The ladder's steps as `rate: p99`; a step run again after failing shows as `rate: p99✗ → p99`. */
function ladder(steps: readonly StepResult[]): string {
  const p99 = (s: StepResult) => `${f(s.latency.p99, 1)}${s.ok ? '' : '✗'}`;
  return steps
    .map((s, i) => (steps[i - 1]?.targetDeliveries === s.targetDeliveries ? ` → ${p99(s)}` : `${i > 0 ? ', ' : ''}${n(s.targetDeliveries / 1000)}k: ${p99(s)}`))
    .join('');
}

function fanOutSection(results: BenchResults, profile: Profile): string {
  const top = fanoutLadderTop(profile);
  const rows = ORDER.flatMap((name) => {
    const net = networkOf(results, name);
    if (!net) return [[NAMES[name], ...Array(7).fill('n/a')]];
    const at = net.fanout.atCpuRate;
    const loadgen = Math.max(...net.fanout.steps.map((s) => s.loadgenCpuShare));
    // "≥": the ladder did not find this server's limit (see the targets table for why).
    const sustained = `${lowerBoundReason(net, profile) ? '≥ ' : ''}${n(net.fanout.sustainedDeliveries)}`;
    return [[NAMES[name], sustained, n(at?.deliveriesPerServerCpuSecond), f(at?.latency.p50), f(at?.latency.p99), f(at?.latency.p999), f(loadgen), ladder(net.fanout.steps)]];
  });
  const sustained = (name: TargetName) => networkOf(results, name)?.fanout.sustainedDeliveries;
  const perCpu = (name: TargetName) => networkOf(results, name)?.fanout.atCpuRate?.deliveriesPerServerCpuSecond;
  return [
    `## 1. Fan-out: one room of ${n(profile.clients)} subscribers, 200-byte messages`,
    '',
    `Open loop; a step fails when its p99 passes 50 ms or it loses or refuses a message. From ${n(profile.fanout.cpuAt)}/s on, a failed step is run once more (for every server alike: one transient must not end one server's ladder and not another's; the ladder shows both runs as \`p99✗ → p99\`), and the ladder stops when the retry fails too, after one more step halfway between the highest rate that passed and the one that failed (so that every server's limit is known to within half a rung, not a whole one); it ends at ${n(top)}/s. Steps last ${profile.fanout.stepMs / 1000} s.`,
    '',
    table(
      ['server', 'sustained deliveries/s (p99 < 50 ms)', `deliveries per server CPU-s at ${n(profile.fanout.cpuAt / 1000)}k/s`, 'p50 ms', 'p99 ms', 'p99.9 ms', 'max load-generator CPU', 'ladder (deliveries/s: p99 ms)'],
      rows,
    ),
    '',
    table(['ChatterLink ÷', ...PEERS.map((p) => NAMES[p])], [['sustained rate', ...peerRatios(sustained, FANOUT_BARS)], ['per server CPU-second', ...peerRatios(perCpu)]]),
  ].join('\n');
}

function latencySection(results: BenchResults, profile: Profile): string {
  const rows = ORDER.map((name) => {
    const net = networkOf(results, name);
    if (!net) return [NAMES[name], ...Array(9).fill('n/a')];
    const s = net.latency.fixed;
    return [NAMES[name], f(s.latency.p50), f(s.latency.p99), f(s.latency.p999), s.ack ? f(s.ack.p99) : '—', n(s.missing), f(s.serverCpuShare), n(s.deliveriesPerServerCpuSecond), f(s.loadgenCpuShare), n(net.latency.sustainedSends)];
  });
  const p99 = (name: TargetName) => networkOf(results, name)?.latency.fixed.latency.p99;
  const sustained = (name: TargetName) => networkOf(results, name)?.latency.sustainedSends;
  return [
    `## 2. Send → receive latency: ${n(profile.clients)} clients in ${n(profile.clients / profile.roomSize)} rooms of ${profile.roomSize}, ${n(profile.latency.rate)} sends/s`,
    '',
    `Latency runs from each message's intended send time to its receipt by every member of the room (the sender included), for ${profile.latency.durationMs / 1000} s; ChatterLink's path includes validation, membership check, encryption and a durable Postgres commit. Then the send rate climbs (${profile.latency.ladder.map(n).join(', ')}/s) until a step's p99 passes 50 ms twice in a row (a failed step is run once more; then the rate halfway down to the last that held is run), or, when the fixed rate already failed, halves (at most three times) until p99 holds. Each step starts once the previous one's backlog is delivered and acked.`,
    '',
    table(['server', 'p50 ms', 'p99 ms', 'p99.9 ms', 'ack p99 ms', 'missing', 'server CPU (cores)', 'deliveries per server CPU-s', 'load-generator CPU', 'highest sends/s with p99 < 50 ms'], rows),
    '',
    table(['ChatterLink ÷', ...PEERS.map((p) => NAMES[p])], [['p99 (lower is better)', ...peerRatios(p99)], ['highest send rate', ...peerRatios(sustained)]]),
  ].join('\n');
}

function storageSections(results: BenchResults, profile: Profile): string {
  const out: string[] = [];
  const a = results.append;
  out.push('## 3. Durable append: 200-byte sealed events');
  out.push('');
  if (isAvailable(a)) {
    out.push(
      table(
        ['writers', 'events/s', 'transactions', 'events per transaction', 'server CPU s (Node + Postgres)', 'events per server CPU-s'],
        [
          [`${a.writers} (group commit)`, n(a.grouped.eventsPerSecond), n(a.grouped.transactions), f(a.grouped.events / a.grouped.transactions, 1), ...storageCpu(a.grouped.events, a.grouped.cpu)],
          ['1 (one transaction per event)', n(a.single.eventsPerSecond), n(a.single.transactions), f(a.single.events / a.single.transactions, 1), ...storageCpu(a.single.events, a.single.cpu)],
        ],
      ),
    );
    out.push('');
    out.push(
      `Ratio ${a.ratio}×, synchronous_commit=${a.synchronousCommit}. The baseline is the same EventStore with one writer: under the global append lock (the hash chain needs each row's predecessor) one transaction per event is serial whatever the number of writers.`,
    );
  } else out.push(`n/a: ${a?.unavailable ?? 'not run'}`);
  const replayed = [results.replay.postgres, results.replay.pglite].find(isAvailable)?.events ?? profile.replayEvents;
  out.push('', `## 4. Replay (\`make replay\`: read, decrypt, fold, rewrite, verify) on ${n(replayed)} events`, '');
  const rows = (['postgres', 'pglite'] as const).map((engine) => {
    const x = results.replay[engine];
    if (!isAvailable(x)) return [engine, x?.unavailable ?? 'not run', '', '', '', '', '', '', ''];
    return [
      engine,
      n(x.cold.eventsPerSecond),
      f(x.cold.seconds),
      f(x.cold.phases.checksumSeconds),
      f(x.cold.phases.readDecryptFoldSeconds),
      f(x.cold.phases.writeBackSeconds),
      ...storageCpu(x.events, x.cold.cpu),
      n(x.warm.eventsPerSecond),
    ];
  });
  out.push(
    table(
      ['engine', 'events/s (as make replay)', 'seconds', 'checksums s', 'read + decrypt + fold s', 'write-back + verify s', 'server CPU s (Node + Postgres)', 'events per server CPU-s', 'events/s again, keys cached'],
      rows,
    ),
  );
  out.push(
    '',
    'Server CPU: the worker process (every thread) and the Postgres backends of its database, read from `/proc` around the run. PGlite runs in a thread of the worker, so its Postgres share is part of Node\'s. Events per server CPU-second depend less than events per second on what else the machine was running.',
  );
  return out.join('\n');
}

/** A storage run's server CPU as `node + database` seconds, and its events per CPU-second (dashes where the run predates the measure). */
function storageCpu(events: number, cpu: StorageCpu | undefined): [string, string] {
  if (!cpu) return ['—', '—'];
  return [`${f(cpu.node)} + ${f(cpu.database)}`, n(events / (cpu.node + cpu.database))];
}

function memorySection(results: BenchResults, profile: Profile): string {
  const rows = ORDER.map((name) => {
    const m = results.memory[name];
    if (!isAvailable(m)) return [NAMES[name], m?.unavailable ?? 'not run', '', '', ''];
    return [NAMES[name], n(m.connections), f(m.rssBeforeMiB, 1), f(m.rssAfterMiB, 1), n(m.bytesPerConnection)];
  });
  const per = (name: TargetName) => {
    const m = results.memory[name];
    return isAvailable(m) ? m.bytesPerConnection : undefined;
  };
  return [
    `## 5. Memory per idle connection (${n(profile.idleConnections)} sockets, fresh server process)`,
    '',
    'ChatterLink sockets are authenticated (session cookie) and past `hello` (subscribed to their rooms); peer sockets have joined a room.',
    '',
    table(['server', 'connections', 'RSS before MiB', 'RSS after MiB', 'bytes per connection'], rows),
    '',
    table(['ChatterLink ÷', ...PEERS.map((p) => NAMES[p])], [['bytes per connection (lower is better)', ...peerRatios(per)]]),
  ].join('\n');
}

function clientSections(results: BenchResults): string {
  const out = ['## 6. Offline catch-up (ChatterLink only)', ''];
  const c = results.catchUp;
  if (isAvailable(c)) {
    out.push(
      table(
        ['scenario', 'result'],
        [
          [`back after ${n(c.missed)} missed events: connect → hello → all events → ready`, `${f(c.catchUpMs, 0)} ms (${n(c.eventsReceived)} events)`],
          [`${n(c.outbox)} queued outbox messages: first send → last ack`, `${f(c.outboxAckMs, 0)} ms${c.outboxErrors ? `, ${c.outboxErrors} refused` : ''}`],
          [`writing the ${n(c.missed)} missed events from one socket`, `${f(c.writeMs, 0)} ms (${n((c.missed / c.writeMs) * 1000)} acked sends/s)`],
        ],
      ),
    );
    const { rate, burst } = DEFAULT_LIMITS;
    out.push(
      '',
      `This measures the server: ${n(c.outbox)} sends pipelined on one socket, with the per-connection rate limit lifted. ` +
        `With the default limit (${rate} frames/s, burst ${burst}) the same flush takes at least (${n(c.outbox)} − ${burst}) / ${rate} ≈ ${n((c.outbox - burst) / rate)} s, ` +
        "and a client that waits for each ack before its next send is bounded by round trips as well.",
    );
  } else out.push(`n/a: ${c?.unavailable ?? 'not run'}`);
  out.push('', '## 7. Client budget', '');
  const b = results.bundle;
  if (isAvailable(b)) {
    out.push(table(['initial file', 'bytes', 'gzipped'], [...b.files.map((x) => [x.file, n(x.bytes), n(x.gzipBytes)]), ['**total**', '', `**${n(b.gzipBytes)}** (${(b.gzipBytes / 1024).toFixed(1)} KB)`]]));
  } else out.push(`Bundle: n/a: ${b?.unavailable ?? 'not run'}`);
  out.push('');
  const i = results.ingest;
  if (isAvailable(i)) {
    out.push(
      `IndexedDB in ${i.browser} (headless, no DevTools), through the PWA's own code, median of 3. A history page is stored with one \`bulkPut\`; a catch-up is replayed by a loopback server to the PWA's \`Connection\` (\`hello\`, the events, \`ready\`), which batches them (held until \`ready\`, at most 2,000 per batch) for \`applyEvents\`, one transaction each, as \`ChatClient\` does (its REST follow-ups left out); timed from \`hello\` to live. *Chromium CPU*: what Chromium's processes (page, browser with IndexedDB, network) used meanwhile, a steadier figure than wall time on a shared machine. *÷ bulkPut*: against the bulkPut of the same run, the floor IndexedDB sets for writing as many rows. *Receiving alone*: the same catch-up validated but not stored. *Redraws*: answers a live query over the room list and one room's timeline got. *Longest task*: on the main thread (Chromium reports those over 50 ms).`,
      '',
      table(
        ['ingest', 'events', 'ms', '÷ bulkPut', 'Chromium CPU ms', 'receiving alone ms', 'transactions', 'redraws', 'longest task ms'],
        [
          ['one `bulkPut` (history page)', n(i.count), `**${n(i.bulkMs)}**`, '1×', n(i.bulkCpuMs), '—', '1', '—', '—'],
          ...i.catchUp.map((c) => [
            `catch-up, ${c.mix === 'mixed' ? 'mixed (see below)' : '`message.sent`'}`,
            n(c.events),
            `**${n(c.ms)}**`,
            r(ratio(c.ms, i.bulkMs)),
            n(c.cpuMs),
            n(c.receiveMs),
            n(c.batches),
            n(c.redraws),
            c.longestTaskMs > 0 ? n(c.longestTaskMs) : '< 50',
          ]),
        ],
      ),
      '',
      'The `message.sent` catch-up is one room, one author, 200-byte bodies. The mixed one spans ten rooms and twenty authors, the user among them: 70 % messages, 12 % reactions, 6 % edits, 3 % deletions, 5 % read receipts (a fifth of them the user\'s own, which recount unread), 2 % members joining, 2 % uploads.',
    );
  } else out.push(`IndexedDB ingest: n/a: ${i?.unavailable ?? 'not run'}`);
  out.push('', '## 8. Crypto: sealing and opening one payload, one core', '');
  const k = results.crypto;
  if (isAvailable(k)) {
    out.push(
      table(
        ['scheme', `seals per CPU-second (${k.payloadBytes} bytes)`, 'opens per CPU-second'],
        [
          ['ChatterLink: AES-256-GCM, random 96-bit nonce, associated data (native addon, OpenSSL EVP)', n(k.aesGcmPerSecond), n(k.aesGcmOpenPerSecond)],
          ['Same format through node:crypto, one Cipher object per call (before the addon)', n(k.nodeCryptoSealPerSecond), n(k.nodeCryptoOpenPerSecond)],
          ['Fernet-style (prototype): AES-128-CBC + HMAC-SHA256, base64url token', n(k.fernetPerSecond), n(k.fernetOpenPerSecond)],
        ],
      ),
    );
    out.push(
      '',
      `Ratio to Fernet-style: seal ${k.ratio}×, open ${k.openRatio}×. One process pinned to one core; rates count that process's own CPU time (it got ${f(k.cpuShare * 100, 0)}% of its core meanwhile), each the median of interleaved rounds. Open is what replay and history reads pay per event.`,
    );
  } else out.push(`n/a: ${k?.unavailable ?? 'not run'}`);
  return out.join('\n');
}

/** docs/benchmarks.md, rewritten by every run. */
export function renderMarkdown(results: BenchResults, profile: Profile): string {
  const m = results.machine;
  // The run itself keeps about three processes busy (server, load generator, Postgres or Chromium), so only
  // the load already there when it started tells of other work on the machine.
  const shared = m.loadAverage.start > 1.5;
  const v = verdicts(results, profile);
  const met = v.filter((x) => x.met === true).length;
  const notMet = v.filter((x) => x.met === false).length;
  return `${[
    '# Benchmarks',
    '',
    `<!-- Generated by \`make bench${profile.name === 'quick' ? '-quick' : ''}\` (scripts/bench/run.ts); edits are overwritten. Raw numbers: scripts/bench/results/latest.json. -->`,
    '',
    `Latest run: **${profile.name}** profile, ${results.startedAt.replace('T', ' ').slice(0, 16)} UTC, commit ${m.commit}. ` +
      `${met} targets met, ${notMet} not met, ${v.length - met - notMet} reported without a goal or not measured.` +
      (profile.name === 'quick' ? ' Quick mode is shorter and smaller than the issue asks (labelled where it matters); `make bench` runs the full set.' : ''),
    '',
    shared
      ? `> **The machine was busy when this run started** (1-minute load average ${m.loadAverage.start} at start, ${m.loadAverage.end} at end, up to ${m.loadAverage.max}, on ${m.cores} cores): other work shared the cores, so absolute figures are pessimistic and noisy. Ratios between servers measured minutes apart are affected too. Rerun \`make bench\` on an idle machine before quoting numbers.`
      : `> Load average: ${m.loadAverage.start} at start (the machine was otherwise idle), ${m.loadAverage.end} at end, up to ${m.loadAverage.max} on ${m.cores} cores — the run's own server, load generator, Postgres and Chromium.`,
    '',
    '![latency percentiles and throughput](benchmarks.svg)',
    '',
    '## Targets',
    '',
    table(['metric', 'target', 'measured', 'met?'], v.map((x) => [x.metric, x.target, x.measured, x.met === undefined ? '—' : x.met ? '**yes**' : '**no**'])),
    '',
    'Where the time goes on the targets not met, measured with profiles and statement logs rather than this table: [benchmarks-analysis.md](benchmarks-analysis.md).',
    '',
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB${m.virtualMachine ? ', virtual machine' : ''}`],
        ['kernel / Node', `${m.kernel} / ${m.node}`],
        ['CPU flaws the kernel mitigates or leaves open', m.cpuVulnerabilities ? m.cpuVulnerabilities.join('; ') || 'none reported' : 'not recorded by this run'],
        ['Postgres', `${m.postgres} (${m.postgresDurability}), loopback, shared with other users of the server`],
        ['browser', m.chromium],
        ['packages', Object.entries(m.versions).map(([k, x]) => `${k} ${x}`).join(', ')],
        ['run', `${results.startedAt} → ${results.finishedAt}`],
      ],
    ),
    '',
    fanOutSection(results, profile),
    '',
    latencySection(results, profile),
    '',
    storageSections(results, profile),
    '',
    memorySection(results, profile),
    '',
    clientSections(results),
    '',
    method(m.serverEnvironment ?? 'started as its commit’s method section describes (this run’s results do not record it)'),
  ].join('\n')}\n`;
}

/** The method section; `serverEnvironment` is how the run started its servers (its results record it). */
const method = (serverEnvironment: string) => `## Method

- **Processes and cores.** Every server runs in its own process pinned to core 0 (\`taskset\`); the load generator is one
  process pinned to core 1. Postgres is the shared server on 127.0.0.1:5432 and is not pinned (it is shared, so the
  benchmark does not reconfigure it): its backends run on either core, including the load generator's; each run creates
  fresh databases and drops them. ChatterLink's server CPU is its Node process **plus its own Postgres backends**
  (\`pg_stat_activity\` for its database), read from \`/proc/<pid>/stat\` (utime + stime) around each step.
- **Peers.** \`scripts/bench/peers/\`: bare uWebSockets.js (topics + publish), plain \`ws\` (a room → sockets map, one
  serialisation per broadcast) and Socket.IO (rooms, WebSocket transport only, no compression), all speaking the same
  minimal protocol: join a room, send, broadcast to the room. No auth, no storage.
- **ChatterLink** runs its real path: the built server (\`backend/dist/main.js\`, \`NODE_ENV=production\`) on a fresh
  Postgres database; users register through \`/api/auth/register\`, rooms are made and joined through the API; sockets
  authenticate with the session cookie and say \`hello\`; every \`send\` frame is validated, checked for membership,
  sealed (AES-256-GCM), appended with group commit under \`synchronous_commit=on\`, projected in the same transaction,
  acked and fanned out. The per-connection rate limit (20 frames/s) is lifted with \`WS_RATE_LIMIT\`/\`WS_RATE_BURST\`
  because one load-generator socket stands for a busy user, not an abuser. Live events keep the default publish hold
  (\`WS_PUBLISH_HOLD_MS\`, 20 ms): after a publish to the 1,000-socket room, later ones wait up to 20 ms and leave
  together, which lowers the fan-out's CPU and adds up to that much latency (none in rooms under 50). The quick
  profile puts 10 sockets on each user (like tabs) to register 100 users instead of 1,000 (registration is
  deliberately slow scrypt and not measured).
- **Load generator** (\`scripts/bench/loadgen/\`): a minimal WebSocket client (frame parsing only, no per-message
  objects), sockets spread over 127.0.0.1–127.0.0.16. Sends follow a fixed schedule (open loop); each body carries its
  sequence number and latency is measured from the **intended** send time, so a stalled server cannot hide the stall
  (no coordinated omission). Deliveries still missing after the drain count at the latency they had reached. The
  generator reports its own CPU share: near 1.0 it, not the server, may be the limit.
- **Server environment.** Every server, ChatterLink and the three peers alike, ${serverEnvironment} in this run;
  \`BENCH_SERVER_ENV="NAME=value …"\` passes the same variables to all of them, for an A/B of a process setting such
  as \`MALLOC_ARENA_MAX\` (\`scripts/bench/targets/server-env.ts\`). The Node flags are those ChatterLink ships with
  (\`backend/node-flags\`, which \`scripts/serve\` passes; docs/deploy.md, "Node flags"), given to the peers too since
  they are settings of the Node process, and \`--single-threaded-gc\`, which suits a process confined to one core:
  there V8's background GC threads only take turns with the main thread, and a major collection stalled ChatterLink's
  event loop about twice as long with them (benchmarks-analysis.md); docs/deploy.md gives deployments confined to one
  CPU the same advice. \`BENCH_SERVER_FLAGS="…"\` replaces the one-core flag, for the servers and the workers pinned to
  one core alike. Newer runs record how they started their servers in their results (\`machine.serverEnvironment\`).
- **Profiling**: \`BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"\` starts the ChatterLink server with extra
  Node flags (without a directory the profile lands in the server's working directory, the checkout).
- **Histogram**: HDR-style log-linear buckets (64 per power of two, ≤ 1.6 % error), microseconds
  (\`scripts/bench/lib/histogram.ts\`).
- **Memory**: RSS of a fresh server process before opening the idle sockets, and the lowest RSS sampled 2–8 s after
  (so what the handshakes left and the server has freed by then does not count; what it has not freed yet does, and
  memory the process already held free before the sockets came is reused without showing), divided by their number.
  The figure therefore moves with the server's start and its collector, not only with what a socket holds
  (benchmarks-analysis.md). The
  container allows 20,000 open files per process, so the full run opens 19,500 rather than 20,000.
- **Storage and crypto** (metrics 3, 4, 8) run in worker processes pinned to core 0 that open the store exactly as
  \`make replay\` does. The replayed log is written by one such process: one registered user who created and joined 16
  rooms, then 200-byte messages to them, so that each message moves its room's and its sender's rows as in a live
  log. Replay is then measured cold in a fresh process (as \`make replay\` runs) and again in that process with data
  keys cached. Append and replay also report the CPU they cost the server: the worker process and its database's
  Postgres backends (\`pg_stat_activity\`, \`/proc\`). Postgres's backends are not pinned; PGlite is the database
  thread of its worker, whose process may therefore use both cores (Node's own threads as well). Workers on one core
  start with the one-core flag only (above), as \`make replay\` does not take the shipped ones; the PGlite worker, on
  two cores, with none.
- **Client**: sizes of the files \`frontend/dist/index.html\` loads up front (entry script, preloads, CSS; lazy chunks
  excluded), gzip level 6. IndexedDB ingest bundles the PWA's \`Replica\`, \`Connection\` and \`applyEvents\` into a page
  that Debian's headless Chromium runs without DevTools attached (which would report every WebSocket frame to its
  client); the page marks each run's start and end so the harness reads Chromium's CPU time (all its processes)
  around the run alone.
- Results: \`scripts/bench/results/latest.json\` (the repository's top level holds no \`bench/\` directory).
`;
