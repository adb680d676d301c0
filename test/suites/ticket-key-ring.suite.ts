// RedisTicketKeyRing's options (issue 16): each bad value is a TypeError or RangeError naming the
// option and what it takes. No Redis is reached: the constructor only checks and keeps.
import { RedisTicketKeyRing, type RedisLike, type TicketKeyRingOptions } from '../../ts/index.ts';
import { match, throws } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';

const client: RedisLike = {
  get: () => Promise.reject(new Error('not reached')),
  set: () => Promise.reject(new Error('not reached')),
  del: () => Promise.reject(new Error('not reached')),
};
const keys = [{ id: 'k1', key: new Uint8Array(32).fill(7) }];
const make = (extra: Record<string, unknown>) => () => new RedisTicketKeyRing(client, { keys, ...extra } as TicketKeyRingOptions);
const message = (e: unknown) => (e as Error).message;

suite('RedisTicketKeyRing options', test => {
  test('the defaults and sound values are accepted', () => {
    make({})();
    make({ rotateAfter: 3600, refreshInterval: 60, keepPrevious: 0, now: () => 1, onError: () => undefined })();
    make({ rotateAfter: 2, refreshInterval: 1, keepPrevious: 14 })();
    make({ rotateAfter: 120 })(); // refreshInterval's default (300) lowered below it
  });

  test('rotateAfter, refreshInterval and keepPrevious: a TypeError for a non-number, a RangeError naming the range', () => {
    for (const name of ['rotateAfter', 'refreshInterval', 'keepPrevious']) {
      match(message(throws(make({ [name]: '60' }), TypeError)), new RegExp(`options\\.${name} must be a number, got string`));
      for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
        match(message(throws(make({ [name]: bad }), RangeError)), new RegExp(`options\\.${name} must be a whole number from`));
      }
    }
    match(message(throws(make({ rotateAfter: 1 }), RangeError)), /rotateAfter must be a whole number from 2/);
    match(message(throws(make({ refreshInterval: 0 }), RangeError)), /refreshInterval must be a whole number from 1/);
    match(message(throws(make({ keepPrevious: 15 }), RangeError)), /keepPrevious must be a whole number from 0 to 14/);
  });

  test('refreshInterval must be less than rotateAfter, said with why', () => {
    match(message(throws(make({ rotateAfter: 60, refreshInterval: 60 }), RangeError)),
      /refreshInterval \(60\) must be less than options\.rotateAfter \(60\)/);
    throws(make({ rotateAfter: 60, refreshInterval: 600 }), RangeError);
  });

  test('now and onError must be functions; an unknown option is named', () => {
    match(message(throws(make({ now: 5 }), TypeError)), /options\.now must be a function/);
    match(message(throws(make({ onError: 'log' }), TypeError)), /options\.onError must be a function/);
    match(message(throws(make({ rotateafter: 60 }), TypeError)), /unknown option "rotateafter" \(did you mean rotateAfter\?\)/);
    match(message(throws(make({ keepPrevoius: 1 }), TypeError)), /unknown option "keepPrevoius"; the options are/);
  });
});
