import { Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { AccessTokens } from './access-tokens.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';

/**
 * Who is calling: access tokens (JWT), sessions and refresh tokens, and the
 * guard of every authenticated route: each feature with such routes imports
 * it. Its own routes (refresh, logout) are limited per client address.
 */
@Module({
  imports: [RateLimitModule],
  controllers: [TokensController],
  providers: [AccessTokens, JwtAuthGuard, SessionsRepository, TokensService],
  exports: [AccessTokens, JwtAuthGuard, TokensService],
})
export class AuthModule {}
