import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARTEFACTS, eventually, openRoom, roomIdOf } from './harness/browser';
import { e2eSession } from './harness/session';

const COUNT = 10_000;

/** Writes `count` messages straight into the page's replica, as a long-cached room would have them. */
function seedReplica(page: Page, roomId: string, count: number): Promise<void> {
  return page.evaluate(
    async ({ roomId, count }) => {
      const user = JSON.parse(localStorage.getItem('chatterlink.user') ?? '{}') as { id: string };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(`chatterlink-${user.id}`);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction(['messages', 'history'], 'readwrite');
      const start = Date.parse('2026-01-01T08:00:00Z');
      for (let i = 1; i <= count; i++) {
        // Varied lengths, so rows have different heights.
        const body = `seeded message ${i}` + (i % 7 === 0 ? '\nwith a second line' : '') + (i % 13 === 0 ? ' and a much longer tail of text that wraps'.repeat(3) : '');
        tx.objectStore('messages').put({ id: `seed-${i}`, roomId, position: 1_000_000 + i, authorId: user.id, body, at: new Date(start + i * 90_000).toISOString(), reactions: [] });
      }
      tx.objectStore('history').put({ roomId, hasMore: false });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { roomId, count },
  );
}

describe('a room with 10,000 messages', () => {
  const session = e2eSession();
  let page: Page;

  beforeAll(async () => {
    page = await session.user('alice');
    await openRoom(page, 'general');
    await seedReplica(page, roomIdOf(page), COUNT);
    // Written behind Dexie's back: a reload makes the app read it like any cached history.
    await page.reload();
    await page.getByRole('textbox', { name: 'Message #general' }).waitFor();
  });

  const rendered = () => page.locator('article.message').count();
  const scroller = () => page.getByRole('log', { name: 'Messages in general' });

  it('renders only the rows near the viewport, newest at the bottom', async () => {
    await page.getByText(`seeded message ${COUNT}`, { exact: true }).waitFor({ timeout: 30_000 });
    expect(await rendered()).toBeLessThan(120);
  });

  it('scrolls back to the very first message and down again with a bounded DOM', async () => {
    for (let step = 0; step < 400; step++) {
      const top = await scroller().evaluate((el) => {
        el.scrollTop = Math.max(0, el.scrollTop - 12_000);
        return el.scrollTop;
      });
      await page.waitForTimeout(16);
      if (top === 0 && (await page.getByText('seeded message 1', { exact: true }).count()) > 0) break;
      expect(await rendered()).toBeLessThan(150);
    }
    await page.getByText('seeded message 1', { exact: true }).waitFor();
    await page.getByText('This is the very beginning of').waitFor();
    await page.screenshot({ path: `${ARTEFACTS}timeline-10k-top.png` });
    await scroller().evaluate((el) => (el.scrollTop = el.scrollHeight));
    await eventually(() => page.getByText(`seeded message ${COUNT}`, { exact: true }).count(), (n) => n === 1);
    expect(await rendered()).toBeLessThan(150);
  });
});
