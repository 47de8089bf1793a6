// PEM certificates and keys checked the way Go's crypto/tls and crypto/x509 check them, so that a bad
// instance identity or CA file fails at set-up with Go's message (CONTRACT §6 step 3). Messages never
// quote file contents.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { GoError } from './errors.ts';

interface PemBlock {
  type: string;
  headers: Map<string, string>;
  bytes: Buffer;
}

/** The client certificate chain and key, re-encoded as clean PEM for Node's TLS. */
export interface ClientKeyPair {
  certChain: string;
  key: string;
}

/** Go's `tls.X509KeyPair`. */
export function x509KeyPair(certInput: Buffer, keyInput: Buffer): ClientKeyPair {
  const certDers: Buffer[] = [];
  let skipped: string[] = [];
  for (const block of pemBlocks(certInput)) {
    if (block.type === 'CERTIFICATE') certDers.push(block.bytes);
    else skipped.push(block.type);
  }
  if (certDers.length === 0) {
    if (skipped.length === 0) throw new GoError('tls: failed to find any PEM data in certificate input');
    if (skipped.length === 1 && skipped[0]!.endsWith('PRIVATE KEY')) {
      throw new GoError('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
    }
    throw new GoError(
      `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`,
    );
  }

  skipped = [];
  let keyBlock: PemBlock | undefined;
  for (const block of pemBlocks(keyInput)) {
    if (block.type === 'PRIVATE KEY' || block.type.endsWith(' PRIVATE KEY')) {
      keyBlock = block;
      break;
    }
    skipped.push(block.type);
  }
  if (keyBlock === undefined) {
    if (skipped.length === 0) throw new GoError('tls: failed to find any PEM data in key input');
    if (skipped.length === 1 && skipped[0] === 'CERTIFICATE') {
      throw new GoError('tls: found a certificate rather than a key in the PEM for the private key');
    }
    throw new GoError(
      `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`,
    );
  }

  const leaf = parseCertificate(certDers[0]!);
  if (leaf === undefined) throw new GoError('x509: malformed certificate');
  const key = parsePrivateKey(keyBlock.bytes);
  if (key === undefined) throw new GoError('tls: failed to parse private key');

  const certType = leaf.publicKey.asymmetricKeyType;
  if (certType !== 'rsa' && certType !== 'ec' && certType !== 'ed25519') throw new GoError('tls: unknown public key algorithm');
  if (key.asymmetricKeyType !== certType) throw new GoError('tls: private key type does not match public key type');
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fromCert = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) throw new GoError('tls: private key does not match public key');

  return {
    certChain: certDers.map((der) => toPem('CERTIFICATE', der)).join(''),
    key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * Go's `CertPool.AppendCertsFromPEM`: every parsable `CERTIFICATE` block without headers, as clean
 * PEM. An empty result is what Go reports as `false` (no certificate found).
 */
export function certificatesFromPem(input: Buffer): string[] {
  const out: string[] = [];
  for (const block of pemBlocks(input)) {
    if (block.type !== 'CERTIFICATE' || block.headers.size !== 0) continue;
    if (parseCertificate(block.bytes) === undefined) continue;
    out.push(toPem('CERTIFICATE', block.bytes));
  }
  return out;
}

function parseCertificate(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

// Go's parsePrivateKey tries PKCS #1, PKCS #8 and SEC 1 in turn, whatever the PEM type says.
function parsePrivateKey(der: Buffer): KeyObject | undefined {
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function toPem(type: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** Go's `pem.Decode`, applied repeatedly. Works on the bytes as latin1 text so nothing is re-encoded. */
function* pemBlocks(input: Buffer): Generator<PemBlock> {
  let rest = input.toString('latin1');
  for (;;) {
    const decoded = decodePem(rest);
    if (decoded === undefined) return;
    yield decoded.block;
    rest = decoded.rest;
  }
}

function getLine(data: string): [string, string] {
  const nl = data.indexOf('\n');
  const line = nl < 0 ? data : data.slice(0, nl);
  const rest = nl < 0 ? '' : data.slice(nl + 1);
  return [line.replace(/[ \t\r]+$/, ''), rest];
}

function decodePem(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  for (;;) {
    if (rest.startsWith('-----BEGIN ')) {
      rest = rest.slice('-----BEGIN '.length);
    } else {
      const at = rest.indexOf('\n-----BEGIN ');
      if (at < 0) return undefined;
      rest = rest.slice(at + '\n-----BEGIN '.length);
    }
    let typeLine: string;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.endsWith('-----')) continue;
    const type = typeLine.slice(0, -'-----'.length);

    const headers = new Map<string, string>();
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const [line, next] = getLine(rest);
      const colon = line.indexOf(':');
      if (colon < 0) break;
      headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      rest = next;
    }
    if (truncated) return undefined;

    let endIndex: number;
    let endTrailerIndex: number;
    if (headers.size === 0 && rest.startsWith('-----END ')) {
      endIndex = 0;
      endTrailerIndex = '-----END '.length;
    } else {
      endIndex = rest.indexOf('\n-----END ');
      endTrailerIndex = endIndex + '\n-----END '.length;
    }
    if (endIndex < 0) continue;
    const trailerLength = type.length + '-----'.length;
    const endTrailer = rest.slice(endTrailerIndex, endTrailerIndex + trailerLength);
    if (endTrailer.length < trailerLength) continue;
    if (endTrailer !== `${type}-----`) continue;
    if (getLine(rest.slice(endTrailerIndex + trailerLength))[0].length !== 0) continue;

    const bytes = decodeBase64(rest.slice(0, endIndex).replace(/[ \t]/g, ''));
    if (bytes === undefined) continue;
    return { block: { type, headers, bytes }, rest: getLine(rest.slice(endIndex + '\n-----END '.length - 1))[1] };
  }
}

// Go's base64.StdEncoding: padding required, CR and LF ignored, anything else invalid.
function decodeBase64(text: string): Buffer | undefined {
  const s = text.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}
