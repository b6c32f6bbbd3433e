import { QueryFailedError } from 'typeorm';
import { isUnavailableError } from './sql.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isUnavailableError', () => {
  it.each([
    ['PostgreSQL shutting down (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['PostgreSQL starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['a connection failure class (08006)', withCode('connection failure', '08006')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a client closed under a query', new Error('Client was closed and is not queryable')],
    ['a client after a connection error', new Error('Client has encountered a connection error and is not queryable')],
    ['Redis gone', new Error('Connection is closed.')],
    [
      'TypeORM wrapping a shutdown',
      new QueryFailedError('SELECT 1', [], withCode('terminating connection due to administrator command', '57P01')),
    ],
    ['every address refused', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')])],
  ])('is true for %s', (_, error) => {
    expect(isUnavailableError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['TypeORM wrapping a check violation', new QueryFailedError('UPDATE', [], withCode('check violation', '23514'))],
    ['a deadlock', withCode('deadlock detected', '40P01')],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['an AggregateError of bugs', new AggregateError([new RangeError('bad')])],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('is false for %s', (_, error) => {
    expect(isUnavailableError(error)).toBe(false);
  });
});
