import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PublishWindow, type PublishHold } from './publish-window';

const HOLD: PublishHold = { maxMs: 20, usPerSubscriber: 20 };

/** A uWS app that records publishes, with a fixed audience per topic, and a clock the test moves. */
function setup(audience: Record<string, number>, hold: PublishHold = HOLD) {
  const sent: string[] = [];
  let now = 1000;
  const app = {
    numSubscribers: (topic: string) => audience[topic] ?? 0,
    publish: (topic: string, text: string) => {
      sent.push(`${topic}:${text}`);
      return true;
    },
  };
  const window = new PublishWindow(app, hold, () => now);
  /** Moves the clock and the timers by `ms`. */
  const advance = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };
  return { sent, window, advance };
}

/** Ends the current synchronous run, as the next pg result or socket read would. */
const nextRun = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('PublishWindow', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('publishes a lone frame at once and answers the audience; an empty topic gets nothing', () => {
    const { sent, window } = setup({ big: 1000 });
    expect(window.publish('big', 'a')).toBe(1000);
    expect(window.publish('nobody', 'b')).toBe(0);
    expect(sent).toEqual(['big:a']);
  });

  it('holds what follows a publish to a large audience, in order across topics, and sends it together when the hold ends', async () => {
    const { sent, window, advance } = setup({ big: 1000, small: 3 });
    window.publish('big', 'a');
    await nextRun();
    advance(5);
    expect(window.publish('big', 'b')).toBe(1000);
    await nextRun();
    window.publish('small', 'c');
    expect(sent).toEqual(['big:a']);
    advance(14);
    expect(sent).toEqual(['big:a']);
    advance(1);
    expect(sent).toEqual(['big:a', 'big:b', 'small:c']);
  });

  it('sends at once everything published in the same run as a frame that went at once', () => {
    const { sent, window } = setup({ big: 1000 });
    window.publish('big', 'a');
    window.publish('big', 'b');
    expect(sent).toEqual(['big:a', 'big:b']);
  });

  it('holds in proportion to the audience, up to the maximum, and never after a small one', async () => {
    const { sent, window, advance } = setup({ mid: 100, small: 49 });
    window.publish('small', 'a');
    await nextRun();
    window.publish('small', 'b');
    expect(sent).toEqual(['small:a', 'small:b']);
    window.publish('mid', 'c');
    await nextRun();
    window.publish('small', 'd');
    advance(1.9);
    expect(sent).toHaveLength(3);
    advance(0.1);
    expect(sent.at(-1)).toBe('small:d');
  });

  it('publishes at once again once the hold has passed', async () => {
    const { sent, window, advance } = setup({ big: 1000 });
    window.publish('big', 'a');
    await nextRun();
    advance(20);
    window.publish('big', 'b');
    expect(sent).toEqual(['big:a', 'big:b']);
  });

  it('flush sends what is held now, and the timer then sends nothing twice', async () => {
    const { sent, window, advance } = setup({ big: 1000 });
    window.publish('big', 'a');
    await nextRun();
    window.publish('big', 'b');
    window.flush();
    expect(sent).toEqual(['big:a', 'big:b']);
    advance(20);
    expect(sent).toEqual(['big:a', 'big:b']);
  });

  it('never holds with a maximum of 0', async () => {
    const { sent, window } = setup({ big: 1000 }, { maxMs: 0, usPerSubscriber: 20 });
    window.publish('big', 'a');
    await nextRun();
    window.publish('big', 'b');
    expect(sent).toEqual(['big:a', 'big:b']);
  });
});
