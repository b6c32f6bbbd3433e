import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ErrorCode } from '../libs/domain/src/index.js';
import { ERROR_STATUS } from '../apps/api/src/common/error-status.js';
import { checkerFor } from './support/openapi-check.js';
import { startStack, type Stack } from './support/stack.js';

interface Operation {
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ in: string }>;
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
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
        'GET /api/v1/users/me/referrals',
        'GET /api/v1/dev/sms',
        'GET /health/live',
        'GET /health/ready',
        'GET /api/v1/referrals/leaderboard',
        'GET /api/v1/admin/events',
        'POST /api/v1/admin/events/{id}/redeliver',
        'POST /api/v1/admin/events/endpoint/enable',
        'GET /api/v1/users/me/sessions',
        'DELETE /api/v1/users/me/sessions/{id}',
        'POST /api/v1/users/me/sessions/revoke-others',
        'POST /api/v1/users/me/phone',
        'POST /api/v1/users/me/phone/confirm',
        'GET /api/v1/admin/api-keys',
        'POST /api/v1/admin/api-keys',
        'DELETE /api/v1/admin/api-keys/{id}',
        'GET /.well-known/jwks.json',
        'GET /.well-known/openid-configuration',
        'POST /api/v1/referrals/qualify',
        'POST /api/v1/referrals/void',
        'GET /api/v1/admin/referrals',
        'GET /api/v1/admin/referrals/{id}',
        'POST /api/v1/admin/referrals/{id}/approve',
        'POST /api/v1/admin/referrals/{id}/reject',
        'POST /api/v1/rewards/{id}/fulfill',
        'GET /api/v1/users/me/rewards',
        'POST /api/v1/hooks/sms/twilio',
        'POST /api/v1/hooks/sms/vonage',
        'GET /api/v1/hooks/sms/vonage',
        'POST /api/v1/hooks/sms/smsru',
        'POST /api/v1/hooks/whatsapp',
        'GET /api/v1/hooks/whatsapp',
        'POST /api/v1/hooks/telegram',
      ].sort(),
    );
  });

  it('serves the document committed as docs/openapi.json (`npm run openapi` writes it from the code)', () => {
    expect(document).toEqual(JSON.parse(readFileSync('docs/openapi.json', 'utf8')));
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

  it('marks the users and admin routes as needing a Bearer token (or an API key of the scope named), and the sign-in routes as not', () => {
    const operations = (prefix: string) =>
      Object.entries(document.paths)
        .filter(([path]) => path.startsWith(prefix))
        .flatMap(([path, methods]) =>
          Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${path}`, operation })),
        );
    const users = [
      ...operations('/api/v1/users'),
      ...operations('/api/v1/admin/'),
      ...operations('/api/v1/referrals/'),
      ...operations('/api/v1/rewards/'),
    ];
    const signIn = operations('/api/v1/auth/');
    expect(users.length).toBeGreaterThanOrEqual(6);
    expect(signIn.length).toBeGreaterThanOrEqual(3);
    const withKeys: string[] = [];
    for (const { route, operation } of users) {
      const scope = (operation as { 'x-api-key-scope'?: string })['x-api-key-scope'];
      if (scope) withKeys.push(`${route} ${scope}`);
      // Either scheme will do: one requirement each, in whichever order.
      const schemes = (operation.security ?? [])
        .map((requirement) => Object.keys(requirement as object).join('+'))
        .sort();
      expect({ route, schemes }).toEqual({ route, schemes: scope ? ['apiKey', 'bearer'] : ['bearer'] });
    }
    // Every admin route takes an API key of its scope, but the keys' own (a key makes no keys).
    expect(withKeys.sort()).toEqual(
      [
        'get /api/v1/users users:read',
        'post /api/v1/users users:write',
        'get /api/v1/users/{username} users:read',
        'get /api/v1/users/{username}/referrals users:read',
        'patch /api/v1/users/{username} users:write',
        'put /api/v1/users/{username} users:write',
        'delete /api/v1/users/{username} users:write',
        'get /api/v1/admin/events events:admin',
        'post /api/v1/admin/events/{id}/redeliver events:admin',
        'post /api/v1/admin/events/endpoint/enable events:admin',
        'get /api/v1/referrals/leaderboard referrals:read',
        'get /api/v1/admin/referrals referrals:read',
        'get /api/v1/admin/referrals/{id} referrals:read',
        'post /api/v1/admin/referrals/{id}/approve referrals:review',
        'post /api/v1/admin/referrals/{id}/reject referrals:review',
        'post /api/v1/referrals/qualify referrals:write',
        'post /api/v1/referrals/void referrals:write',
        'post /api/v1/rewards/{id}/fulfill rewards:write',
      ].sort(),
    );
    // Public by declaration: an empty requirement list, not a missing one.
    for (const { route, operation } of signIn)
      expect({ route, security: operation.security }).toEqual({ route, security: [] });
  });

  /** The error codes an operation's answer for one status allows, from its schema. */
  const codesAt = (operation: Operation, status: number): string[] => {
    const schema = operation.responses[String(status)]?.content?.['application/json']?.schema as
      { allOf?: Array<{ properties?: { error?: { enum?: string[] } } }> } | undefined;
    return schema?.allOf?.[1]?.properties?.error?.enum ?? [];
  };

  it('documents, for every operation, the refusals every operation of its kind can answer', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const route = `${method} ${path}`;
        const has = (status: number, code: string) =>
          expect({ route, status, code, listed: codesAt(operation, status).includes(code) }).toEqual({
            route,
            status,
            code,
            listed: true,
          });
        has(400, 'MALFORMED_REQUEST');
        has(408, 'REQUEST_TIMEOUT');
        has(431, 'HEADERS_TOO_LARGE');
        has(500, 'INTERNAL_ERROR');
        has(503, 'SERVICE_UNAVAILABLE');
        if (['post', 'put', 'patch', 'delete'].includes(method)) {
          has(400, 'MALFORMED_JSON');
          has(413, 'PAYLOAD_TOO_LARGE');
          has(415, 'UNSUPPORTED_MEDIA_TYPE');
        }
        if (operation.parameters?.some((parameter) => parameter.in === 'path')) has(414, 'URI_TOO_LONG');
        if (operation.security?.length) has(401, 'UNAUTHORIZED');
      }
    }
  });

  it('has an answer checker that refuses what the document does not say', async () => {
    const checker = await checkerFor(structuredClone(document) as never);
    const error = (status: number, code: string) => ({
      status_code: status,
      error: code,
      message: 'x',
      request_id: 'r',
    });
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
      method: 'POST',
      url: '/api/v1/auth/signup/',
      status,
      headers,
      body,
    });
    // What the document says passes.
    expect(() =>
      checker.check(answer(202, { phone_number: '+79123456789', expires_in: 300, resend_in: 60, channel: 'sms' })),
    ).not.toThrow();
    expect(() => checker.check(answer(429, error(429, 'RATE_LIMITED'), { 'retry-after': '5' }))).not.toThrow();
    // A status it does not document, a code not listed under the status, a body of the wrong shape, a missing header.
    expect(() => checker.check(answer(418, error(418, 'INTERNAL_ERROR')))).toThrow(/does not document/);
    expect(() => checker.check(answer(409, error(409, 'REFERRAL_ALREADY_ACTIVATED')))).toThrow(/unlike the document/);
    expect(() => checker.check(answer(202, { phone_number: 7 }))).toThrow(/unlike the document/);
    expect(() => checker.check(answer(429, error(429, 'RATE_LIMITED')))).toThrow(/Retry-After/);
    expect(() => checker.check(answer(400, { error: 'VALIDATION_FAILED' }))).toThrow(/without the error body/);
  });

  it('lists the closed set of error codes, each with its status', () => {
    const errorEnum = document.components.schemas.ErrorBodyDto.properties?.error.enum;
    expect(errorEnum?.sort()).toEqual(Object.values(ErrorCode).sort());
    for (const code of Object.values(ErrorCode)) {
      expect(document.info.description).toContain(`| \`${code}\` | ${ERROR_STATUS[code]} |`);
    }
  });
});
