import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_MESSAGES, ErrorCode } from '@app/domain';
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

**Errors** all have one shape (\`ErrorBody\`); \`error\` is one of:

| error | status | meaning |
| --- | --- | --- |
${Object.values(ErrorCode)
  .map((code) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${ERROR_MESSAGES[code]} |`)
  .join('\n')}

429 answers carry \`Retry-After\` (seconds).
`;

/** The one OpenAPI document: served at /swagger.json, rendered by Swagger UI and ReDoc. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Referral service')
    .setVersion('1.0.0')
    .setDescription(DESCRIPTION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addTag('auth', 'Sign in with a phone number and a code; refresh and end sessions')
    .addTag('users', 'Profiles, invite codes and the users resource')
    .addTag('health', 'Liveness and readiness')
    .addTag('dev', 'The simulated phone inbox (SMS_TRANSPORT=simulated only)')
    .build();
  return SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorBodyDto, ErrorDetailDto],
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}
