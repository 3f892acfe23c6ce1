import { ConnectionStatus, DabbaProvider, Toaster, ToastProvider } from '@dabba/react';
import { useEffect, useState, type ReactNode } from 'react';
import { loadDemo, type Demo, type DemoUser } from './demo-api.js';
import { CustomerView } from './views/CustomerView.js';
import { DriverView } from './views/DriverView.js';
import { KitchenView } from './views/KitchenView.js';
import { SupportView } from './views/SupportView.js';
import { readParam, writeParam } from './url-state.js';

/**
 * Reconnect quickly (0.5 s doubling to 5 s) and long enough to ride out a server restart: the
 * demo runs next to its server, so a short outage is the usual case.
 */
const RECONNECT = { minDelayMs: 500, maxDelayMs: 5_000, maxAttempts: 30 };

/** Loads the demo users from the dev server, then shows the chosen user's view. */
export function App(): ReactNode {
  const [demo, setDemo] = useState<Demo>();
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    loadDemo().then(setDemo, (error: unknown) => setFailure(String(error instanceof Error ? error.message : error)));
  }, []);
  if (failure)
    return (
      <main className="page">
        <p className="card error" data-testid="load-error">
          {failure}
        </p>
      </main>
    );
  if (!demo) return <main className="page">Loading the demo users…</main>;
  return <SignedIn demo={demo} />;
}

function SignedIn({ demo }: { demo: Demo }): ReactNode {
  const signedIn = demo.users.filter((u) => u.token !== null && u.role !== 'admin');
  const [userId, setUserId] = useState(() => readParam('as') ?? 'customer-1');
  const user = signedIn.find((u) => u.id === userId) ?? signedIn[0];
  if (!user?.token)
    return <main className="page card error">The server holds no signing key, so it hands out no demo tokens.</main>;
  const switchTo = (id: string): void => {
    writeParam('as', id);
    writeParam('order', undefined);
    setUserId(id);
  };
  return (
    <ToastProvider>
      {/* A new user is a new connection: `key` starts the provider over. */}
      <DabbaProvider
        key={user.id}
        options={{
          url: window.location.origin,
          token: user.token,
          reconnect: RECONNECT,
          outbox: { storageKey: `dabba.outbox.${user.id}` },
        }}
      >
        <header className="topbar">
          <span className="brand">Dabba demo</span>
          <label className="switcher">
            <span className="sr-only">Signed in as</span>
            <select data-testid="user-switcher" value={user.id} onChange={(e) => switchTo(e.target.value)}>
              {signedIn.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
        </header>
        <ConnectionStatus className="banner" />
        <main className="page" data-testid={`view-${user.role}`}>
          <RoleView demo={demo} user={user as DemoUser & { token: string }} />
        </main>
        <Toaster />
      </DabbaProvider>
    </ToastProvider>
  );
}

function RoleView({ demo, user }: { demo: Demo; user: DemoUser & { token: string } }): ReactNode {
  switch (user.role) {
    case 'customer':
      return <CustomerView demo={demo} token={user.token} />;
    case 'chef':
      return <KitchenView demo={demo} token={user.token} />;
    case 'driver':
      return <DriverView demo={demo} token={user.token} driverId={user.id} />;
    default:
      return <SupportView token={user.token} />;
  }
}
