import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '@app/domain';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing backend', description: 'Who holds the key: 1-100 printable characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' })
  name: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['users:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: ApiKeyScope[];
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid', description: 'DELETE /admin/api-keys/{id}/ revokes it.' })
  id: string;

  @ApiProperty({ example: 'billing backend' })
  name: string;

  @ApiProperty({ example: '3f9a0c1e5b7d2a48', description: 'The key’s public part: `rfk_<key_id>_…`.' })
  key_id: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true })
  scopes: ApiKeyScope[];

  @ApiProperty({ example: 'admin:6f1c…', description: '`admin:<user id>` or `command` (npm run api-keys).' })
  created_by: string;

  @ApiProperty()
  created_at: string;

  @ApiProperty({ type: String, nullable: true, description: 'To within a minute.' })
  last_used_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  revoked_at: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'rfk_3f9a0c1e5b7d2a48_Zq3vY8rT1mK6wP0sL9dF2hJ5nB7xC4gAeRu0iO3kWyV',
    description: 'The key, shown this once: only its hash is kept. Send it as `Authorization: Bearer <key>`.',
  })
  key: string;
}

export class ApiKeysDto {
  @ApiProperty({ type: [ApiKeyDto], description: 'Newest first, revoked ones included.' })
  items: ApiKeyDto[];
}
