import type { ConnectionState } from '@dabba/client';
import { useEffect, type ReactNode } from 'react';
import { useDabbaClient } from './provider.js';
import { injectStyles } from './styles.js';
import { useConnectionState } from './use-connection.js';

/** The words the banner shows; override for other languages. */
export interface ConnectionStatusLabels {
  connecting: string;
  reconnecting: (attempt: number, maxAttempts: number) => string;
  failed: string;
  offline: string;
  retry: string;
}

export const DEFAULT_CONNECTION_LABELS: ConnectionStatusLabels = {
  connecting: 'Connecting…',
  reconnecting: (attempt) => `Reconnecting… (attempt ${attempt})`,
  failed: 'Connection failed',
  offline: 'Offline',
  retry: 'Retry',
};

export interface ConnectionStatusProps {
  labels?: Partial<ConnectionStatusLabels>;
  className?: string;
  /** Show the banner while the very first connection is being made. Default false. */
  showConnecting?: boolean;
}

/**
 * Seed 004's connection banner: hidden while connected; yellow "Reconnecting… (attempt n)" with
 * a pulse; red "Connection failed" with a Retry button (`client.retry()`); grey "Offline" when
 * disconnected. `data-status` carries the state for styling and tests.
 */
export function ConnectionStatus(props: ConnectionStatusProps): ReactNode {
  const client = useDabbaClient();
  const state = useConnectionState();
  useEffect(() => injectStyles(), []);
  const labels = { ...DEFAULT_CONNECTION_LABELS, ...props.labels };
  const text = bannerText(state, labels, props.showConnecting ?? false);
  if (text === undefined) return null;
  const className = props.className ? `dabba-status ${props.className}` : 'dabba-status';
  return (
    <div className={className} role="status" aria-live="polite" data-status={state.status}>
      {state.status === 'failed' ? null : <span className="dabba-status__dot" aria-hidden="true" />}
      <span className="dabba-status__text">{text}</span>
      {state.status === 'failed' ? (
        <button type="button" onClick={() => client.retry()}>
          {labels.retry}
        </button>
      ) : null}
    </div>
  );
}

function bannerText(
  state: ConnectionState,
  labels: ConnectionStatusLabels,
  showConnecting: boolean,
): string | undefined {
  switch (state.status) {
    case 'connected':
      return undefined;
    case 'connecting':
      return showConnecting ? labels.connecting : undefined;
    case 'reconnecting':
      return labels.reconnecting(state.attempt, state.maxAttempts);
    case 'failed':
      return labels.failed;
    case 'disconnected':
      return labels.offline;
  }
}
