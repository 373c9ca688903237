import { hardeningConfig } from './vitest.hardening.ts';

export default hardeningConfig('faults');
