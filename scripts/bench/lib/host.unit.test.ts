import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuVulnerabilities, underHypervisor } from './host';

describe('cpuVulnerabilities', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists what the kernel mitigates or leaves open, by name, and leaves out what does not affect the CPU', () => {
    dir = mkdtempSync(join(tmpdir(), 'vulnerabilities-'));
    writeFileSync(join(dir, 'spectre_v2'), 'Mitigation: Retpolines\n');
    writeFileSync(join(dir, 'meltdown'), 'Not affected\n');
    writeFileSync(join(dir, 'spec_rstack_overflow'), 'Vulnerable: Safe RET, no microcode\n');
    expect(cpuVulnerabilities(dir)).toEqual(['spec_rstack_overflow: Vulnerable: Safe RET, no microcode', 'spectre_v2: Mitigation: Retpolines']);
  });

  it('answers nothing where the kernel does not say', () => {
    expect(cpuVulnerabilities(join(tmpdir(), 'no-such-directory-here'))).toEqual([]);
  });
});

describe('underHypervisor', () => {
  it('reads the hypervisor flag of /proc/cpuinfo', () => {
    expect(underHypervisor('processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n')).toBe(true);
    expect(underHypervisor('processor\t: 0\nflags\t\t: fpu vme sse2 lahf_lm\nbugs\t\t: hypervisor_like\n')).toBe(false);
  });
});
