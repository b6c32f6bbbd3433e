import { jest } from '@jest/globals';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { generateKeyPairSync } from 'node:crypto';
import { verifiedOnce, type Verify } from './verified-once.js';

describe('verifiedOnce', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const sign = createSigner({
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    algorithm: 'EdDSA',
    iss: 'test',
    aud: 'test',
  });
  const token = (claims: Record<string, unknown>) => sign({ sub: 'someone', sid: 'session', ...claims });
  let checks = 0;
  const checked: Verify = (() => {
    const verify = createVerifier({
      key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      algorithms: ['EdDSA'],
      allowedIss: 'test',
      allowedAud: 'test',
      requiredClaims: ['exp', 'iss', 'aud'],
    });
    return (value: string) => {
      checks++;
      return verify(value) as ReturnType<Verify>;
    };
  })();
  beforeEach(() => (checks = 0));
  const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

  it('checks a token once and answers its claims after that without a check', () => {
    const verify = verifiedOnce(checked, 10);
    const good = token({ exp: inAMinute() });
    expect(verify(good)).toMatchObject({ sub: 'someone', sid: 'session' });
    expect(verify(good)).toMatchObject({ sub: 'someone', sid: 'session' });
    expect(checks).toBe(1);
  });

  it('refuses a payload changed under a signature it has seen (keyed by the whole token)', () => {
    const verify = verifiedOnce(checked, 10);
    const good = token({ exp: inAMinute() });
    verify(good);
    const [header, payload, signature] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = [
      header,
      Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url'),
      signature,
    ];
    expect(() => verify(forged.join('.'))).toThrow(TokenError);
  });

  it('keeps no refused token, and checks a kept one again once it has expired', () => {
    const verify = verifiedOnce(checked, 10);
    const expired = token({ exp: Math.floor(Date.now() / 1000) - 10 });
    expect(() => verify(expired)).toThrow(TokenError);
    expect(() => verify(expired)).toThrow(TokenError);
    expect(checks).toBe(2);

    const now = Date.now();
    const spy = jest.spyOn(Date, 'now');
    try {
      const good = token({ exp: Math.floor(now / 1000) + 5 });
      verify(good);
      // Past its expiry: checked again, and fast-jwt refuses it.
      spy.mockReturnValue(now + 10_000);
      expect(() => verify(good)).toThrow(TokenError);
    } finally {
      spy.mockRestore();
    }
  });

  it('holds at most its size, the oldest out first', () => {
    const verify = verifiedOnce(checked, 3);
    const tokens = [1, 2, 3, 4].map((n) => token({ exp: inAMinute(), n }));
    for (const value of tokens) verify(value);
    checks = 0;
    verify(tokens[3]);
    verify(tokens[1]);
    expect(checks).toBe(0);
    verify(tokens[0]);
    expect(checks).toBe(1);
  });
});
