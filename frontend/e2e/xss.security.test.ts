import { describe, expect, it } from 'vitest';
import { eventually, openRoom, sendMessage, timelineBodies } from './harness/browser';
import { e2eSession } from './harness/session';
import { attack } from '../../backend/test/hardening/tally';

/** Message bodies that would run script if any part of the PWA rendered them as markup or links. */
const PAYLOADS = [
  '<script>window.__xss = 1</script>',
  '<img src=x onerror="window.__xss = 2">',
  '<svg onload="window.__xss = 3"></svg>',
  '<a href="javascript:window.__xss = 4">click me</a>',
  'javascript:window.__xss=5',
  '[click me](javascript:window.__xss=6)',
  '<iframe srcdoc="<script>parent.__xss = 7</script>"></iframe>',
  '"><script>window.__xss = 8</script><x y="',
  "{{ constructor.constructor('window.__xss = 9')() }}",
  '<details open ontoggle="window.__xss = 10">',
];

describe('hostile message bodies and the CSP in a real browser', () => {
  const session = e2eSession();

  it('renders script, event-handler and javascript: payloads as plain text; none runs', async () => {
    const mallory = await session.user('mallory');
    const victim = await session.user('victim');
    await openRoom(mallory, 'general');
    await openRoom(victim, 'general');
    for (const payload of PAYLOADS) await sendMessage(mallory, payload);
    await eventually(() => timelineBodies(victim), (bodies) => PAYLOADS.every((p) => bodies.includes(p)));
    // Give any handler (onerror, onload, ontoggle) time to fire.
    await victim.waitForTimeout(1000);
    for (const page of [victim, mallory]) {
      await attack(`XSS through message bodies (${page === victim ? 'reader' : 'author'})`, async () => {
        expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
        // Message text may contain only text and http(s) links; everything else would be the payload's.
        const injected = page.locator('article.message .message-text :is(:not(a), a:not([href^="http"]))');
        expect(await injected.count()).toBe(0);
      });
    }
  });

  it('serves a CSP that blocks inline script, and the browser enforces it', async () => {
    const page = await session.page();
    const response = await page.goto('/login');
    const csp = response!.headers()['content-security-policy'] ?? '';
    await attack('inline script under the app CSP', async () => {
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      const outcome = await page.evaluate(
        () =>
          new Promise<{ ran: boolean; violation: string | undefined }>((resolve) => {
            let violation: string | undefined;
            document.addEventListener('securitypolicyviolation', (e) => (violation = e.violatedDirective));
            const script = document.createElement('script');
            script.textContent = 'window.__inline = 1';
            document.body.append(script);
            const handler = document.createElement('img');
            handler.setAttribute('onerror', 'window.__inline = 2');
            handler.src = 'data:,not-an-image';
            document.body.append(handler);
            setTimeout(() => resolve({ ran: (window as { __inline?: number }).__inline !== undefined, violation }), 500);
          }),
      );
      expect(outcome.ran).toBe(false);
      expect(outcome.violation).toMatch(/^script-src/);
    });
  });
});
