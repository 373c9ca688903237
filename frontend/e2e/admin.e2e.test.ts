import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchBrowser, newContext, openRoom, register, roomIdOf, sendMessage, serverBodies } from './harness/browser';
import { startServer, type E2eServer } from './harness/server';

describe('the admin page: the event log in the browser', () => {
  let server: E2eServer;
  let browser: Browser;
  let admin: Page;
  let bob: Page;
  let room: string;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    admin = await (await newContext(browser, server.url)).newPage();
    bob = await (await newContext(browser, server.url)).newPage();
    await register(admin, 'alice');
    await register(bob, 'bob');
    await openRoom(bob, 'general');
    room = roomIdOf(bob);
    await sendMessage(bob, 'written for the auditors');
    await eventually(() => serverBodies(bob, room), (bodies) => bodies.includes('written for the auditors'));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const rows = (page: Page) => page.getByRole('table').locator('tbody tr');
  let momentLink = '';

  /** The timeline marks the message with `text` and shows it within its scrolled view, far from the room's end. */
  async function expectShownAt(page: Page, text: string): Promise<void> {
    const marked = page.locator('[role="log"] [aria-current="true"]');
    await marked.waitFor();
    expect(await marked.innerText()).toContain(text);
    const view = await marked.evaluate((el) => {
      const log = el.closest('[role="log"]')!;
      const box = el.getBoundingClientRect();
      const frame = log.getBoundingClientRect();
      return {
        inside: box.top >= frame.top && box.bottom <= frame.bottom,
        scrolls: log.scrollHeight > log.clientHeight * 3,
        // The room is shown at that moment, not at its end.
        farFromEnd: log.scrollHeight - log.scrollTop - log.clientHeight > log.clientHeight,
      };
    });
    expect(view).toEqual({ inside: true, scrolls: true, farFromEnd: true });
  }

  it('is not offered to people who are not admins', async () => {
    expect(await bob.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    await bob.goto('/admin');
    await bob.waitForURL((url) => !url.pathname.startsWith('/admin'));
  });

  it('lists decoded events, and filters them', async () => {
    await admin.getByRole('link', { name: 'Administration' }).click();
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
    await eventually(() => rows(admin).allInnerTexts(), (texts) => texts.some((t) => t.includes('written for the auditors')));
    await admin.getByLabel('Type').fill('message.sent');
    await admin.getByRole('button', { name: 'Search' }).click();
    const texts = await eventually(
      () => rows(admin).allInnerTexts(),
      (all) => all.length > 0 && all.every((t) => t.includes('message.sent')),
    );
    expect(texts.some((t) => t.includes('written for the auditors'))).toBe(true);
  });

  it('links a room event to its room', async () => {
    const row = rows(admin).filter({ hasText: 'written for the auditors' });
    await row.getByRole('link').click();
    await admin.waitForURL(new RegExp(`/r/${room}\\?at=\\d+`));
    await admin.getByRole('textbox', { name: /^Message #?general/ }).waitFor();
    await admin.goBack();
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
  });

  it('opens an older message at its position: scrolled into view in a long room, and marked', async () => {
    const { csrfToken } = (await (await bob.request.get('/api/me')).json()) as { csrfToken: string };
    const post = async (body: string) => {
      const response = await bob.request.post(`/api/rooms/${room}/messages`, { headers: { 'x-csrf-token': csrfToken }, data: { id: randomUUID(), body } });
      expect(response.status()).toBe(201);
    };
    await post('the moment in question');
    for (let i = 0; i < 120; i++) await post(`later chatter ${i}`);

    await admin.getByLabel('Type').fill('message.sent');
    await admin.getByRole('button', { name: 'Search' }).click();
    const link = rows(admin).filter({ hasText: 'the moment in question' }).getByRole('link');
    momentLink = (await link.getAttribute('href'))!;
    await link.click();
    await admin.waitForURL(new RegExp(`/r/${room}\\?at=\\d+`));
    await expectShownAt(admin, 'the moment in question');
    await admin.goBack();
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
  });

  it('pages older history in to show that moment on a device that holds only the latest messages', async () => {
    const carol = await (await newContext(browser, server.url)).newPage();
    await register(carol, 'carol');
    await carol.goto(momentLink);
    await expectShownAt(carol, 'the moment in question');
    await carol.context().close();
  });

  it('exports what the filter selects as NDJSON', async () => {
    await admin.getByLabel('Type').fill('message.sent');
    const href = await admin.getByRole('link', { name: 'Export NDJSON' }).getAttribute('href');
    expect(href).toContain('type=message.sent');
    const text = await admin.evaluate(async (url) => (await fetch(url!)).text(), href);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: { body?: string } });
    expect(lines.every((e) => e.type === 'message.sent')).toBe(true);
    expect(lines.map((e) => e.data.body)).toContain('written for the auditors');
  });

  it('verifies the hash chain and says so', async () => {
    await admin.getByRole('button', { name: 'Verify chain' }).click();
    const status = admin.getByRole('status').filter({ hasText: 'Chain intact' });
    await status.waitFor({ timeout: 20_000 });
    expect(await status.innerText()).toMatch(/\d+ events checked/);
  });

  it('records the admin reads in the log itself', async () => {
    await admin.getByRole('button', { name: 'Clear' }).click();
    await admin.getByLabel('Stream').fill('audit');
    await admin.getByRole('button', { name: 'Search' }).click();
    const texts = await eventually(() => rows(admin).allInnerTexts(), (all) => all.length >= 3 && all.every((t) => t.includes('audit.read')));
    expect(texts.some((t) => t.includes('"kind":"verify"'))).toBe(true);
    expect(texts.some((t) => t.includes('"kind":"export"'))).toBe(true);
  });

  it('opens a local search result the same way: at that message', async () => {
    await admin.goto('/search');
    await admin.getByRole('searchbox', { name: 'Search text' }).fill('moment in question');
    await admin.getByRole('link').filter({ hasText: 'the moment in question' }).click();
    await admin.waitForURL(new RegExp(`/r/${room}\\?at=\\d+`));
    await expectShownAt(admin, 'the moment in question');
  });
});
