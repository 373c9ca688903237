/**
 * A terminal progress bar with rate and ETA. On a TTY it redraws one line;
 * elsewhere (CI logs) it prints a line at most every two seconds.
 */
export function progressBar(label: string, unit: string, out: NodeJS.WriteStream = process.stderr) {
  const started = performance.now();
  let lastPrint = 0;
  const render = (done: number, total: number) => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${unit} · ${Math.round(rate).toLocaleString('en')} ${unit}/s · ETA ${eta.toFixed(0)}s`;
  };
  return {
    update(done: number, total: number) {
      const now = performance.now();
      if (out.isTTY) out.write(`\r${render(done, total)}`);
      else if (now - lastPrint > 2000 || done === total) out.write(`${render(done, total)}\n`);
      lastPrint = now;
    },
    finish(done: number, total: number) {
      if (out.isTTY) out.write(`\r${render(done, total)}\n`);
      return { seconds: (performance.now() - started) / 1000 };
    },
  };
}
