// `npm run histories:record` only: the recorder is a vitest file (it uses the test harness) that
// `npm test` never runs.
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

export default defineConfig({ ...base, test: { ...base.test, include: ['test/histories/record.ts'], maxWorkers: 1 } });
