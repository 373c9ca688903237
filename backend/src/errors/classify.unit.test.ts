import { describe, expect, it } from 'vitest';
import { toAppError } from './classify';
import { UnavailableError } from './errors';

describe('toAppError: the database going away is retryable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['an administrator shutdown', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a server starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    // A pooled client whose connection broke inside a transaction refuses the transaction's next query so.
    ['a broken client inside a transaction', new Error('Client has encountered a connection error and is not queryable')],
    // pg-pool gives up after connectionTimeoutMillis (server gone, or every connection busy).
    ['a connection that could not be had in time', new Error('timeout exceeded when trying to connect')],
    ['a connect attempt that timed out', new Error('Connection terminated due to connection timeout')],
  ])('%s → unavailable', (_, error) => {
    expect(toAppError(error)).toBeInstanceOf(UnavailableError);
  });

  it('leaves a real bug unclassified', () => {
    expect(toAppError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
  });
});
