import { bearer, createClient, type ReferralClient } from '../packages/client/src/index.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

/**
 * The typed client (packages/client) against the real API: the sign-in flow a
 * host app writes with it, typed end to end from docs/openapi.json. It runs on
 * every `make test`, so the client cannot drift from the API it is made from
 * (and `npm run openapi:check` fails when its types are stale).
 */
describe('the typed client', () => {
  let stack: Stack;
  let api: ReferralClient;

  beforeAll(async () => {
    stack = await startStack({ env: { SMS_DELAY_MS: '50-100' } });
    const { port } = stack.api.getHttpServer().address() as { port: number };
    api = createClient(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('signs a new person in: a code, the code from the simulated phone, the profile', async () => {
    const phone = nextPhone();
    const asked = await api.POST('/api/v1/auth/signup', { body: { phone_number: phone, username: 'typed_client' } });
    expect(asked.response.status).toBe(202);
    expect(asked.data).toMatchObject({ phone_number: phone, channel: 'sms', expires_in: 300 });

    const code = await until('the code on the simulated phone', async () => {
      const inbox = await api.GET('/api/v1/dev/sms', { params: { query: { phone_number: phone } } });
      const text = inbox.data?.items[0]?.text;
      return text ? /\b(\d{4})\b/.exec(text)?.[1] : undefined;
    });
    const signedIn = await api.POST('/api/v1/auth/code', { body: { phone_number: phone, code } });
    expect(signedIn.error).toBeUndefined();
    const token = signedIn.data!.token;

    const me = await api.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(me.data).toMatchObject({ username: 'typed_client', phone_number: phone });
  });

  it('answers a refusal as the API’s error body, typed', async () => {
    const wrong = await api.POST('/api/v1/auth/code', { body: { phone_number: nextPhone(), code: '0000' } });
    expect(wrong.data).toBeUndefined();
    expect(wrong.response.status).toBe(400);
    expect(wrong.error).toMatchObject({ error: 'INVALID_CODE', status_code: 400 });
  });
});
