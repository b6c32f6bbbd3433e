import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig, preparedRows } from '@app/domain';
import { SESSION_USER } from '../users/user.queries.js';
import type { AuthUser, TokenHolder } from './auth-user.js';

/** Whether a verified token's session is still live and its user still there. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  async authenticate(holder: TokenHolder): Promise<AuthUser | null> {
    const [row] = await preparedRows<{ phone_number: string }>(this.db, SESSION_USER, [holder.sessionId, holder.id]);
    if (!row) return null;
    return {
      ...holder,
      phoneNumber: row.phone_number,
      isAdmin: this.config.adminPhoneNumbers.has(row.phone_number),
    };
  }
}
