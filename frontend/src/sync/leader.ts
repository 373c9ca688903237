/**
 * Holds a Web Lock named `name` for as long as this tab lives (or until the
 * returned function is called): exactly one tab at a time is the leader.
 * Without Web Locks (very old browsers) every tab leads; the server's
 * exactly-once command ids keep that safe.
 */
export function electLeader(name: string, onLeader: (leader: boolean) => void): () => void {
  if (!('locks' in navigator)) {
    onLeader(true);
    return () => onLeader(false);
  }
  let release: (() => void) | undefined;
  const aborter = new AbortController();
  navigator.locks
    .request(name, { signal: aborter.signal }, () => {
      onLeader(true);
      return new Promise<void>((resolve) => (release = resolve));
    })
    .catch(() => undefined); // aborted while waiting: this tab is closing
  return () => {
    aborter.abort();
    release?.();
    onLeader(false);
  };
}
