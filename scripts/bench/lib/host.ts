import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The CPU flaws the kernel works around or leaves open, as `name: state`
 * (those it reports as "Not affected" left out), from sysfs. Their
 * mitigations tax every system call and context switch, which fan-out and
 * the browser's IPC are made of, so two hosts of equal CPU speed can differ
 * there; empty when the kernel does not say.
 */
export function cpuVulnerabilities(dir = '/sys/devices/system/cpu/vulnerabilities'): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      const state = readFileSync(join(dir, name), 'utf8').trim();
      return state === '' || state === 'Not affected' ? [] : [`${name}: ${state}`];
    } catch {
      return [];
    }
  });
}

/** Whether the CPU says it runs under a hypervisor (the `hypervisor` flag of /proc/cpuinfo). */
export function underHypervisor(cpuinfo: string): boolean {
  return /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo);
}

/** `underHypervisor` of this machine; false when /proc/cpuinfo cannot be read. */
export function thisMachineIsVirtual(): boolean {
  try {
    return underHypervisor(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}
