import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchProfile, register, waitForServiceWorker } from './harness/browser';
import { startServer } from './harness/server';

describe('installable PWA with a service worker that never updates silently', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await startServer({ copyApp: true });
    profile = mkdtempSync(join(tmpdir(), 'chatterlink-profile-'));
    browser = await launchProfile(profile, server.url);
    page = browser.pages()[0] ?? (await browser.newPage());
    await register(page, 'alice');
    await waitForServiceWorker(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('is installable as Chromium judges it: a valid manifest, icons and an active service worker', async () => {
    const cdp = await browser.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[]; data?: string };
    expect(manifest.errors).toEqual([]);
    const parsed = JSON.parse(manifest.data ?? '{}') as { name: string; display: string; icons: { sizes: string; purpose: string }[] };
    expect(parsed).toMatchObject({ name: 'ChatterLink', display: 'standalone' });
    expect(parsed.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    const worker = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL);
    expect(worker).toBe(`${server.url}/sw.js`);
    for (const icon of ['/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png']) {
      const response = await page.request.get(icon);
      expect(response.headers()['content-type']).toBe('image/png');
    }
    expect((await page.request.get('/manifest.webmanifest')).headers()['content-type']).toContain('application/manifest+json');
  });

  it('offers a new version with a prompt and switches only when the user accepts', async () => {
    const before = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL);
    // A new deployment: the service worker script changes.
    appendFileSync(join(server.staticRoot, 'sw.js'), '\n// next version\n');
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const prompt = page.getByRole('alert').filter({ hasText: 'A new version of ChatterLink is available.' });
    await prompt.waitFor({ timeout: 20_000 });
    // Still the old version until the user says so.
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration())?.waiting))).toBe(true);
    const reloaded = page.waitForEvent('load');
    await prompt.getByRole('button', { name: 'Reload to update' }).click();
    await reloaded;
    await eventually(
      () => page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return { waiting: Boolean(registration?.waiting), active: registration?.active?.state };
      }),
      (state) => !state.waiting && state.active === 'activated',
    );
    expect(before).toBe(`${server.url}/sw.js`);
    expect(await prompt.count()).toBe(0);
  });
});
