import { Validator } from '@seriousme/openapi-schema-validator';
import { ErrorCode } from '../libs/domain/src/index.js';
import { ERROR_STATUS } from '../apps/api/src/common/error-status.js';
import { startStack, type Stack } from './support/stack.js';

interface Operation {
  security?: unknown[];
  responses: Record<string, { description?: string }>;
  summary?: string;
}
type Document = {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
};

describe('the OpenAPI document', () => {
  let stack: Stack;
  let document: Document;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    document = (await stack.http().get('/swagger.json').expect(200).expect('content-type', /json/)).body;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator is not a rubber stamp: a broken copy fails.
    const broken = await new Validator().validate({
      ...structuredClone(document),
      paths: { '/x': { get: { responses: 42 } } },
    });
    expect(broken.valid).toBe(false);
  });

  it('describes every route the API serves', () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [
        'POST /api/v1/auth/signup',
        'POST /api/v1/auth/code',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/logout',
        'GET /api/v1/users',
        'POST /api/v1/users',
        'GET /api/v1/users/me',
        'GET /api/v1/users/{username}',
        'PATCH /api/v1/users/{username}',
        'PUT /api/v1/users/{username}',
        'DELETE /api/v1/users/{username}',
        'GET /api/v1/users/{username}/referrals',
        'GET /api/v1/dev/sms',
        'GET /health/live',
        'GET /health/ready',
      ].sort(),
    );
  });

  it('gives every operation a summary and its success answer', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect({ route: `${method} ${path}`, summary: Boolean(operation.summary) }).toEqual({
          route: `${method} ${path}`,
          summary: true,
        });
        expect(Object.keys(operation.responses).some((status) => status.startsWith('2'))).toBe(true);
      }
    }
  });

  it('marks the users routes as needing a Bearer token, and the sign-in routes as not', () => {
    const operations = (prefix: string) =>
      Object.entries(document.paths)
        .filter(([path]) => path.startsWith(prefix))
        .flatMap(([path, methods]) =>
          Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${path}`, operation })),
        );
    const users = operations('/api/v1/users');
    const signIn = operations('/api/v1/auth/');
    expect(users.length).toBeGreaterThanOrEqual(6);
    expect(signIn.length).toBeGreaterThanOrEqual(3);
    for (const { route, operation } of users)
      expect({ route, security: operation.security }).toEqual({ route, security: [{ bearer: [] }] });
    for (const { route, operation } of signIn)
      expect({ route, security: operation.security }).toEqual({ route, security: undefined });
  });

  it('lists the closed set of error codes, each with its status', () => {
    const errorEnum = document.components.schemas.ErrorBodyDto.properties?.error.enum;
    expect(errorEnum?.sort()).toEqual(Object.values(ErrorCode).sort());
    for (const code of Object.values(ErrorCode)) {
      expect(document.info.description).toContain(`| \`${code}\` | ${ERROR_STATUS[code]} |`);
    }
  });
});
