import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { requestFingerprint } from './request-context.ts';

const request = (method: string, path: string, body: unknown) => ({ method, baseUrl: '', path, body }) as Request;

describe('requestFingerprint', () => {
  it('ignores the order of JSON keys, at every depth', () => {
    const a = request('POST', '/api/games', {
      homeTeam: 'A',
      awayTeam: 'B',
      lineup: [{ playerId: 'p', starter: true }],
    });
    const b = request('POST', '/api/games', {
      lineup: [{ starter: true, playerId: 'p' }],
      awayTeam: 'B',
      homeTeam: 'A',
    });
    expect(requestFingerprint(a)).toBe(requestFingerprint(b));
  });

  it('treats an absent key and an undefined one alike', () => {
    expect(requestFingerprint(request('POST', '/x', { a: 1 }))).toBe(
      requestFingerprint(request('POST', '/x', { a: 1, b: undefined })),
    );
  });

  const base = request('POST', '/api/players', { name: 'A', tags: ['x', 'y'] });
  it.each([
    ['another value', request('POST', '/api/players', { name: 'B', tags: ['x', 'y'] })],
    ['another path', request('POST', '/api/users', { name: 'A', tags: ['x', 'y'] })],
    ['another method', request('PUT', '/api/players', { name: 'A', tags: ['x', 'y'] })],
    ['the order of array items', request('POST', '/api/players', { name: 'A', tags: ['y', 'x'] })],
    ['null instead of an absent key', request('POST', '/api/players', { name: 'A', tags: ['x', 'y'], extra: null })],
  ])('tells requests apart by %s', (_what, other) => {
    expect(requestFingerprint(other)).not.toBe(requestFingerprint(base));
  });
});
