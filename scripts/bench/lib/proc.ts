import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (0 if it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Opens a CPU window over `pids`; the answer reads the CPU seconds that the processes it is given used since.
 * A process not in the window's start (started during it) counts from zero. One that has exited reads nothing,
 * never minus its past: a pool closing an idle connection mid-window would otherwise subtract that backend's
 * whole lifetime.
 */
export function cpuWindow(pids: readonly number[]): (pids: Iterable<number>) => number {
  const start = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  return (now) => {
    let seconds = 0;
    for (const pid of new Set(now)) seconds += Math.max(0, cpuSeconds(pid) - (start.get(pid) ?? 0));
    return seconds;
  };
}

/** Resident set size in bytes (0 if the process is gone). */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The 1-minute load average: how busy the shared machine was. */
export function loadAverage(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

/** CPU seconds of a set of processes, read together. */
export function cpuOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

const children = new Set<ChildProcess>();

/**
 * Remembers a child so that it is killed when the benchmark exits, however it
 * exits: a stray server pinned to a core would skew the next run.
 */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A child process pinned with `taskset` to one core (or a `taskset -c` list), as every measured process is. */
export function spawnPinned(core: number | string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return track(spawn('taskset', ['-c', String(core), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
}

/**
 * Resolves with the first stdout line matching `pattern` (a server saying it
 * listens); rejects if the process exits first or `timeoutMs` passes. Stderr is
 * kept for the error message.
 */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    // Only the tail of stderr is kept, for the error message.
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${pattern}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${err.slice(-2000)}`));
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.stdout?.on('data', function onData(chunk: Buffer) {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(match);
      }
    });
    child.once('exit', (code) => fail(new Error(`exited with ${code} before ${pattern}`)));
  });
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Pins an already running process (every thread) to `core`. */
export function pin(pid: number, core: number): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
      .once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`taskset exited with ${code}`))))
      .once('error', reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
