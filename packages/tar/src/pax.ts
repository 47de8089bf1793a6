// PAX extended header records ('x'): `<length> <key>=<value>\n`, one per field ustar cannot hold.
import { TarFormatError } from './errors.ts';

/** `<length> <key>=<value>\n`, where the length counts the whole record including its own digits. */
export function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return `${length} ${key}=${value}\n`;
}

/** A record whose value is raw bytes (a file name that is not UTF-8 is stored as it is, as GNU tar does). */
export function paxRecordBytes(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(` ${key}=\n`) + value.length;
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return Buffer.concat([Buffer.from(`${length} ${key}=`), value, Buffer.from('\n')]);
}

/** The records of a PAX extended header body; later keys win. */
export function parsePax(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(body.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(length) || length <= 0 || pos + length > body.length) throw new TarFormatError('invalid PAX extended header');
    const record = body.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return records;
}
