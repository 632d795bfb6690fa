import { defineConfig } from 'vite';

// A static page: relative asset paths (`base: './'`) so dist/ can be served from any path.
export default defineConfig({
    base: './',
    build: {
        outDir: 'dist',
        emptyOutDir: true,
        target: 'es2022', // bigint literals
        sourcemap: true,
    },
});
