import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); never a downloaded browser. */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];

/** Where screenshots and other artefacts go (gitignored). */
export const ARTEFACTS = fileURLToPath(new URL('../../../test-results/e2e/', import.meta.url));

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function chromiumPath(): string {
  const executablePath = CANDIDATES.find((path) => existsSync(path));
  if (!executablePath) throw new Error('Chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  mkdirSync(ARTEFACTS, { recursive: true });
  return executablePath;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}

/**
 * A browser with a real (non-incognito) profile in `userDataDir`: what
 * Chromium requires before it calls an app installable.
 */
export function launchProfile(userDataDir: string, baseURL: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath(), args: ARGS, baseURL, viewport: { width: 1280, height: 800 } });
}

/** A fresh browser profile (its own cookies, IndexedDB, service workers) at a phone or desktop size. */
export function newContext(browser: Browser, baseURL: string, size: 'desktop' | 'phone' = 'desktop'): Promise<BrowserContext> {
  const viewport = size === 'phone' ? { width: 360, height: 740 } : { width: 1280, height: 800 };
  return browser.newContext({ baseURL, viewport, ...(size === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
}

/** Registers `username` through the UI and waits for the chat to be live. */
export async function register(page: Page, username: string, password = 'correct horse battery'): Promise<void> {
  await page.goto('/login');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await waitLive(page);
}

/** Waits until the connection has caught up and is live. */
export async function waitLive(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 40_000 });
}

/** Opens a room from the sidebar by its visible name. */
export async function openRoom(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: new RegExp(`^${name}\\b`) }).click();
  await page.getByRole('textbox', { name: new RegExp(`^Message #?${name}`) }).waitFor();
}

/** Types `body` in the composer and presses Enter. */
export async function sendMessage(page: Page, body: string): Promise<void> {
  const box = page.getByRole('textbox', { name: /^Message / });
  await box.fill(body);
  await box.press('Enter');
}

/** The bodies of the messages the timeline shows, in order. */
export function timelineBodies(page: Page): Promise<string[]> {
  return page.locator('article.message .body .message-text').allInnerTexts();
}

/** The id of the room the page shows (from its URL). */
export function roomIdOf(page: Page): string {
  const match = /\/r\/([^/?#]+)/.exec(page.url());
  if (!match) throw new Error(`not in a room: ${page.url()}`);
  return match[1]!;
}

/** Message bodies of a room as the server has them (through the page's session), oldest first. */
export async function serverBodies(page: Page, roomId: string): Promise<string[]> {
  const response = await page.request.get(`/api/rooms/${roomId}/messages?limit=200`);
  const { messages } = (await response.json()) as { messages: { body: string | null }[] };
  return messages.map((m) => m.body ?? '');
}

/** How many commands wait in the signed-in user's outbox (the real IndexedDB of the page). */
export function outboxSize(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const user = JSON.parse(localStorage.getItem('chatterlink.user') ?? '{}') as { id?: string };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(`chatterlink-${user.id}`);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const count = await new Promise<number>((resolve, reject) => {
      const request = db.transaction('outbox').objectStore('outbox').count();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return count;
  });
}

/** Polls `read` until `accept` holds, failing with the last value after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until a service worker controls the page (the app shell is then precached). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await eventually(() => page.evaluate(() => navigator.serviceWorker.controller !== null), (controlled) => controlled);
}
