/**
 * Registers the service worker (public build only) and reports when a new version has been
 * installed and is waiting. The page never reloads by itself: a lesson step in progress is
 * worth more than a new build, so the learner chooses when (lab-ux.md §4.9, prompt flow).
 */

/** Called when a new version is waiting; `activate` switches to it and reloads the page. */
export type UpdateListener = (activate: () => void) => void;

/** Registers `sw.js` next to the page. Does nothing in dev builds or without support. */
export function registerOffline(onUpdate: UpdateListener): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const activate = (worker: ServiceWorker) => () => {
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), {
      once: true,
    });
    worker.postMessage({ type: 'skip-waiting' });
  };
  navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .then((registration) => {
      // A worker already waiting from an earlier visit.
      if (registration.waiting && navigator.serviceWorker.controller) {
        onUpdate(activate(registration.waiting));
      }
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => {
          // "installed" with a controller in place = an update (not the first install).
          if (worker.state === 'installed' && navigator.serviceWorker.controller) {
            onUpdate(activate(worker));
          }
        });
      });
    })
    .catch(() => {
      // No offline copy (private mode, file://): the lab works online as before.
    });
}
