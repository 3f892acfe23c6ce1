// @vitest-environment jsdom
import './node-globals.js';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/fixture.js';
import {
  ConnectionStatus,
  DabbaProvider,
  STYLE_ELEMENT_ID,
  Toaster,
  ToastProvider,
  useConnectionState,
  useDabbaClient,
  useToast,
  type ToastApi,
} from '../src/index.js';
import { clientOptions } from './support.js';

const servers: TestServer[] = [];
afterEach(async () => {
  cleanup();
  for (const server of servers.splice(0)) await server.close();
});

async function server(port?: number): Promise<TestServer> {
  const t = await startTestServer(port === undefined ? {} : { port });
  servers.push(t);
  return t;
}

function Controls() {
  const client = useDabbaClient();
  return (
    <>
      <p data-testid="state">{useConnectionState().status}</p>
      <button onClick={() => client.disconnect()}>go offline</button>
    </>
  );
}

const banner = (): HTMLElement | null => document.querySelector('.dabba-status');

describe('<ConnectionStatus/>', () => {
  it('is hidden when connected, yellow while reconnecting, red with Retry when failed, grey offline', async () => {
    const first = await server();
    const port = Number(new URL(first.url).port);
    const token = await first.token('cust-1');
    render(
      <StrictMode>
        <DabbaProvider
          options={clientOptions(first, token, { reconnect: { minDelayMs: 50, maxDelayMs: 100, maxAttempts: 3 } })}
        >
          <ConnectionStatus />
          <Controls />
        </DabbaProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('connected'));
    expect(banner()).toBeNull();
    expect(document.getElementById(STYLE_ELEMENT_ID)?.textContent).toContain('@keyframes dabba-pulse');

    // The server goes away: reconnecting with the attempt number and a pulse, then failed.
    await first.close();
    servers.splice(0);
    await screen.findByText('Reconnecting… (attempt 1)');
    expect(banner()?.dataset.status).toBe('reconnecting');
    expect(banner()?.querySelector('.dabba-status__dot')).not.toBeNull();
    await screen.findByText(/Reconnecting… \(attempt [23]\)/);
    await screen.findByText('Connection failed', undefined, { timeout: 5000 });
    expect(banner()?.dataset.status).toBe('failed');

    // Back on the same port: Retry connects, and the banner goes.
    await server(port);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('connected'));
    expect(banner()).toBeNull();

    // Disconnected on purpose: grey "Offline".
    fireEvent.click(screen.getByText('go offline'));
    await screen.findByText('Offline');
    expect(banner()?.dataset.status).toBe('disconnected');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });
});

describe('toasts', () => {
  let api: ToastApi | undefined;
  function Grab() {
    api = useToast();
    return null;
  }

  it('auto-dismiss after their duration; sticky ones keep their actions until used', async () => {
    render(
      <ToastProvider>
        <Grab />
        <Toaster />
      </ToastProvider>,
    );
    const pressed: string[] = [];
    act(() => {
      api?.success('Order delivered!', { durationMs: 80 });
      api?.error('Payment failed');
      api?.info('New message received', {
        actions: [
          { label: 'View', onPress: () => pressed.push('view') },
          { label: 'Later', onPress: () => pressed.push('later'), dismiss: false },
        ],
      });
      api?.warning('Kitchen is busy', { durationMs: null });
    });
    expect(screen.getByText('Order delivered!').closest('.dabba-toast')?.getAttribute('data-type')).toBe('success');
    expect(screen.getByRole('alert').textContent).toContain('Payment failed');
    const sticky = screen.getByText('New message received').closest('.dabba-toast') as HTMLElement;
    expect(sticky.dataset.sticky).toBe('true');
    expect(sticky.dataset.type).toBe('info');

    await waitFor(() => expect(screen.queryByText('Order delivered!')).toBeNull());
    // The sticky ones are still there with their actions.
    expect(screen.getByText('New message received')).toBeTruthy();
    expect(screen.getByText('Kitchen is busy')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Later' }));
    expect(pressed).toEqual(['later']);
    expect(screen.getByText('New message received')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'View' }));
    expect(pressed).toEqual(['later', 'view']);
    expect(screen.queryByText('New message received')).toBeNull();

    const warning = screen.getByText('Kitchen is busy').closest('.dabba-toast') as HTMLElement;
    fireEvent.click(warning.querySelector('.dabba-toast__close') as HTMLElement);
    expect(screen.queryByText('Kitchen is busy')).toBeNull();
  });

  it('keeps at most maxToasts, dropping the oldest', () => {
    render(
      <ToastProvider maxToasts={2}>
        <Grab />
        <Toaster />
      </ToastProvider>,
    );
    act(() => {
      for (const n of [1, 2, 3]) api?.info(`toast ${n}`);
    });
    expect(screen.queryByText('toast 1')).toBeNull();
    expect(screen.getByText('toast 2')).toBeTruthy();
    expect(screen.getByText('toast 3')).toBeTruthy();
  });
});
