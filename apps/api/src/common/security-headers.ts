import helmet from 'helmet';
import type { BotCheckProvider } from '@app/platform';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * helmet's headers, computed once. They depend on nothing in the request, so one
 * map serves every answer, including those Fastify or Node.js give before any
 * hook runs (a bad URL, malformed HTTP): every layer sends the same headers.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = computeHeaders();

/**
 * The origins a bot-check widget loads its script and frame from (each
 * provider's documented Content-Security-Policy): the page allows them when
 * BOT_CHECK_PROVIDER is set, and nothing else does.
 */
const WIDGET_ORIGINS: Record<BotCheckProvider, string[]> = {
  turnstile: ['https://challenges.cloudflare.com'],
  hcaptcha: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
  recaptcha: [
    'https://www.google.com/recaptcha/',
    'https://www.gstatic.com/recaptcha/',
    'https://recaptcha.google.com/recaptcha/',
  ],
};

/** The page's Content-Security-Policy with a bot-check provider's widget allowed. */
export function pageSecurityPolicy(provider: BotCheckProvider): string {
  const origins = WIDGET_ORIGINS[provider];
  return computeHeaders(origins)['Content-Security-Policy'];
}

function computeHeaders(widget: string[] = []): Record<string, string> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: unknown) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
  };
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...widget],
        styleSrc: ["'self'", "'unsafe-inline'", ...widget],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...widget],
        ...(widget.length > 0 ? { frameSrc: widget } : {}),
        // ReDoc renders in a web worker it builds from a blob.
        workerSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        // The API is often reached over plain HTTP on localhost in development.
        upgradeInsecureRequests: null,
      },
    },
  });
  let done = false;
  middleware({} as IncomingMessage, collector as unknown as ServerResponse, () => (done = true));
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}
