import { Module } from '@nestjs/common';
import { RetentionRepository } from './retention.repository.js';
import { RetentionSweep } from './retention.sweep.js';

@Module({ providers: [RetentionSweep, RetentionRepository], exports: [RetentionSweep] })
export class RetentionModule {}
