import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // s3rver on a loopback port, once per run (see test/servers/global-setup.ts).
    globalSetup: ['test/servers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Crash tests spawn child processes and media tests spawn ffmpeg: two cores, so keep files serial-ish.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
