import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_MESSAGES, ErrorCode } from '@app/domain';
import { API_KEY_SCHEME } from '../common/security-schemes.js';
import { API_ERRORS_EXTENSION } from '../common/api-errors.decorator.js';
import { ERROR_STATUS } from '../common/error-status.js';
import { ErrorBodyDto, ErrorDetailDto } from '../common/error-body.js';

const DESCRIPTION = `
Sign in with a phone number, invite your friends.

**Sign-in.** \`POST /api/v1/auth/signup/\` queues an SMS with a 4-digit code and answers at once; the
worker delivers it in 1-2 s. \`POST /api/v1/auth/code/\` with the number and the code answers a JWT
access token (15 minutes) and a refresh token. With \`SMS_TRANSPORT=simulated\` the messages land in
the simulated phone inbox, \`GET /api/v1/dev/sms/?phone_number=…\`.

**Authorize.** Paste the \`token\` of the sign-in answer into *Authorize* (it is kept across reloads).

**Invite codes.** Every user has a 6-character invite code. \`PATCH /api/v1/users/me/\` with
\`used_referral_code\` activates someone else's, once, ever.

**Errors** all have one shape (\`ErrorBody\`), whichever layer answers (the router, the body parser,
a guard, a handler); \`error\` is one of:

| error | status | meaning |
| --- | --- | --- |
${Object.values(ErrorCode)
  .map((code) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${ERROR_MESSAGES[code]} |`)
  .join('\n')}

Each operation lists the codes it can answer, per status. 429 and 503 answers carry \`Retry-After\`
(seconds); 401 answers carry \`WWW-Authenticate: Bearer\`.
`;

/** What any request can be answered, whatever the operation: the router, Node.js's HTTP parser, a failure. */
const EVERY_OPERATION: ErrorCode[] = [
  ErrorCode.MALFORMED_REQUEST,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.HEADERS_TOO_LARGE,
  ErrorCode.INTERNAL_ERROR,
  ErrorCode.SERVICE_UNAVAILABLE,
];
/** A request that may carry a body: the body parser and the input checks. */
const WITH_BODY: ErrorCode[] = [
  ErrorCode.MALFORMED_JSON,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.UNSUPPORTED_MEDIA_TYPE,
];
/** Fastify parses a body for these methods whether or not the operation takes one. */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

interface Operation {
  parameters?: Array<{ in: string }>;
  security?: Array<Record<string, unknown>>;
  responses: Record<string, unknown>;
  [API_ERRORS_EXTENSION]?: ErrorCode[];
}

/** Every error code an operation can answer: its own, and those of its kind. */
function errorCodesOf(method: string, operation: Operation): Set<ErrorCode> {
  const codes = new Set<ErrorCode>([...EVERY_OPERATION, ...(operation[API_ERRORS_EXTENSION] ?? [])]);
  const add = (list: ErrorCode[]) => list.forEach((code) => codes.add(code));
  if (BODY_METHODS.has(method)) add(WITH_BODY);
  const places = new Set((operation.parameters ?? []).map((parameter) => parameter.in));
  if (places.has('path')) add([ErrorCode.URI_TOO_LONG, ErrorCode.VALIDATION_FAILED]);
  if (places.has('query')) add([ErrorCode.VALIDATION_FAILED]);
  // Any authenticated route answers 403 to an API key it does not take (a key acts on admin routes only).
  if (operation.security?.some((requirement) => 'bearer' in requirement || API_KEY_SCHEME in requirement))
    add([ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN]);
  return codes;
}

const RESPONSE_HEADERS: Partial<Record<number, Record<string, unknown>>> = {
  401: {
    'WWW-Authenticate': {
      description: 'Bearer, with error="invalid_token" when a token was refused',
      schema: { type: 'string' },
    },
  },
  429: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
};

/** One error response per status, whose schema allows exactly the codes the operation answers with it. */
function documentErrors(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, Operation>)) {
      const byStatus = new Map<number, ErrorCode[]>();
      for (const code of errorCodesOf(method, operation)) {
        const status = ERROR_STATUS[code];
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      delete operation[API_ERRORS_EXTENSION];
      for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
        codes.sort();
        operation.responses[String(status)] = {
          description: codes.map((code) => `\`${code}\`: ${ERROR_MESSAGES[code]}`).join('<br>'),
          ...(RESPONSE_HEADERS[status] ? { headers: RESPONSE_HEADERS[status] } : {}),
          content: {
            'application/json': {
              schema: {
                allOf: [
                  { $ref: '#/components/schemas/ErrorBodyDto' },
                  { type: 'object', properties: { error: { type: 'string', enum: codes } } },
                ],
              },
            },
          },
        };
      }
    }
  }
}

/** The one OpenAPI document: served at /swagger.json, rendered by Swagger UI and ReDoc. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Referral service')
    .setVersion('1.0.0')
    .setDescription(DESCRIPTION)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'An access token from /auth/code/ or /auth/refresh/ (EdDSA or ES256; keys at /.well-known/jwks.json)',
    })
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'rfk_…',
        description:
          'An API key of the host app’s backend (`npm run api-keys -- create`), on the admin routes that name its scope in `x-api-key-scope`',
      },
      API_KEY_SCHEME,
    )
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // Relative to where the document is served: the deployment's own origin, behind its load balancer or not.
    .addServer('/', 'This deployment (the origin that serves the document)')
    .addTag('auth', 'Sign in with a phone number and a code; refresh and end sessions')
    .addTag('users', 'Profiles, invite codes and the users resource')
    .addTag('sessions', 'The signed-in person’s devices')
    .addTag('referral lifecycle', 'Qualify and void referrals, rewards: the host app’s backend, with an API key')
    .addTag('admin', 'The admins’ views: events, referrals in review')
    .addTag('api-keys', 'The host app’s API keys')
    .addTag('delivery receipts', 'The gateways’ and channels’ signed delivery reports')
    .addTag('health', 'Liveness and readiness')
    .addTag('dev', 'The simulated phone inbox (SMS_TRANSPORT=simulated only)')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorBodyDto, ErrorDetailDto],
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  documentErrors(document);
  declarePublicOperations(document);
  return document;
}

/** An operation with no token says so (`security: []`): public by choice, not by omission. */
function declarePublicOperations(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations as Record<string, Operation>)) {
      if (typeof operation === 'object' && operation.responses && !operation.security) operation.security = [];
    }
  }
}
