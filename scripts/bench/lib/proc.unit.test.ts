import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuSeconds, cpuWindow } from './proc';

const started: ChildProcess[] = [];

/** A Node process that burns CPU until killed, once it has used `warmSeconds` of it. */
async function burner(warmSeconds: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  started.push(child);
  while (cpuSeconds(child.pid!) < warmSeconds) await new Promise((r) => setTimeout(r, 20));
  return child.pid!;
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

describe('cpuWindow', () => {
  it('counts what a process used since the window opened, not before', async () => {
    const pid = await burner(0.3);
    const opened = performance.now();
    const window = cpuWindow([pid]);
    await new Promise((r) => setTimeout(r, 200));
    const used = window([pid]);
    const wallSeconds = (performance.now() - opened) / 1000;
    expect(used).toBeGreaterThan(0);
    // One thread cannot use more CPU than the wall time (+ a clock tick); the 0.3 s before the window are not in it.
    expect(used).toBeLessThanOrEqual(wallSeconds + 0.01);
  });

  it('counts a process that exited during the window as nothing, never as minus its past', async () => {
    const gone = started.length;
    const pid = await burner(0.3);
    const window = cpuWindow([pid]);
    started[gone]!.kill('SIGKILL');
    await once(started[gone]!, 'exit');
    expect(cpuSeconds(pid)).toBe(0);
    expect(window([pid])).toBe(0);
  });

  it('counts a process that started during the window from zero', async () => {
    const window = cpuWindow([]);
    const pid = await burner(0.2);
    expect(window([pid])).toBeGreaterThanOrEqual(0.2);
  });
});
