import { isIP } from 'node:net';
import { addressList, inAddressList } from './address-list.js';

/** Loopback, private and link-local addresses: a sidecar's, never the internet's. */
const PRIVATE = addressList([
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
]);

/**
 * Whether a URL's host can only be this machine or its private network: a
 * loopback, private or link-local address, `localhost`, a name of one label
 * (`sms-sidecar`: a container's or a Kubernetes service's short name), or a name
 * under `.internal`, `.local` or `.cluster.local`. Names are judged as written,
 * without looking them up.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(host)) return inAddressList(PRIVATE, host);
  return host === 'localhost' || !host.includes('.') || /\.(internal|local|localhost)$/.test(host);
}

/**
 * Why production refuses an outbound URL, or null: every gateway and webhook
 * URL is https://, except plain http:// to a private host when
 * ALLOW_HTTP_TO_PRIVATE_HOSTS=true (a sidecar on the same machine or network).
 */
export function outboundUrlProblem(url: string, allowPrivateHttp: boolean): string | null {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return null;
  if (allowPrivateHttp && isPrivateHost(parsed.hostname)) return null;
  return allowPrivateHttp
    ? `must be https:// in production; plain http:// only to a loopback or private host, and ${parsed.hostname} is neither`
    : 'must be https:// in production (ALLOW_HTTP_TO_PRIVATE_HOSTS=true allows http:// to a loopback or private host, for a sidecar)';
}
