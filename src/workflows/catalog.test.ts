// Clients start workflows by name with the catalogue's signatures (contracts/catalog.ts); the bundle
// must export exactly those workflows with those signatures. Checked by the compiler (npm test runs
// tsc first); the assertions only make the check visible as a test.
import { describe, expect, it } from 'vitest';
import type { Workflows } from '../contracts/catalog.ts';
import type * as bundle from './index.ts';

type Bundle = typeof bundle;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe('the workflow bundle', () => {
  it('exports exactly the workflows of the catalogue, each with its signature', () => {
    const sameNames: Same<keyof Bundle, keyof Workflows> = true;
    const bundleFitsCatalogue: Bundle extends Workflows ? true : false = true;
    expect([sameNames, bundleFitsCatalogue]).toEqual([true, true]);
  });
});
