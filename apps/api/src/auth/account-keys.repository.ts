import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiKeysStore, SigningKeysStore } from '@app/platform';

/**
 * The API's handles on the statements `npm run keys` and `npm run api-keys`
 * share with it (libs/platform/src/accounts): one definition of each.
 */
@Injectable()
export class ApiKeysRepository extends ApiKeysStore {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }
}

@Injectable()
export class SigningKeysRepository extends SigningKeysStore {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }
}
