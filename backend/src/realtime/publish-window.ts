import type { TemplatedApp } from 'uWebSockets.js';

/** How long publishes wait after one that reached many sockets. */
export interface PublishHold {
  /** The longest wait, in milliseconds; 0 publishes everything at once. */
  readonly maxMs: number;
  /** Wait per subscriber of the largest topic just published, in microseconds. */
  readonly usPerSubscriber: number;
}

/** Waits shorter than this are not worth a timer: the frames go out at once. */
const MIN_HOLD_MS = 1;

/**
 * Publishes frames to uWS topics in call order, holding some back so that
 * they leave together.
 *
 * uWS writes everything published in one pass of the event loop to a
 * subscriber as one send, and on loopback or a LAN the system call and the
 * packet, not the bytes, are what a delivery costs: a room of 1,000 readers
 * costs 1,000 sends per pass however many frames it carries. So after a pass
 * that reached a large audience, later publishes wait (in proportion to that
 * audience, at most `maxMs`) and then go out in one pass. A busy large room
 * thus gets fewer, fuller writes, while a publish after a quiet spell, and
 * everything else published in the same synchronous run, goes out at once.
 * Anything held delays everything after it, so order is kept across topics.
 */
export class PublishWindow {
  /** Held publishes, as topic and text pairs in call order. */
  #held: string[] = [];
  #largestHeld = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Publishes before this time (`clock`) are held. */
  #openAt = 0;
  /** True until the end of the synchronous run that published at once. */
  #inRun = false;

  constructor(
    private readonly app: Pick<TemplatedApp, 'publish' | 'numSubscribers'>,
    private readonly hold: PublishHold,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Publishes `text` on `topic`, now or with the held ones; answers how many sockets hold the topic. */
  publish(topic: string, text: string): number {
    const subscribers = this.app.numSubscribers(topic);
    if (subscribers === 0) return 0;
    const now = this.clock();
    if (this.#held.length === 0 && (this.#inRun || now >= this.#openAt)) {
      this.app.publish(topic, text);
      this.#closeFor(now, subscribers);
      if (!this.#inRun) {
        this.#inRun = true;
        queueMicrotask(() => (this.#inRun = false));
      }
      return subscribers;
    }
    this.#held.push(topic, text);
    this.#largestHeld = Math.max(this.#largestHeld, subscribers);
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), Math.max(0, this.#openAt - now));
      this.#timer.unref();
    }
    return subscribers;
  }

  /**
   * Publishes everything held, now. Call it before a socket's subscriptions
   * change, so that the change neither gains nor loses a frame published
   * before it.
   */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#held.length === 0) return;
    const held = this.#held;
    const largest = this.#largestHeld;
    this.#held = [];
    this.#largestHeld = 0;
    for (let i = 0; i < held.length; i += 2) this.app.publish(held[i]!, held[i + 1]!);
    this.#closeFor(this.clock(), largest);
  }

  /** Holds publishes made after `now` for as long as `subscribers` warrant. */
  #closeFor(now: number, subscribers: number): void {
    const ms = Math.min(this.hold.maxMs, (this.hold.usPerSubscriber * subscribers) / 1000);
    if (ms >= MIN_HOLD_MS) this.#openAt = Math.max(this.#openAt, now + ms);
  }
}
