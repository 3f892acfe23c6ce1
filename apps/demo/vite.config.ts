import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** A workspace package's TypeScript entry: the demo builds from sources, so no `dist` is needed first. */
const source = (path: string): string => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url));

/**
 * `vite build` writes `dist/`, which `dabba serve --dev` serves at `/`. `vite` (npm run dev -w
 * apps/demo) serves the app with hot reload and forwards the server's routes to a dev server on 9001.
 */
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@dabba/react': source('react/src/index.ts'),
      '@dabba/client': source('client/src/index.ts'),
      '@dabba/protocol': source('protocol/src/index.ts'),
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: Object.fromEntries(
      ['/dev', '/orders', '/stores', '/drivers', '/notifications', '/conversations', '/support', '/connection'].map(
        (path) => [path, { target: 'http://127.0.0.1:9001', ws: path === '/connection' }],
      ),
    ),
  },
});
