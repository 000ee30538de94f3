import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { ActionFailure } from '../actions/action-failure';

/**
 * Addresses a webhook may not reach unless AOL_WEBHOOK_ALLOW_PRIVATE=1: this host, private
 * networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast,
 * reserved — whatever a URL could use to reach inside the deployment (SSRF).
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? REFUSED.check(mapped[1], 'ipv4') : REFUSED.check(address, 'ipv6');
}

function refusal(host: string, address: string): ActionFailure {
  return new ActionFailure(
    'WEBHOOK_ADDRESS_REFUSED',
    `${host} resolves to ${address}, a private, loopback or link-local address; nothing was sent (AOL_WEBHOOK_ALLOW_PRIVATE=1 allows it)`,
    false,
  );
}

/** Refuses a host that is itself an IP address on the refused list, before any connection. */
export function assertAddressAllowed(hostname: string): void {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && isRefusedAddress(host)) throw refusal(host, host);
}

/**
 * A `lookup` for http(s).request that resolves every address of the host and refuses the
 * connection when any of them is refused, then connects to the address it checked: the
 * socket never resolves the name again, so DNS rebinding cannot swap in another address.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { all: true, family: options.family ?? 0 }).then(
    (addresses) => {
      const refused = addresses.find((entry) => isRefusedAddress(entry.address));
      if (refused) return callback(refusal(hostname, refused.address), '', 0);
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    },
    (error: NodeJS.ErrnoException) => callback(error, '', 0),
  );
};
