import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, openRoom, sendMessage, timelineBodies } from './harness/browser';
import { e2eSession } from './harness/session';

describe('two people chatting in real time', () => {
  const session = e2eSession();
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    alice = await session.user('alice');
    bob = await session.user('bob');
    await openRoom(alice, 'general');
    await openRoom(bob, 'general');
  });

  const memberEntry = (page: Page, name: string) => page.getByRole('complementary').getByRole('listitem').filter({ hasText: name });

  it('shows who is online in the member list', async () => {
    await expect.poll(() => memberEntry(alice, 'bob').innerText(), { timeout: 20_000 }).toContain('online');
    await expect.poll(() => memberEntry(bob, 'alice').innerText(), { timeout: 20_000 }).toContain('online');
  });

  it('shows "bob is typing…" while bob types, then his message, in real time', async () => {
    await bob.getByRole('textbox', { name: 'Message #general' }).pressSequentially('Hi Alice', { delay: 30 });
    await alice.getByText('bob is typing…').waitFor({ timeout: 10_000 });
    await bob.getByRole('textbox', { name: 'Message #general' }).press('Enter');
    await eventually(() => timelineBodies(alice), (bodies) => bodies.includes('Hi Alice'));
    await sendMessage(alice, 'Hello Bob, see https://example.org');
    await eventually(() => timelineBodies(bob), (bodies) => bodies.at(-1) === 'Hello Bob, see https://example.org');
    const link = bob.getByRole('link', { name: 'https://example.org' });
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('renders markup in a message as text: no element, no script', async () => {
    await sendMessage(bob, '<img src=x onerror="window.__owned=1"> <b>bold</b> javascript:alert(1)');
    await eventually(() => timelineBodies(alice), (bodies) => bodies.at(-1)?.startsWith('<img') === true);
    expect(await alice.locator('article.message img, article.message b').count()).toBe(0);
    expect(await alice.evaluate(() => (window as { __owned?: number }).__owned)).toBeUndefined();
    expect(await alice.getByRole('link', { name: /javascript/ }).count()).toBe(0);
  });

  it('edits, reacts and deletes, and the other side follows', async () => {
    const mine = alice.locator('article.message').filter({ hasText: 'Hello Bob' });
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit message' }).click();
    await alice.getByRole('textbox', { name: 'Edit message' }).fill('Hello Bob (edited text)');
    await alice.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await eventually(() => timelineBodies(bob), (bodies) => bodies.some((b) => b.startsWith('Hello Bob (edited text)')));

    const his = bob.locator('article.message').filter({ hasText: 'Hello Bob (edited' });
    await his.hover();
    await his.getByRole('button', { name: 'Add reaction' }).click();
    await his.getByRole('button', { name: 'React with 🎉' }).click();
    await alice.getByRole('button', { name: '🎉 by bob' }).waitFor({ timeout: 10_000 });

    await mine.hover();
    await mine.getByRole('button', { name: 'Delete message' }).click();
    await bob.getByText('This message was deleted.').waitFor({ timeout: 10_000 });
  });

  it('creates a private room, adds a member, and counts unread messages in the sidebar', async () => {
    await alice.getByRole('button', { name: 'Create a room' }).click();
    await alice.getByLabel('Name').fill('design');
    await alice.getByLabel(/Private/).check();
    await alice.getByRole('button', { name: 'Create', exact: true }).click();
    await alice.getByRole('textbox', { name: 'Message #design' }).waitFor();
    await alice.getByRole('button', { name: 'Add a member' }).click();
    await alice.getByLabel('Username').fill('bob');
    await alice.getByRole('button', { name: 'Add', exact: true }).click();
    await alice.getByRole('dialog').waitFor({ state: 'detached' });
    await sendMessage(alice, 'Welcome to design');
    await sendMessage(alice, 'Mock-ups are coming');
    await bob.getByRole('link', { name: 'design, 2 unread' }).waitFor({ timeout: 20_000 });
    await openRoom(bob, 'design');
    await bob.getByRole('link', { name: 'design', exact: true }).waitFor();
  });

  it("removes bob from design (its creator's Remove button): his sidebar drops the room at once", async () => {
    alice.once('dialog', (dialog) => void dialog.accept());
    await alice.getByRole('button', { name: 'Remove bob' }).click();
    await expect.poll(() => memberEntry(alice, 'bob').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => bob.getByRole('link', { name: /^design/ }).count(), { timeout: 20_000 }).toBe(0);
  });

  it('opens a direct message by username and finds public rooms to join', async () => {
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel('Username').fill('alice');
    await bob.getByRole('button', { name: 'Open', exact: true }).click();
    await bob.getByRole('dialog').waitFor({ state: 'detached' });
    await sendMessage(bob, 'A private word');
    await alice.getByRole('link', { name: /^bob, online, 1 unread/ }).waitFor({ timeout: 20_000 });

    await alice.getByRole('button', { name: 'Create a room' }).click();
    await alice.getByLabel('Name').fill('random');
    await alice.getByRole('button', { name: 'Create', exact: true }).click();
    await alice.getByRole('textbox', { name: 'Message #random' }).waitFor();
    await bob.getByRole('button', { name: 'Browse public rooms' }).click();
    await bob.getByRole('button', { name: 'Join random' }).click();
    await bob.getByRole('textbox', { name: 'Message #random' }).waitFor();
    bob.once('dialog', (dialog) => void dialog.accept());
    await bob.getByRole('button', { name: 'Leave room' }).click();
    await bob.getByRole('heading', { name: /^Welcome/ }).waitFor();
    // The room is forgotten locally at once, but the room-list refresh that bob's own room.joined started
    // can answer from before the leave and store it again until room.left arrives: the sidebar must drop it soon.
    await expect.poll(() => bob.getByRole('link', { name: /^random/ }).count(), { timeout: 10_000 }).toBe(0);
  });

  it('shows bob offline once he closes the app', async () => {
    await openRoom(alice, 'general');
    await bob.context().close();
    await expect.poll(() => memberEntry(alice, 'bob').innerText(), { timeout: 30_000 }).toContain('offline');
  });

  it('signs out: back to the login screen, and the local replica is gone from the device', async () => {
    const before = await alice.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(before.some((name) => name?.startsWith('chatterlink-'))).toBe(true);
    await alice.getByRole('button', { name: 'Sign out' }).click();
    await alice.getByRole('tab', { name: 'Sign in' }).waitFor();
    await eventually(
      () => alice.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)),
      (names) => !names.some((name) => name?.startsWith('chatterlink-')),
    );
    expect((await alice.request.get('/api/me')).status()).toBe(401);
  });
});
