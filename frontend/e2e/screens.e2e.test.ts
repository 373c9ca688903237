import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, blocking } from './harness/axe';
import { ARTEFACTS, eventually, openRoom, sendMessage, timelineBodies, waitLive } from './harness/browser';
import { e2eSession } from './harness/session';

const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTEFACTS}${name}.png` });

describe('main screens at phone and desktop sizes: screenshots and accessibility', () => {
  const session = e2eSession();
  let alice: Page;

  beforeAll(async () => {
    alice = await session.user('alice');
    const bob = await session.user('bob');
    await openRoom(bob, 'general');
    await sendMessage(bob, 'Morning all! The release notes are at https://example.org/notes');
    await sendMessage(bob, 'Stand-up in 10 minutes.');
    await openRoom(alice, 'general');
    await sendMessage(alice, 'Thanks Bob — reading them now.\nI will bring the numbers.');
    await eventually(() => timelineBodies(alice), (bodies) => bodies.length === 3);
  });

  async function expectAccessible(page: Page, screen: string): Promise<void> {
    const violations = await axeViolations(page);
    if (violations.length > 0) console.log(`axe on ${screen}:`, violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`).join('\n  '));
    expect(blocking(violations)).toEqual([]);
  }

  it('the login screen', async () => {
    for (const size of ['desktop', 'phone'] as const) {
      const page = await session.page(size);
      await page.goto('/login');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Enter your username.').waitFor();
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
      await shot(page, `login-${size}`);
      await expectAccessible(page, `login (${size})`);
      await page.context().close();
    }
  });

  it('the room screen on a desktop', async () => {
    await shot(alice, 'room-desktop');
    await expectAccessible(alice, 'room (desktop)');
  });

  it('the sidebar, a room and search on a phone (360 px)', async () => {
    const page = await session.page('phone');
    await page.goto('/login');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitLive(page);
    await shot(page, 'sidebar-phone');
    await expectAccessible(page, 'sidebar (phone)');
    await openRoom(page, 'general');
    await eventually(() => timelineBodies(page), (bodies) => bodies.length === 3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(page, 'room-phone');
    await expectAccessible(page, 'room (phone)');
    await page.goto('/search');
    await page.getByRole('searchbox', { name: 'Search text' }).fill('release');
    await page.getByRole('status').filter({ hasText: '1 result' }).waitFor();
    await shot(page, 'search-phone');
    await page.context().close();
  });

  it('the admin page is reachable for the first account (an admin)', async () => {
    await alice.getByRole('link', { name: 'Administration' }).click();
    await alice.getByRole('heading', { name: 'Administration' }).waitFor();
    await shot(alice, 'admin-desktop');
    await expectAccessible(alice, 'admin (desktop)');
  });
});
