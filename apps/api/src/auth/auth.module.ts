import { Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { AccessTokens } from './access-tokens.js';
import { ApiKeysRepository, SigningKeysRepository } from './account-keys.repository.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';
import { WellKnownController } from './well-known.controller.js';

/**
 * Who is calling: access tokens (JWT) and their signing keys (the JWKS),
 * sessions and refresh tokens, API keys, and the guard of every authenticated
 * route: each feature with such routes imports it. Refresh and logout are
 * limited per client address.
 */
@Module({
  imports: [RateLimitModule],
  controllers: [TokensController, SessionsController, WellKnownController, ApiKeysController],
  providers: [AccessTokens, JwtAuthGuard, SessionsRepository, TokensService, ApiKeysRepository, SigningKeysRepository],
  exports: [AccessTokens, JwtAuthGuard, TokensService, ApiKeysRepository],
})
export class AuthModule {}
