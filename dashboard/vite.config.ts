import { defineConfig } from 'vite';

declare const process: { env: Record<string, string | undefined> };

// Relative asset URLs (base './') so the same build works at / (npm start) and under CloudFront.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    port: 5173,
    // `npm run dev` against a local API: FINML_API=http://localhost:3000 npm run dev. The local API
    // refuses other origins' pages, so the proxy (itself on this machine) forwards no Origin header.
    proxy: process.env.FINML_API
      ? {
          '/api': {
            target: process.env.FINML_API,
            changeOrigin: true,
            configure: (proxy) => proxy.on('proxyReq', (request) => request.removeHeader('origin')),
          },
        }
      : {},
  },
});
