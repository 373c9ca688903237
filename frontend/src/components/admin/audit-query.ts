/** The filter form's values, as typed (empty string = not set). */
export interface AuditFilterForm {
  stream: string;
  type: string;
  actor: string;
  /** `datetime-local` values, in the browser's time zone. */
  from: string;
  to: string;
  after: string;
  upTo: string;
  limit: string;
}

export const emptyFilter = (): AuditFilterForm => ({ stream: '', type: '', actor: '', from: '', to: '', after: '', upTo: '', limit: '50' });

/**
 * The query string of `GET /api/admin/events` (and `/export`) for a form:
 * only the fields that are set, times converted to ISO 8601 with offset.
 * `after` overrides the form's (to fetch the next page); the export ignores `limit`.
 */
export function auditQuery(form: AuditFilterForm, options: { after?: number; forExport?: boolean } = {}): string {
  const params = new URLSearchParams();
  const set = (name: string, value: string) => {
    if (value.trim() !== '') params.set(name, value.trim());
  };
  set('stream', form.stream);
  set('type', form.type);
  set('actor', form.actor);
  if (form.from) params.set('from', new Date(form.from).toISOString());
  if (form.to) params.set('to', new Date(form.to).toISOString());
  set('after', options.after === undefined ? form.after : String(options.after));
  set('upTo', form.upTo);
  if (!options.forExport) set('limit', form.limit);
  return params.toString();
}

/** The room an event belongs to, for events of `room-<id>` streams. */
export function roomOfStream(stream: string): string | undefined {
  return stream.startsWith('room-') ? stream.slice('room-'.length) : undefined;
}
