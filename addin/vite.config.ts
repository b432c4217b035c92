import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the backend at /addin/ (backend/src/http/static.ts); hashed files go under static/ so
// they can be cached for good, apart from the fixed icon names the manifest points at (assets/).
export default defineConfig({
  base: '/addin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'static',
    chunkSizeWarningLimit: 2000,
  },
});
