import { BlockList, isIP } from 'node:net';

/**
 * Addresses and CIDRs (`127.0.0.1`, `172.16.0.0/12`, `::1`, `fc00::/7`) as
 * Node's BlockList, which matches an address against both. Throws naming the
 * first entry that is neither (the settings turn that into their error).
 */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= bits))) {
      throw new Error(`${entry} is not an address or a CIDR`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Whether the address is in the list; an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is read as IPv4. */
export function inAddressList(list: BlockList, address: string): boolean {
  const plain = address.replace(/^\[(.*)\]$/, '$1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}
