import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readNodeFlagsFile } from './bench/targets/server-env';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('scripts/serve', () => {
  // A `node` first on PATH that prints what it was started with, so the launcher's own logic is what runs.
  const bin = mkdtempSync(join(tmpdir(), 'serve-'));
  writeFileSync(join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(join(bin, 'node'), 0o755);
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  const argsOf = (...extra: string[]) =>
    execFileSync(join(ROOT, 'scripts/serve'), extra, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' }).trim().split('\n');

  it('starts the built server with the flags of backend/node-flags, as the benchmark reads them', () => {
    const shipped = readNodeFlagsFile(readFileSync(join(ROOT, 'backend/node-flags'), 'utf8'));
    expect(shipped.length).toBeGreaterThan(0);
    expect(argsOf()).toEqual([...shipped, join(ROOT, 'backend/dist/main.js')]);
  });

  it('passes flags given to it after the shipped ones, so they can override them', () => {
    const args = argsOf('--single-threaded-gc', '--max-semi-space-size=16');
    expect(args.slice(-3)).toEqual(['--single-threaded-gc', '--max-semi-space-size=16', join(ROOT, 'backend/dist/main.js')]);
  });
});

describe('readNodeFlagsFile', () => {
  it('reads the words outside comments, on any number of lines', () => {
    expect(readNodeFlagsFile('# why\n--a=1  --b # trailing note\n\n   # indented comment\n--c\n')).toEqual(['--a=1', '--b', '--c']);
  });

  it('reads a file of comments only as no flags', () => {
    expect(readNodeFlagsFile('# nothing yet\n')).toEqual([]);
  });
});
