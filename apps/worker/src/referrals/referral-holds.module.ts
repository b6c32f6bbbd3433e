import { Module } from '@nestjs/common';
import { ReferralHoldsRepository } from './referral-holds.repository.js';
import { ReferralHoldsSweep } from './referral-holds.sweep.js';

@Module({ providers: [ReferralHoldsSweep, ReferralHoldsRepository], exports: [ReferralHoldsSweep] })
export class ReferralHoldsModule {}
