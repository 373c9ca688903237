import vue from '@vitejs/plugin-vue';
import { defineConfig, type PluginOption } from 'vite';

export default defineConfig({
  // The plugin's types come from the workspace root's (newer) Vite; at run time it supports this one.
  plugins: [vue() as unknown as PluginOption],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:5000',
      '/healthz': 'http://127.0.0.1:5000',
      '/ws': { target: 'ws://127.0.0.1:5000', ws: true },
    },
  },
});
