/**
 * The pages ticketd serves (issue 13), built by `npm run build` into dist/web: one HTML entry per page, its script
 * and styles bundled into content-hashed files under /assets/ (served immutable; the HTML itself is revalidated).
 * Nothing is fetched from elsewhere at run time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    rollupOptions: { input: { app: here('app/index.html'), console: here('console/index.html') } },
  },
  logLevel: 'warn',
});
