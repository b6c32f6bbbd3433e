import { isIP } from 'node:net';

/** What TRUST_PROXY says (app-config.ts): false, true, a hop count, or the proxies' addresses and CIDRs. */
export type TrustProxySetting = boolean | number | string[];

/**
 * Fastify's `trustProxy` for the setting. Fastify's addresses are the socket's
 * (hop 0) and then X-Forwarded-For from its right end (hop 1, 2, …); the client
 * is the first one not trusted. A hop count N trusts hops 0 to N-1, so the client
 * is the address the N-th proxy from the API appended: behind one load balancer
 * (N=1) the balancer's own entry, whatever the client wrote to the left of it.
 * Fastify 5 would read a bare number as "trust nobody" (every client would be the
 * balancer), hence the function. Addresses and CIDRs go to Fastify as they are.
 */
export function trustProxyOption(
  setting: TrustProxySetting,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting;
  return setting;
}

/**
 * The client address as kept (a session's last use): an IP address, or null. With a
 * proxy trusted too far (`TRUST_PROXY=true` outside production) Fastify's
 * `request.ip` is whatever the client wrote in X-Forwarded-For.
 */
export function clientAddress(ip: string | undefined): string | null {
  return ip !== undefined && isIP(ip) !== 0 ? ip : null;
}
