// The response validator that every e2e test relies on must really reject what the document does not
// describe; otherwise "the document cannot diverge" would be an untested claim.
import { describe, expect, it } from 'vitest';
import { ResponseValidator } from './openapi-validator.ts';

const document = {
  paths: {
    '/api/things/{id}': {
      get: {
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '404': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
    '/api/things/special': {
      get: { responses: { '200': { content: { 'text/html': { schema: { type: 'string' } } } } } },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
        required: ['id'],
        additionalProperties: false,
      },
      Error: {
        type: 'object',
        properties: { error: { type: 'object' } },
        required: ['error'],
        additionalProperties: false,
      },
    },
  },
};
const validator = new ResponseValidator(document);
const json = 'application/json; charset=utf-8';

describe('ResponseValidator', () => {
  it('accepts a documented response', () => {
    expect(() =>
      validator.check('GET', '/api/things/1', 200, json, { id: '1', at: '2026-01-01T00:00:00Z' }),
    ).not.toThrow();
    expect(() => validator.check('GET', '/api/things/special', 200, 'text/html', '<html>')).not.toThrow();
  });

  it.each([
    ['an undocumented field', 'GET', '/api/things/1', 200, json, { id: '1', extra: true }, /does not match/],
    ['a missing field', 'GET', '/api/things/1', 200, json, {}, /does not match/],
    ['a malformed format', 'GET', '/api/things/1', 200, json, { id: '1', at: 'yesterday' }, /does not match/],
    ['an undocumented status', 'GET', '/api/things/1', 409, json, { error: {} }, /status 409 is not documented/],
    ['an undocumented route', 'GET', '/api/elsewhere', 200, json, {}, /not in the OpenAPI document/],
    ['an undocumented method', 'POST', '/api/things/1', 201, json, {}, /POST is not documented/],
    ['a wrong content type', 'GET', '/api/things/special', 200, json, {}, /content type/],
  ])('rejects %s', (_what, method, path, status, type, body, message) => {
    expect(() => validator.check(method, path, status, type, body)).toThrow(message);
  });

  it('prefers the literal path over a template', () => {
    expect(validator.templateOf('/api/things/special')).toBe('/api/things/special');
    expect(validator.templateOf('/api/things/other')).toBe('/api/things/{id}');
  });
});
