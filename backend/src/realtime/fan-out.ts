import type { RecordedChatEvent } from '../events';
import type { EventStore } from '../eventstore/store';

const PAGE = 1000;

/**
 * Follows the event log and hands every event to `deliver` exactly once, in
 * position order. Local commits are delivered straight from memory when they
 * continue the sequence; anything else (other nodes' events, a gap) is read
 * from the log, woken by a bus signal or, failing that, by polling.
 */
export class FanOut {
  /** Every event up to here has been delivered. */
  position = 0;
  #pumping: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly deliver: (event: RecordedChatEvent) => void,
    private readonly onError: (error: unknown) => void,
    private readonly pollMs = 1000,
  ) {}

  /** Starts at the current head: clients catch up on older events with `hello`. */
  async start(): Promise<void> {
    this.position = await this.store.head();
    const poll = () => {
      if (this.#stopped) return;
      this.signal();
      this.#timer = setTimeout(poll, this.pollMs);
      this.#timer.unref();
    };
    poll();
  }

  /** Events were committed on this node (in position order). */
  onLocalCommit(events: readonly RecordedChatEvent[]): void {
    if (this.#pumping || events[0]?.position !== this.position + 1) {
      this.signal();
      return;
    }
    for (const event of events) this.#deliver(event);
  }

  /** Something may have been appended (a bus signal, a poll): read the log. */
  signal(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.signal();
      }
    });
  }

  /** Resolves when no read is in flight (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const events = await this.store.read({ after: this.position, limit: PAGE });
        for (const event of events) if (event.position > this.position) this.#deliver(event);
        if (events.length < PAGE) return;
      }
    } catch (error) {
      this.onError(error);
    }
  }

  #deliver(event: RecordedChatEvent): void {
    this.position = event.position;
    try {
      this.deliver(event);
    } catch (error) {
      this.onError(error);
    }
  }
}
