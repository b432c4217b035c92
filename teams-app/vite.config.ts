import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the backend at /admin-tab/ (backend/src/http/static.ts). The sign-in, API client, theme
// and whole-page messages (notice, sign-in page) are the Outlook add-in's (addin/src/shared),
// imported through the @shared alias.
export default defineConfig({
  base: '/admin-tab/',
  plugins: [react()],
  resolve: {
    alias: { '@shared': path.resolve(import.meta.dirname, '../addin/src/shared') },
    dedupe: ['react', 'react-dom', '@fluentui/react-components', '@azure/msal-browser'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'static',
    chunkSizeWarningLimit: 3000,
    rollupOptions: {
      input: {
        index: path.resolve(import.meta.dirname, 'index.html'),
        config: path.resolve(import.meta.dirname, 'config.html'),
      },
    },
  },
});
