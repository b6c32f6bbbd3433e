import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/domain';

/** Deeper than any body of this API (they are flat objects); class-transformer recurses once per level. */
export const MAX_INPUT_DEPTH = 8;

/**
 * What every input must be before a DTO sees it, whatever the endpoint: a body
 * is a JSON object; nothing nests deeper than MAX_INPUT_DEPTH; no string or key
 * holds a NUL character, which PostgreSQL cannot store in text. Runs before the
 * validation pipe, so class-transformer never recurses through a hostile body,
 * and for path and query parameters as well as bodies.
 */
@Injectable()
export class InputShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw refused('body', 'the body must be a JSON object');
    }
    const problem = findProblem(value, metadata.type === 'param' ? (metadata.data ?? 'path') : '');
    if (problem) throw refused(problem.field, problem.message);
    return value;
  }
}

interface Problem {
  field: string;
  message: string;
}

/** Walks the value without recursion (a hostile body must not be able to overflow the stack here either). */
function findProblem(root: unknown, rootField: string): Problem | null {
  const stack: Array<{ value: unknown; field: string; depth: number }> = [{ value: root, field: rootField, depth: 0 }];
  while (stack.length > 0) {
    const { value, field, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0'))
        return { field: field || 'query', message: `${field || 'a value'} contains a NUL character` };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      return { field: field || 'body', message: `nested deeper than ${MAX_INPUT_DEPTH} levels` };
    }
    for (const [key, child] of Object.entries(value)) {
      const path = field ? `${field}.${key}` : key;
      if (key.includes('\0')) return { field: field || 'body', message: 'a key contains a NUL character' };
      stack.push({ value: child, field: path, depth: depth + 1 });
    }
  }
  return null;
}

function refused(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.VALIDATION_FAILED, undefined, { details: [{ field, message }] });
}
