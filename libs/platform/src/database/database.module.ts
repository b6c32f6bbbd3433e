import { Global, Module } from '@nestjs/common';
import { UnitOfWork } from './unit-of-work.js';

/** What every repository and service of a process shares about the database: the unit of work. */
@Global()
@Module({ providers: [UnitOfWork], exports: [UnitOfWork] })
export class DatabaseModule {}
