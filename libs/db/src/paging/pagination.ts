import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/**
 * Cursor pagination over UUIDv7 ids (which sort by creation time): stable while rows are added.
 * `cursor` is the `nextCursor` of the previous page.
 */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  @ApiPropertyOptional({ format: 'uuid', description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** What a repository's list method needs for one page: one row more than the page holds, after the cursor. */
export interface PageWindow {
  take: number;
  cursor?: string;
}

/** Builds a page from `limit + 1` rows fetched after the cursor. */
export function toPage<T extends { id: string }, R>(rows: T[], limit: number, map: (row: T) => R): Page<R> {
  const hasMore = rows.length > limit;
  const slice = hasMore ? rows.slice(0, limit) : rows;
  return { data: slice.map(map), nextCursor: hasMore ? slice[slice.length - 1].id : null };
}

/**
 * One page of a cursor-paginated list: asks `fetch` for the rows of the window (`take` = limit + 1,
 * after `cursor`) and turns them into a page, each row through `map` (as it is when none is given).
 */
export function paginate<T extends { id: string }>(
  query: { limit: number; cursor?: string },
  fetch: (window: PageWindow) => Promise<T[]>,
): Promise<Page<T>>;
export function paginate<T extends { id: string }, R>(
  query: { limit: number; cursor?: string },
  fetch: (window: PageWindow) => Promise<T[]>,
  map: (row: T) => R,
): Promise<Page<R>>;
export async function paginate<T extends { id: string }, R>(
  query: { limit: number; cursor?: string },
  fetch: (window: PageWindow) => Promise<T[]>,
  map?: (row: T) => R,
): Promise<Page<T | R>> {
  const rows = await fetch({ take: query.limit + 1, cursor: query.cursor });
  return toPage<T, T | R>(rows, query.limit, map ?? ((row) => row));
}

export class PageMetaDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` to get the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
