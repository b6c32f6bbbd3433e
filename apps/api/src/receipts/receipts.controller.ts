import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/domain';
import { AppConfig } from '@app/platform';
import { ApiErrors } from '../common/api-errors.decorator.js';
import type { RawBodyRequest } from '../common/json-body.js';
import type { Fields } from './receipt-parsers.js';
import { ReceiptsService } from './receipts.service.js';

/** A callback's fields as strings, whether they came as a form, a query or JSON. */
const flat = (input: unknown): Fields =>
  Object.fromEntries(
    Object.entries((input ?? {}) as Record<string, unknown>)
      .filter(([, value]) => value !== null && value !== undefined && typeof value !== 'object')
      .map(([name, value]) => [name, String(value as string | number | boolean)]),
  );

/** What each gateway posts: its own fields, all strings. */
const FIELDS = {
  schema: { type: 'object' as const, additionalProperties: { type: 'string' as const } },
  description: "The gateway's fields, as its documentation lists them.",
};

/**
 * The gateways' delivery receipts, at the addresses docs/sms.md gives the
 * operator. No token: each gateway's own signature is the credential.
 */
@ApiTags('delivery receipts')
@Controller('hooks/sms')
export class ReceiptsController {
  constructor(
    private readonly receipts: ReceiptsService,
    private readonly config: AppConfig,
  ) {}

  @Post('twilio')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBody(FIELDS)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'Twilio status callback',
    description:
      'Twilio calls it for each message sent with the StatusCallback the worker gives (SMS_RECEIPTS_URL). ' +
      'Signed with X-Twilio-Signature (HMAC-SHA1 of the URL and the sorted fields, keyed with TWILIO_AUTH_TOKEN).',
  })
  @ApiResponse({ status: 204, description: 'Recorded, or counted and ignored (a message we did not send).' })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID, ErrorCode.UNSUPPORTED_MEDIA_TYPE)
  twilio(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @Headers('x-twilio-signature') signature: string | undefined,
  ): Promise<void> {
    const origin = this.config.receipts.baseUrl ?? `${request.protocol}://${request.host}`;
    return this.receipts.twilio(origin + request.url, flat(body), signature);
  }

  @Post('vonage')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBody(FIELDS)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'Vonage delivery receipt (POST)',
    description:
      'Vonage calls it for each message sent with `callback` (SMS_RECEIPTS_URL). Signed with the signature ' +
      'secret (VONAGE_SIGNATURE_SECRET, VONAGE_SIGNATURE_METHOD); a timestamp older than five minutes is refused.',
  })
  @ApiResponse({ status: 204, description: 'Recorded, or counted and ignored.' })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID, ErrorCode.UNSUPPORTED_MEDIA_TYPE)
  vonagePost(@Body() body: unknown): Promise<void> {
    return this.receipts.vonage(flat(body));
  }

  @Get('vonage')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Vonage delivery receipt (GET)',
    description: 'The same receipt when the account sends its webhooks as GET: the fields are the query.',
  })
  @ApiResponse({ status: 204, description: 'Recorded, or counted and ignored.' })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID)
  vonageGet(@Query() query: unknown): Promise<void> {
    return this.receipts.vonage(flat(query));
  }

  @Post('smsru')
  @HttpCode(HttpStatus.OK)
  @ApiBody(FIELDS)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'SMS.ru status callback',
    description:
      'Configured in the SMS.ru account (Callback). Entries `data[N]` of "sms_status\\nid\\ncode\\ntime", with ' +
      '`hash`, the SHA-256 of SMSRU_API_ID followed by the entries. Answers `100`, which SMS.ru expects.',
  })
  @ApiResponse({ status: 200, description: 'Recorded.', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID, ErrorCode.UNSUPPORTED_MEDIA_TYPE)
  async smsRu(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    await this.receipts.smsRu(flat(body));
    void reply.type('text/plain; charset=utf-8');
    return '100';
  }
}

/** What WhatsApp and Telegram post: JSON, as their documentation shows it. */
const JSON_BODY = {
  schema: { type: 'object' as const, additionalProperties: true },
  description: "The provider's JSON, as its documentation shows it.",
};

/**
 * WhatsApp's and Telegram's delivery reports, feeding the same receipts as the
 * SMS gateways'. No token: the provider's signature over the body as sent is
 * the credential.
 */
@ApiTags('delivery receipts')
@Controller('hooks')
export class ChannelReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Post('whatsapp')
  @HttpCode(HttpStatus.OK)
  @ApiBody(JSON_BODY)
  @ApiOperation({
    summary: 'WhatsApp Cloud API webhook (message statuses)',
    description:
      'Set as the callback URL of the Meta app’s WhatsApp webhooks, field `messages`. Signed with ' +
      'X-Hub-Signature-256 (sha256= the HMAC-SHA256 of the body, keyed with WHATSAPP_APP_SECRET). Statuses sent, ' +
      'delivered, read and failed are receipts; a failed one hands the code to the next channel.',
  })
  @ApiResponse({ status: 200, description: 'Recorded, or counted and ignored (a message we did not send).' })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID, ErrorCode.MALFORMED_JSON)
  async whatsapp(
    @Req() request: RawBodyRequest,
    @Headers('x-hub-signature-256') signature: string | undefined,
  ): Promise<void> {
    // The body as parsed, past the pipes: Meta's nests deeper than any of ours, and only its signed fields are read.
    await this.receipts.whatsapp(request.rawBody, request.body, signature);
  }

  @Get('whatsapp')
  @HttpCode(HttpStatus.OK)
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'WhatsApp webhook subscription check',
    description:
      'Meta calls it when the webhook is set up: `hub.mode=subscribe`, `hub.verify_token` (WHATSAPP_VERIFY_TOKEN) ' +
      'and `hub.challenge`, which is answered back.',
  })
  @ApiResponse({
    status: 200,
    description: 'The challenge.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID)
  whatsappSubscription(
    @Query('hub.mode') mode: string | undefined,
    @Query('hub.verify_token') token: string | undefined,
    @Query('hub.challenge') challenge: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const answer = this.receipts.whatsappSubscription(mode, token, challenge);
    void reply.type('text/plain; charset=utf-8');
    return answer;
  }

  @Post('telegram')
  @HttpCode(HttpStatus.OK)
  @ApiBody(JSON_BODY)
  @ApiOperation({
    summary: 'Telegram Gateway delivery report',
    description:
      'The `callback_url` each sendVerificationMessage carries (SMS_RECEIPTS_URL). Signed with X-Request-Timestamp ' +
      'and X-Request-Signature (HMAC-SHA256 of "timestamp\\nbody", keyed with the SHA-256 of TELEGRAM_GATEWAY_TOKEN); ' +
      'older than five minutes is refused. An expired message hands the code to the next channel.',
  })
  @ApiResponse({ status: 200, description: 'Recorded, or counted and ignored.' })
  @ApiErrors(ErrorCode.SIGNATURE_INVALID, ErrorCode.MALFORMED_JSON)
  async telegram(
    @Req() request: RawBodyRequest,
    @Headers('x-request-timestamp') timestamp: string | undefined,
    @Headers('x-request-signature') signature: string | undefined,
  ): Promise<void> {
    await this.receipts.telegram(request.rawBody, request.body, timestamp, signature);
  }
}
