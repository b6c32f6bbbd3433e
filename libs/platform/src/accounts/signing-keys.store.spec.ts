import type { StoredSigningKey } from './signing-keys.store.js';
import { signingKeySetAt } from './signing-keys.store.js';

const MINUTE = 60_000;
const now = new Date('2026-12-07T12:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * MINUTE);
const key = (id: string, signsFrom: number, retiredAt: number | null = null): StoredSigningKey => ({
  id,
  algorithm: 'EdDSA',
  publicJwk: {},
  privateKey: Buffer.alloc(0),
  createdAt: at(signsFrom - 10),
  signsFrom: at(signsFrom),
  retiredAt: retiredAt === null ? null : at(retiredAt),
});
/** Which key signs and which verify, 15-minute tokens. */
const setOf = (keys: StoredSigningKey[]) => {
  const set = signingKeySetAt(keys, now, 900);
  return { signing: set.signing?.id ?? null, verifying: set.verifying.map((k) => k.id) };
};

describe('signingKeySetAt', () => {
  it('signs with the newest key whose time has come, publishes the next, verifies the last until its tokens expire', () => {
    expect(setOf([key('a', -100), key('b', -5), key('c', 5)])).toEqual({ signing: 'b', verifying: ['a', 'b', 'c'] });
    // 16 minutes (15 and a minute of clock skew) after b took over, a has no token left.
    expect(setOf([key('a', -100), key('b', -17), key('c', 5)])).toEqual({ signing: 'b', verifying: ['b', 'c'] });
  });

  it('never brings a key that left back, whatever is retired after', () => {
    // a left when b had signed 16 minutes; b retired since, c signs now: a stays out.
    expect(setOf([key('a', -100), key('b', -30, -1), key('c', -1)])).toEqual({ signing: 'c', verifying: ['c'] });
    // b retired with nothing newer (what `keys retire` refuses): nobody signs, a does not return.
    expect(setOf([key('a', -100), key('b', -30, -1)])).toEqual({ signing: null, verifying: [] });
  });

  it('ends nothing with a key retired before its turn: the current key signs on', () => {
    expect(setOf([key('a', -100), key('b', -30, -40)])).toEqual({ signing: 'a', verifying: ['a'] });
    expect(setOf([key('a', -100), key('b', 10, -1)])).toEqual({ signing: 'a', verifying: ['a'] });
  });

  it('says when the set next changes by itself', () => {
    const set = signingKeySetAt([key('a', -100), key('b', -5), key('c', 5)], now, 900);
    expect(set.changesAt).toEqual(at(5));
  });
});
