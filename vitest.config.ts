import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run many generated cases; give them room on a slow shared machine.
    testTimeout: 60_000,
    // Opening an embedded database compiles WebAssembly: seconds on a busy 2-core machine.
    hookTimeout: 60_000,
  },
});
