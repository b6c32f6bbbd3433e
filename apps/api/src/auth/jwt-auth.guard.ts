import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { DomainError, ErrorCode } from '@app/domain';

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  /**
   * passport-jwt reports a bad token as "no user"; an error here comes from our
   * own lookup (a database outage, say) and must stay a 5xx: answering 401 would
   * sign every client out during an incident.
   */
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof Error) throw error;
    if (error) throw new Error(`authentication failed: ${JSON.stringify(error)}`);
    if (!user) throw new DomainError(ErrorCode.UNAUTHORIZED);
    return user;
  }
}
