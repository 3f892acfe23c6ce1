// @vitest-environment jsdom
import './node-globals.js';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import { DabbaProvider, useConnectionState, useDabbaUserId } from '../src/index.js';
import { clientOptions, CountingWebSocket, hubCounts, metric } from './support.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
  CountingWebSocket.opened = 0;
});
afterEach(async () => {
  cleanup();
  await t.close();
});

function Status() {
  const state = useConnectionState();
  const userId = useDabbaUserId();
  return (
    <p>
      {state.status} as {userId ?? '?'}
    </p>
  );
}

describe('DabbaProvider', () => {
  it('opens exactly one connection under StrictMode double mounting, and closes it on unmount', async () => {
    const token = await t.token('cust-1');
    const view = render(
      <StrictMode>
        <DabbaProvider options={clientOptions(t, token)}>
          <Status />
        </DabbaProvider>
      </StrictMode>,
    );
    await screen.findByText('connected as cust-1');
    expect(CountingWebSocket.opened).toBe(1);
    expect(await metric(t, 'dabba_connections_total{face="centrifuge"}')).toBe(1);
    expect(hubCounts(t).clients).toBe(1);

    view.unmount();
    await waitFor(() => expect(hubCounts(t).clients).toBe(0));
    expect(CountingWebSocket.opened).toBe(1);
  });

  it('gives each provider its own connection (two devices of one user)', async () => {
    const token = await t.token('cust-1');
    render(
      <>
        <DabbaProvider options={clientOptions(t, token)}>
          <Status />
        </DabbaProvider>
        <DabbaProvider options={clientOptions(t, token)}>
          <Status />
        </DabbaProvider>
      </>,
    );
    await waitFor(() => expect(screen.getAllByText('connected as cust-1')).toHaveLength(2));
    expect(hubCounts(t).clients).toBe(2);
    expect(CountingWebSocket.opened).toBe(2);
  });
});
