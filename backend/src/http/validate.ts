import { id } from '@chatterlink/schema/protocol';
import type { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../errors/errors';

/** Parses input with its schema; the first problem becomes a 400 naming the field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || undefined;
  const message = field ? `${field}: ${issue.message}` : issue.message;
  throw new InvalidInputError(message, field ? { field } : undefined);
}

/** A path id: malformed ones name nothing, so they get the same 404 as unknown ones. */
export function pathId(value: unknown, what: string): string {
  const parsed = id.safeParse(value);
  if (!parsed.success) throw new NotFoundError(`No such ${what}.`);
  return parsed.data;
}
