import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { injectStyles } from './styles.js';
import { ToastStore, type Toast, type ToastInput } from './toast-store.js';

/** Used when no `ToastProvider` is above: one store for the whole page. */
const defaultStore = new ToastStore();
const ToastContext = createContext<ToastStore>(defaultStore);

/** Scopes toasts (tests, several apps on one page); without it every component shares one store. */
export function ToastProvider(props: { maxToasts?: number; children?: ReactNode }): ReactNode {
  const [store] = useState(() => new ToastStore(props.maxToasts));
  useEffect(() => () => store.clear(), [store]);
  return <ToastContext.Provider value={store}>{props.children}</ToastContext.Provider>;
}

type Shortcut = (message: string, options?: Omit<ToastInput, 'message' | 'type'>) => string;

export interface ToastApi {
  show(input: ToastInput): string;
  success: Shortcut;
  error: Shortcut;
  warning: Shortcut;
  info: Shortcut;
  dismiss(id: string): void;
  clear(): void;
}

/** Shows toasts: `toast.success('Order delivered!')`, or `show({ message, type, durationMs, actions })`. */
export function useToast(): ToastApi {
  const store = useContext(ToastContext);
  return useMemo(() => {
    const shortcut =
      (type: Toast['type']): Shortcut =>
      (message, options) =>
        store.show({ ...options, message, type });
    return {
      show: (input) => store.show(input),
      success: shortcut('success'),
      error: shortcut('error'),
      warning: shortcut('warning'),
      info: shortcut('info'),
      dismiss: (id) => store.dismiss(id),
      clear: () => store.clear(),
    };
  }, [store]);
}

/** The toasts shown now (for an app drawing its own). */
export function useToasts(): readonly Toast[] {
  const store = useContext(ToastContext);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Renders the toasts: bottom right, newest last, each with its actions and a close button. */
export function Toaster(props: { className?: string; closeLabel?: string }): ReactNode {
  const store = useContext(ToastContext);
  const toasts = useToasts();
  useEffect(() => injectStyles(), []);
  return (
    <div className={props.className ? `dabba-toaster ${props.className}` : 'dabba-toaster'}>
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className="dabba-toast"
          data-type={toast.type}
          data-sticky={toast.durationMs === null ? 'true' : 'false'}
          role={toast.type === 'error' ? 'alert' : 'status'}
        >
          <div className="dabba-toast__body">
            {toast.title ? <div className="dabba-toast__title">{toast.title}</div> : null}
            <div className="dabba-toast__message">{toast.message}</div>
            {toast.actions.length > 0 ? (
              <div className="dabba-toast__actions">
                {toast.actions.map((action) => (
                  <button
                    key={action.label}
                    type="button"
                    onClick={() => {
                      action.onPress();
                      if (action.dismiss ?? true) store.dismiss(toast.id);
                    }}
                  >
                    {action.label}
                  </button>
                ))}
              </div>
            ) : null}
          </div>
          <button
            type="button"
            className="dabba-toast__close"
            aria-label={props.closeLabel ?? 'Dismiss'}
            onClick={() => store.dismiss(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
