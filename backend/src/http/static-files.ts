import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ChatterLink</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>ChatterLink</h1><p>The server is running. The web app has not been built: run <code>make build</code>.</p></main></body></html>`;

function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/**
 * Serves the built PWA from `root` for GET/HEAD outside `/api`. Hashed assets
 * are immutable; everything else (index.html, sw.js, the manifest) revalidates
 * so a new version is never silently stale. Paths without a file extension get
 * `index.html` (client-side routing); a missing file is a 404, never the app
 * shell under a script's URL.
 */
export function staticFiles(root: string): Middleware {
  const base = normalize(root + sep);
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path === '/api') return next();
    const decoded = decodePath(ctx.path);
    if (decoded === undefined) return next();
    const requested = normalize(join(base, decoded));
    if (!requested.startsWith(base)) return next();
    const found = await isFile(requested);
    if (!found && extname(requested) !== '') return next();
    const file = found ? requested : join(base, 'index.html');
    if (!(await isFile(file))) {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = PLACEHOLDER;
      return;
    }
    ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.body = createReadStream(file);
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
