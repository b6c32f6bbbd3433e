import { Global, Module } from '@nestjs/common';
import { AccessTokens } from './access-tokens.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';

/**
 * Who is calling: access tokens (JWT), sessions and refresh tokens, and the
 * guard of every authenticated route. Global, since every feature's routes use
 * the guard; it imports no other feature.
 */
@Global()
@Module({
  controllers: [TokensController],
  providers: [AccessTokens, JwtAuthGuard, SessionsRepository, TokensService],
  exports: [AccessTokens, JwtAuthGuard, TokensService],
})
export class AuthModule {}
