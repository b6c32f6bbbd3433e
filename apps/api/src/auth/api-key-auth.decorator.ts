import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { ApiKeyScope } from '@app/domain';
import { API_KEY_SCHEME } from '../common/security-schemes.js';

/**
 * In the OpenAPI document: the operation also takes an API key with this
 * scope (beside a person's access token); `x-api-key-scope` names it. The
 * guard's rule is AdminOnly(scope) or KeyScope(scope): keep the two together.
 */
export const ApiKeyAuth = (scope: ApiKeyScope) =>
  applyDecorators(ApiSecurity(API_KEY_SCHEME), ApiExtension('x-api-key-scope', scope));
