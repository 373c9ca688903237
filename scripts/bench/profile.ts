/** How big and how long each measurement is: `quick` fits in under five minutes on two cores. */
export interface Profile {
  readonly name: 'quick' | 'full';
  readonly clients: number;
  readonly roomSize: number;
  /** ChatterLink sockets per registered user (registration runs scrypt; quick mode registers fewer users). */
  readonly socketsPerUser: number;
  readonly fanout: { readonly deliveriesPerSecond: readonly number[]; readonly stepMs: number; readonly cpuAt: number };
  readonly latency: { readonly rate: number; readonly durationMs: number; readonly ladder: readonly number[]; readonly stepMs: number };
  readonly drainMs: number;
  readonly append: { readonly writers: number; readonly durationMs: number };
  readonly replayEvents: number;
  readonly idleConnections: number;
  readonly catchUp: { readonly missed: number; readonly outbox: number };
  readonly cryptoMs: number;
  readonly ingestMessages: number;
  /** Events in each catch-up the PWA applies in Chromium (scaled to `ingestMessages` when fewer). */
  readonly applyMessages: number;
}

/** The highest fan-out rate a profile's ladder tries (deliveries/s): a server that passes it has not shown its limit. */
export function fanoutLadderTop(profile: Profile): number {
  return Math.max(...profile.fanout.deliveriesPerSecond);
}

export const QUICK: Profile = {
  name: 'quick',
  clients: 1000,
  roomSize: 10,
  socketsPerUser: 10,
  fanout: { deliveriesPerSecond: [25_000, 50_000, 100_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_000_000], stepMs: 1000, cpuAt: 50_000 },
  latency: { rate: 2000, durationMs: 2000, ladder: [4000, 8000, 12_000, 16_000, 24_000], stepMs: 1000 },
  drainMs: 1000,
  append: { writers: 64, durationMs: 2000 },
  replayEvents: 10_000,
  idleConnections: 5000,
  catchUp: { missed: 10_000, outbox: 1000 },
  cryptoMs: 1000,
  ingestMessages: 10_000,
  applyMessages: 10_000,
};

export const FULL: Profile = {
  name: 'full',
  clients: 1000,
  roomSize: 10,
  socketsPerUser: 1,
  fanout: {
    // Past where every server failed on the fastest 2-core host so far (ChatterLink at 1.2M/s, bare uWS between
    // 1.2M and 2M from run to run): a ladder that ends on a passing step measures only a lower bound.
    deliveriesPerSecond: [
      25_000, 50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 350_000, 400_000, 500_000, 600_000, 800_000, 1_000_000, 1_200_000,
      1_600_000, 2_000_000,
    ],
    stepMs: 5000,
    cpuAt: 50_000,
  },
  latency: { rate: 2000, durationMs: 10_000, ladder: [4000, 8000, 12_000, 16_000, 24_000, 32_000], stepMs: 5000 },
  drainMs: 2000,
  append: { writers: 64, durationMs: 10_000 },
  replayEvents: 1_000_000,
  // The container allows 20,000 open files per process; the server needs a few for itself.
  idleConnections: 19_500,
  catchUp: { missed: 10_000, outbox: 1000 },
  cryptoMs: 3000,
  ingestMessages: 10_000,
  applyMessages: 10_000,
};
