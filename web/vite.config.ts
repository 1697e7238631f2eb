import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
/** The API the dev server forwards to (`npm start` in the repository root, by default). */
const api = process.env.API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The SDK and the protocol from their TypeScript sources: one build, and edits show at once.
    alias: {
      '@collabcampus/client': source('../client/src/index.ts'),
      '@collabcampus/protocol': source('../protocol/src/index.ts'),
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': api,
      '/socket.io': { target: api, ws: true },
    },
  },
});
