import { auditPage, verifyReport, type AuditEventDto, type VerifyReportDto } from '@chatterlink/schema/protocol/audit';
import { reactive, shallowRef } from 'vue';
import { api, describeError } from '../../api/http';
import { auditQuery, emptyFilter, type AuditFilterForm } from './audit-query';

/**
 * The admin page's state: the filter, the pages of events read so far, and
 * the last verification. Every call is recorded by the server as an
 * `audit.read` event: reading the log leaves a trace.
 */
export function useAuditLog() {
  const filter = reactive<AuditFilterForm>(emptyFilter());
  const events = shallowRef<AuditEventDto[]>([]);
  const next = shallowRef<number | null>(null);
  const loading = shallowRef(false);
  const error = shallowRef('');
  const verification = shallowRef<VerifyReportDto | undefined>();
  const verifying = shallowRef(false);

  async function fetchPage(after?: number): Promise<void> {
    loading.value = true;
    error.value = '';
    try {
      const page = await api('GET', `/api/admin/events?${auditQuery(filter, after === undefined ? {} : { after })}`, auditPage);
      events.value = after === undefined ? page.events : [...events.value, ...page.events];
      next.value = page.next;
    } catch (e) {
      error.value = describeError(e, 'Reading the event log needs a connection to the server.');
    } finally {
      loading.value = false;
    }
  }

  async function verify(): Promise<void> {
    verifying.value = true;
    error.value = '';
    try {
      verification.value = await api('GET', '/api/admin/verify', verifyReport);
    } catch (e) {
      error.value = describeError(e, 'Verifying needs a connection to the server.');
    } finally {
      verifying.value = false;
    }
  }

  return {
    filter,
    events,
    next,
    loading,
    error,
    verification,
    verifying,
    search: () => fetchPage(),
    more: () => (next.value === null ? Promise.resolve() : fetchPage(next.value)),
    exportHref: () => `/api/admin/events/export?${auditQuery(filter, { forExport: true })}`,
    reset: () => Object.assign(filter, emptyFilter()),
    verify,
  };
}
