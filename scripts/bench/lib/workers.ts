import { fileURLToPath } from 'node:url';
import { ONE_CORE_NODE_FLAGS } from '../targets/server-env';
import { spawnPinned } from './proc';

/**
 * Runs one of the suites' worker scripts (TypeScript, via tsx) pinned to
 * `core` (or a `taskset -c` list) and answers the JSON object it prints last.
 * Confined to one core, it gets the one-core Node flags (`ONE_CORE_NODE_FLAGS`).
 */
export function runWorker<T>(core: number | string, script: string, args: readonly (string | number)[], env: Record<string, string> = {}): Promise<T> {
  const path = fileURLToPath(new URL(`../suites/${script}`, import.meta.url));
  const flags = typeof core === 'number' ? ONE_CORE_NODE_FLAGS : [];
  const child = spawnPinned(core, process.execPath, [...flags, '--import', 'tsx', path, ...args.map(String)], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as T);
      else reject(new Error(`${script} exited with ${code}: ${err || out}`));
    });
  });
}
