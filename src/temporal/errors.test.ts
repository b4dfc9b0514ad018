import { describe, expect, it } from 'vitest';
import { errorChain } from './errors.ts';

describe('errorChain', () => {
  it('names the error and each cause, once, so a log line says why a start failed', () => {
    const grpc = Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4 });
    const failed = new Error('Failed to start Workflow', { cause: grpc });
    expect(errorChain(failed)).toBe('Failed to start Workflow: 4 DEADLINE_EXCEEDED: Deadline exceeded');
    expect(errorChain(new Error('same', { cause: new Error('same') }))).toBe('same');
    expect(errorChain('not an Error')).toBe('not an Error');
  });
});
