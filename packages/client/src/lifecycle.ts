/** Where `online` and `visibilitychange` come from; browsers: `globalThis` and `document`. */
export interface LifecycleTarget {
  window?: EventTarget | undefined;
  document?: EventTarget | undefined;
}

/** The default targets where they exist; none in Node or React Native. */
export function defaultLifecycleTarget(): LifecycleTarget {
  const scope = globalThis as { addEventListener?: unknown; document?: EventTarget };
  return {
    window: typeof scope.addEventListener === 'function' ? (globalThis as unknown as EventTarget) : undefined,
    document: scope.document && typeof scope.document.addEventListener === 'function' ? scope.document : undefined,
  };
}

/**
 * Calls `onWake` when the device comes back online or the page becomes visible again; returns
 * the function that stops listening.
 */
export function watchLifecycle(target: LifecycleTarget, onWake: (why: 'online' | 'visible') => void): () => void {
  const onOnline = (): void => onWake('online');
  const onVisibility = (): void => {
    const doc = target.document as { visibilityState?: string } | undefined;
    if (doc?.visibilityState === undefined || doc.visibilityState === 'visible') onWake('visible');
  };
  target.window?.addEventListener('online', onOnline);
  target.document?.addEventListener('visibilitychange', onVisibility);
  return () => {
    target.window?.removeEventListener('online', onOnline);
    target.document?.removeEventListener('visibilitychange', onVisibility);
  };
}
