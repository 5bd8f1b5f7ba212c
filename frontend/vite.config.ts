import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The Go server serves the built app from dist/app (see embed.go) and answers
// /graphql itself; in development the dev server forwards /graphql, websocket
// upgrades included, to a locally running `depot serve`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Two pages: the app, and GraphiQL (the IDE of GET /graphql, see
    // src/ide/main.tsx), each with its own chunks.
    rollupOptions: {
      input: { app: 'index.html', graphiql: 'graphiql.html' },
    },
  },
  server: {
    proxy: {
      '/graphql': {
        target: 'http://127.0.0.1:8080',
        ws: true,
        changeOrigin: false,
      },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
