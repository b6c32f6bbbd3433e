import { addressList, inAddressList } from './address-list.js';

describe('addressList', () => {
  const list = addressList(['127.0.0.0/8', '::1', '172.31.250.1', 'fc00::/7']);

  it('matches addresses and CIDRs of both families, an IPv4-mapped IPv6 address as IPv4', () => {
    for (const inside of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1', '172.31.250.1', 'fd12::5'])
      expect({ inside, listed: inAddressList(list, inside) }).toEqual({ inside, listed: true });
    for (const outside of ['192.0.2.2', '172.31.250.2', '::2', '::ffff:192.0.2.2', 'fe80::1', 'localhost', ''])
      expect({ outside, listed: inAddressList(list, outside) }).toEqual({ outside, listed: false });
  });

  it('names the first entry that is not an address or a CIDR', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '999.1.1.1', '10.0.0.0/8/1', '10.0.0.0/x', 'example.com'])
      expect(() => addressList(['127.0.0.1', bad])).toThrow(`${bad} is not an address or a CIDR`);
  });
});
