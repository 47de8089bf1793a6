import { describe, expect, it } from 'vitest';
import { parseReceipt, receiptText } from './receipt.ts';

const DPKG_L = `Desired=Unknown/Install/Remove/Purge/Hold
| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend
|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)
||/ Name            Version        Architecture Description
+++-===============-==============-============-==============================
ii  bash            5.2.15-2+b2    amd64        GNU Bourne Again SHell
ii  libc6:amd64     2.36-9+deb12u14 amd64       GNU C Library: Shared libraries
rc  libmysqlclient18 5.5.64        amd64        MySQL database client library
`;

describe('the receipt (ROOTFS.md §4: checksum line, blank line, dpkg -l)', () => {
  it('starts with the tarball checksum, then dpkg -l', () => {
    const text = receiptText('ab'.repeat(32), DPKG_L);
    expect(text.split('\n').slice(0, 3)).toEqual([`Rootfs SHA256: ${'ab'.repeat(32)}`, '', 'Desired=Unknown/Install/Remove/Purge/Hold']);
  });

  it('parses the package lines with state, name (no arch qualifier) and version', () => {
    expect(parseReceipt(receiptText('0'.repeat(64), DPKG_L))).toEqual([
      { state: 'ii', name: 'bash', version: '5.2.15-2+b2', architecture: 'amd64' },
      { state: 'ii', name: 'libc6', version: '2.36-9+deb12u14', architecture: 'amd64' },
      { state: 'rc', name: 'libmysqlclient18', version: '5.5.64', architecture: 'amd64' },
    ]);
  });
});
