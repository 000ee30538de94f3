import { assertAddressAllowed, isRefusedAddress } from './address-guard';

describe('webhook address guard', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:93.184.216.34'])('allows %s', (address) => {
    expect(isRefusedAddress(address)).toBe(false);
  });

  it('refuses a host that is a refused IP literal, with WEBHOOK_ADDRESS_REFUSED, and lets names through to the lookup', () => {
    expect(() => assertAddressAllowed('169.254.169.254')).toThrow(
      expect.objectContaining({ code: 'WEBHOOK_ADDRESS_REFUSED', retryable: false }),
    );
    expect(() => assertAddressAllowed('[::1]')).toThrow(expect.objectContaining({ code: 'WEBHOOK_ADDRESS_REFUSED' }));
    expect(() => assertAddressAllowed('hooks.example.com')).not.toThrow();
  });
});
