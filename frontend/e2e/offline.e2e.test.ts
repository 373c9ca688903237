import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARTEFACTS,
  eventually,
  openRoom,
  outboxSize,
  roomIdOf,
  sendMessage,
  serverBodies,
  timelineBodies,
  waitForServiceWorker,
  waitLive,
} from './harness/browser';
import { e2eSession } from './harness/session';

const COUNT = 20;
const offlineBodies = Array.from({ length: COUNT }, (_, i) => `offline ${i + 1}`);
const onlyOffline = (bodies: string[]) => bodies.filter((b) => b.startsWith('offline '));

describe('offline first: written offline, delivered exactly once', () => {
  const session = e2eSession();
  let aliceContext: BrowserContext;
  let alice: Page;
  let aliceSecondTab: Page;
  let bob: Page;

  beforeAll(async () => {
    alice = await session.user('alice');
    aliceContext = alice.context();
    bob = await session.user('bob');
    await openRoom(bob, 'general');
    await sendMessage(bob, 'written before the outage');
    await openRoom(alice, 'general');
    await eventually(() => timelineBodies(alice), (bodies) => bodies.includes('written before the outage'));
    await waitForServiceWorker(alice);
    aliceSecondTab = await aliceContext.newPage();
    await aliceSecondTab.goto(alice.url());
    await waitLive(aliceSecondTab);
  });

  it('keeps 20 messages written offline (in two tabs) as pending, across a reload, then delivers each once and in order', async () => {
    await aliceContext.setOffline(true);
    await alice.getByRole('status').filter({ hasText: 'Offline' }).waitFor();
    for (const body of offlineBodies.slice(0, COUNT / 2)) await sendMessage(alice, body);
    for (const body of offlineBodies.slice(COUNT / 2)) await sendMessage(aliceSecondTab, body);
    await sendMessage(bob, 'written while alice was away'); // comes back through `hello` with her last position
    // Both tabs show the same outbox: one replica.
    await eventually(() => timelineBodies(alice), (bodies) => onlyOffline(bodies).length === COUNT);
    expect(await outboxSize(alice)).toBe(COUNT);

    // Reload with the network still off: the shell comes from the service worker, history and outbox from IndexedDB.
    const started = Date.now();
    await alice.reload();
    await alice.getByRole('textbox', { name: 'Message #general' }).waitFor();
    const shellMs = Date.now() - started;
    const navigation = await alice.evaluate(() => {
      const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { domContentLoaded: Math.round(entry.domContentLoadedEventEnd), fromServiceWorker: entry.workerStart > 0 };
    });
    console.log(
      `app shell offline from the service worker: DOMContentLoaded ${navigation.domContentLoaded} ms, usable room ${shellMs} ms (budget 1000 ms)`,
    );
    expect(navigation.fromServiceWorker).toBe(true);
    expect(shellMs).toBeLessThan(10_000); // a sanity bound; the budget is reported above, not asserted
    await eventually(() => timelineBodies(alice), (bodies) => bodies.includes('written before the outage') && onlyOffline(bodies).length === COUNT);
    expect(onlyOffline(await timelineBodies(alice))).toEqual(offlineBodies);
    expect(await alice.getByText('Sending…').count()).toBe(COUNT);
    expect(await outboxSize(alice)).toBe(COUNT);

    expect(await timelineBodies(alice)).not.toContain('written while alice was away');

    await aliceContext.setOffline(false);
    await eventually(() => outboxSize(alice), (size) => size === 0, 60_000);
    await eventually(() => timelineBodies(alice), (bodies) => bodies.includes('written while alice was away'));
    await eventually(() => timelineBodies(bob), (bodies) => onlyOffline(bodies).length === COUNT);
    expect(onlyOffline(await timelineBodies(bob))).toEqual(offlineBodies);
    expect(onlyOffline(await serverBodies(bob, roomIdOf(bob)))).toEqual(offlineBodies);
    expect(await outboxSize(aliceSecondTab)).toBe(0);
    await eventually(() => alice.getByText('Sending…').count(), (n) => n === 0);
  });

  it('does not send twice when both tabs come back online and reconnect', async () => {
    await waitLive(alice);
    await waitLive(aliceSecondTab);
    await sendMessage(aliceSecondTab, 'after the outage');
    await eventually(() => timelineBodies(bob), (bodies) => bodies.at(-1) === 'after the outage');
    const bodies = await serverBodies(bob, roomIdOf(bob));
    expect(bodies.filter((b) => b === 'after the outage')).toHaveLength(1);
    expect(onlyOffline(bodies)).toEqual(offlineBodies);
  });

  it('shows a message refused after reconnecting (no longer a member) as not sent, with retry and discard', async () => {
    await bob.getByRole('button', { name: 'Create a room' }).click();
    await bob.getByLabel('Name').fill('side');
    await bob.getByRole('button', { name: 'Create', exact: true }).click();
    await bob.getByRole('textbox', { name: 'Message #side' }).waitFor();
    const side = roomIdOf(bob);
    await bob.context().setOffline(true);
    await bob.getByRole('status').filter({ hasText: 'Offline' }).waitFor();
    await sendMessage(bob, 'sent too late');
    // Meanwhile bob leaves the room from elsewhere (the API, outside this offline browser).
    const { csrfToken } = (await (await bob.request.get('/api/me')).json()) as { csrfToken: string };
    expect((await bob.request.post(`/api/rooms/${side}/leave`, { headers: { 'x-csrf-token': csrfToken } })).status()).toBe(204);
    await bob.context().setOffline(false);
    const failed = bob.getByRole('alert').filter({ hasText: 'Not sent' });
    await failed.waitFor({ timeout: 30_000 });
    expect(await outboxSize(bob)).toBe(1);
    await bob.screenshot({ path: `${ARTEFACTS}not-sent-desktop.png` });
    await failed.getByRole('button', { name: 'Discard' }).click();
    await eventually(() => outboxSize(bob), (size) => size === 0);
    expect(await serverBodies(alice, side)).not.toContain('sent too late'); // a public room: readable without joining
  });
});
