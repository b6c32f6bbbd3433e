import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { decodeCursor, encodeCursor, type Cursor } from '@app/domain';

/** `?limit=&cursor=` of every keyset-paginated list. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * The page a client sees: `limit` rows, and a cursor after the last one when a
 * further row was found (repositories read one row more than the page).
 */
export function keysetPage<T extends { cursor_at: string; id: string }, R>(
  rows: T[],
  limit: number,
  present: (row: T) => R,
): { items: R[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(present),
    next_cursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}

/** The cursor of a query, decoded (400 when it is not one of ours), or null for the first page. */
export function cursorOf(query: PageQueryDto): Cursor | null {
  return query.cursor ? decodeCursor(query.cursor) : null;
}
