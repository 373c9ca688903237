import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config';
import { CONTENT_SECURITY_POLICY, securityHeaders } from './security-headers';
import { staticFiles } from './static-files';

describe('serving the built PWA', () => {
  let root: string;
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'chatterlink-static-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(root, 'manifest.webmanifest'), '{"name":"ChatterLink"}');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = new Koa();
    app.use(securityHeaders(parseConfig({ NODE_ENV: 'test' })));
    app.use(staticFiles(root));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => {
    close?.();
    rmSync(root, { recursive: true, force: true });
  });

  it('revalidates the shell, the service worker and the manifest; hashed assets are immutable', async () => {
    const cases: [string, string, string][] = [
      ['/', 'text/html; charset=utf-8', 'no-cache'],
      ['/sw.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8', 'no-cache'],
      ['/assets/index-abc123.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ];
    for (const [path, type, cache] of cases) {
      const response = await fetch(base + path);
      expect([path, response.status, response.headers.get('content-type'), response.headers.get('cache-control')]).toEqual([path, 200, type, cache]);
    }
  });

  it('answers client-side routes with the app shell under the strict CSP', async () => {
    const response = await fetch(`${base}/r/some-room`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>app</title>');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
  });

  it('answers 404 for a missing file, never the shell under a script URL, and survives bad paths', async () => {
    for (const path of ['/assets/index-old999.js', '/icons/missing.png', '/%E0%A4%A']) {
      const response = await fetch(base + path);
      expect([path, response.status]).toEqual([path, 404]);
    }
    expect((await fetch(`${base}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });
});
