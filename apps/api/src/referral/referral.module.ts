import { Module } from '@nestjs/common';
import { ReferralService } from './referral.service.js';

@Module({ providers: [ReferralService], exports: [ReferralService] })
export class ReferralModule {}
