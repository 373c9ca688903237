import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchBrowser, newContext, openRoom, outboxSize, register, roomIdOf, sendMessage, timelineBodies } from './harness/browser';
import { startServer, type E2eServer } from './harness/server';

/** A photo-like PNG (noise, so the full image is much heavier than its preview). */
function photo(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Records, in the page, every state an upload's figure shows (`preview`, `full`, `local`) in order. */
function recordUploadStates(page: Page): Promise<void> {
  return page.evaluate(() => {
    const states: string[] = [];
    (window as unknown as { uploadStates: string[] }).uploadStates = states;
    const note = (el: Element) => {
      const state = el.getAttribute('data-state');
      if (state && states.at(-1) !== state) states.push(state);
    };
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes') note(record.target as Element);
        for (const node of record.addedNodes) {
          if (!(node instanceof Element)) continue;
          if (node.matches('figure.upload')) note(node);
          node.querySelectorAll('figure.upload').forEach(note);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
}

type ServerItem = { id: string; body: string | null; upload?: { name: string; mime: string; width?: number } };

async function serverItems(page: Page, roomId: string): Promise<ServerItem[]> {
  const response = await page.request.get(`/api/rooms/${roomId}/messages?limit=200`);
  return ((await response.json()) as { messages: ServerItem[] }).messages;
}

describe('uploads in the PWA', () => {
  let server: E2eServer;
  let browser: Browser;
  let aliceContext: BrowserContext;
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    aliceContext = await newContext(browser, server.url);
    alice = await aliceContext.newPage();
    bob = await (await newContext(browser, server.url)).newPage();
    await register(alice, 'alice');
    await register(bob, 'bob');
    await openRoom(alice, 'general');
    await openRoom(bob, 'general');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('A attaches an image; B sees its preview first, then the full image', async () => {
    await recordUploadStates(bob);
    const image = await photo(640, 480);
    await alice.locator('input[type=file]').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: image });

    const figure = bob.locator('figure.upload').filter({ hasText: 'noise.png' });
    await figure.waitFor();
    await eventually(() => figure.getAttribute('data-state'), (state) => state === 'full');
    const states = await bob.evaluate(() => (window as unknown as { uploadStates: string[] }).uploadStates);
    // First the preview, last the full image (a re-rendered row may show the cached full image at once).
    expect(states[0]).toBe('preview');
    expect(states.at(-1)).toBe('full');
    const shown = await figure.locator('img').evaluate((img: HTMLImageElement) => ({ src: img.getAttribute('src'), width: img.naturalWidth }));
    expect(shown.src).toMatch(/^\/api\/uploads\/[0-9a-f-]{36}$/);
    expect(shown.width).toBe(640);
    // Alice sees her own upload too, once.
    await eventually(() => alice.locator('figure.upload').filter({ hasText: 'noise.png' }).count(), (n) => n === 1);
  });

  it('attaches a pasted image and files dropped on the room', async () => {
    const bytes = [...(await photo(32, 24))];
    await alice.evaluate((data) => {
      const transfer = (name: string) => {
        const items = new DataTransfer();
        items.items.add(new File([new Uint8Array(data)], name, { type: 'image/png' }));
        return items;
      };
      const box = document.querySelector('#composer-input')!;
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer('pasted.png'), bubbles: true, cancelable: true }));
      const timeline = document.querySelector('main') ?? document.body;
      timeline.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer('dropped.png'), bubbles: true, cancelable: true }));
      timeline.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer('dropped.png'), bubbles: true, cancelable: true }));
    }, bytes);
    for (const name of ['pasted.png', 'dropped.png']) {
      await bob.locator('figure.upload[data-state=full]').filter({ hasText: name }).waitFor();
    }
  });

  it('keeps an attachment made offline in the outbox and uploads it once, in its place, when the connection returns', async () => {
    await aliceContext.setOffline(true);
    await alice.getByRole('status').filter({ hasText: 'Offline' }).waitFor();
    const image = await photo(120, 90);
    await alice.locator('input[type=file]').setInputFiles({ name: 'offline.png', mimeType: 'image/png', buffer: image });
    await sendMessage(alice, 'sent after the attachment');
    const pending = alice.locator('figure.upload').filter({ hasText: 'offline.png' });
    await pending.waitFor();
    expect(await pending.getAttribute('data-state')).toBe('local');
    await alice.getByText('Waiting for a connection to upload…').waitFor();
    expect(await outboxSize(alice)).toBe(2);

    await aliceContext.setOffline(false);
    await eventually(() => outboxSize(alice), (n) => n === 0, 30_000);
    const roomId = roomIdOf(alice);
    const items = await serverItems(alice, roomId);
    const offlineUploads = items.filter((m) => m.upload?.name === 'offline.png');
    expect(offlineUploads).toHaveLength(1);
    expect(offlineUploads[0]!.upload).toMatchObject({ mime: 'image/png', width: 120 });
    const upload = items.findIndex((m) => m.upload?.name === 'offline.png');
    const message = items.findIndex((m) => m.body === 'sent after the attachment');
    expect(upload).toBeGreaterThanOrEqual(0);
    expect(message).toBe(upload + 1);

    await bob.locator('figure.upload').filter({ hasText: 'offline.png' }).waitFor();
    await eventually(() => timelineBodies(bob), (bodies) => bodies.includes('sent after the attachment'));
  });
});
