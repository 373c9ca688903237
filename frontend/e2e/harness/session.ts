import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, newContext, register } from './browser';
import { startServer, type E2eServer, type ServerOptions } from './server';

/** A test file's server and browser: started before its tests, stopped after them. */
export interface E2eSession {
  readonly server: E2eServer;
  readonly browser: Browser;
  /** A page in a fresh browser profile (own cookies and IndexedDB), at a phone or desktop size. */
  page(size?: 'desktop' | 'phone'): Promise<Page>;
  /** A fresh profile signed up as `username`, with the chat live. */
  user(username: string, size?: 'desktop' | 'phone'): Promise<Page>;
}

/** Registers the hooks that give the calling test file its own server and Chromium. */
export function e2eSession(options: ServerOptions = {}): E2eSession {
  let server: E2eServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startServer(options);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const session: E2eSession = {
    get server() {
      if (!server) throw new Error('the e2e server is not running (used outside the tests?)');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not running (used outside the tests?)');
      return browser;
    },
    page: async (size = 'desktop') => (await newContext(session.browser, session.server.url, size)).newPage(),
    async user(username, size = 'desktop') {
      const page = await session.page(size);
      await register(page, username);
      return page;
    },
  };
  return session;
}
