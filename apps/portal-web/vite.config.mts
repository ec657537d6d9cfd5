// The customer portal's web app. `nx build portal-web` writes dist/apps/portal-web, which the portal
// app serves at `/` (same origin as its API). `nx serve portal-web` is a dev server that forwards the
// API paths to a running portal (PORTAL_URL, default http://127.0.0.1:3001).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const portal = process.env['PORTAL_URL'] ?? 'http://127.0.0.1:3001';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/portal-web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/v1': portal, '/health': portal } },
});
