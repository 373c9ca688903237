import { shallowRef } from 'vue';

/** A new version is installed and waiting for the user's go-ahead. */
export const updateWaiting = shallowRef<ServiceWorker>();

/**
 * Registers the service worker. A new version waits until the user accepts
 * the "update available" prompt: no silent switch, no stale app either.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!reloading && updateWaiting.value) {
      reloading = true;
      location.reload();
    }
  });
  void navigator.serviceWorker.register('/sw.js').then((registration) => {
    const offer = (worker: ServiceWorker | null) => {
      if (worker && navigator.serviceWorker.controller) updateWaiting.value = worker;
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'installed') offer(installing);
      });
    });
    // Long-lived tabs look for a new version now and then.
    setInterval(() => void registration.update().catch(() => undefined), 60 * 60_000);
  });
}

/** The user accepted: the waiting worker takes over and the page reloads once. */
export function applyUpdate(): void {
  updateWaiting.value?.postMessage({ type: 'SKIP_WAITING' });
}
