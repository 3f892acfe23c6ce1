import type { StatusHistoryEntry } from '@dabba/client';
import type { ReactNode } from 'react';
import { HAPPY_PATH, STATUS_LABELS } from '../demo-api.js';

/**
 * The order's progress: every step of a good delivery, each ticked with its time once the order
 * passed it, plus any status off that path (cancelled…) the order took.
 */
export function Timeline({
  status,
  history,
}: {
  status: string | undefined;
  history: readonly StatusHistoryEntry[];
}): ReactNode {
  const at = new Map(history.map((h) => [h.status as string, h.timestamp]));
  const offPath = history.map((h) => h.status as string).filter((s) => !(HAPPY_PATH as readonly string[]).includes(s));
  const steps = [...HAPPY_PATH.filter((s) => s !== 'preparing' || at.has(s) || status === 'accepted'), ...offPath];
  return (
    <ol className="timeline" data-testid="timeline">
      {steps.map((step) => {
        const time = at.get(step);
        return (
          <li
            key={step}
            data-testid={`timeline-${step}`}
            data-done={time ? 'true' : 'false'}
            className={step === status ? 'current' : time ? 'done' : 'todo'}
          >
            <span className="dot" aria-hidden="true" />
            <span>{STATUS_LABELS[step] ?? step}</span>
            {time && (
              <time dateTime={time}>
                {new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}
              </time>
            )}
          </li>
        );
      })}
    </ol>
  );
}
