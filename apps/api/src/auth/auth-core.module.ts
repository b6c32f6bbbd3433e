import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { SessionsService } from './sessions.service.js';

/** What every authenticated route needs: the JWT strategy, the session check and the guard. */
@Global()
@Module({
  imports: [PassportModule],
  providers: [JwtStrategy, SessionsService, JwtAuthGuard],
  exports: [SessionsService, JwtAuthGuard],
})
export class AuthCoreModule {}
