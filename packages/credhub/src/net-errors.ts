// Node's network and TLS failures rendered as the Go http client words them (CONTRACT §6 step 4),
// e.g. `dial tcp 127.0.0.1:18444: connect: connection refused`. No text here quotes a certificate,
// key or response body.
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { goErrnoText, goStrconvQuote } from '@cf-lifecycle/contract';

/** What the transport knows about the connection when it failed. */
export interface ConnectionFacts {
  hostname: string;
  tls: boolean;
  /** `local->remote` once the TCP connection stood. */
  localAddress?: string;
  remoteAddress?: string;
  /** A response (status line) had arrived. */
  responded: boolean;
}

/** An error whose message already is Go's text (made by this package's TLS checks). */
export class GoTlsError extends Error {}

export function joinHostPort(host: string, port: number | string): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);

// Go's names for TLS alerts (crypto/tls alert.go), by alert number.
const ALERT_TEXT: Record<number, string> = {
  0: 'close notify',
  10: 'unexpected message',
  20: 'bad record MAC',
  21: 'decryption failed',
  22: 'record overflow',
  30: 'decompression failure',
  40: 'handshake failure',
  42: 'bad certificate',
  43: 'unsupported certificate',
  44: 'revoked certificate',
  45: 'expired certificate',
  46: 'unknown certificate',
  47: 'illegal parameter',
  48: 'unknown certificate authority',
  49: 'access denied',
  50: 'error decoding message',
  51: 'error decrypting message',
  60: 'export restriction',
  70: 'protocol version not supported',
  71: 'insufficient security level',
  80: 'internal error',
  86: 'inappropriate fallback',
  90: 'user canceled',
  100: 'no renegotiation',
  109: 'missing extension',
  110: 'unsupported extension',
  111: 'certificate unobtainable',
  112: 'unrecognized name',
  113: 'bad certificate status response',
  114: 'bad certificate hash value',
  115: 'unknown PSK identity',
  116: 'certificate required',
  120: 'no application protocol',
};

const PEER_CLOSED_HINT = ' (the server closed the TLS connection without answering; it may have refused the client certificate)';

/** The Go text for a failure before the response headers arrived (without the `Post "<url>": `). */
export function goNetErrorText(error: unknown, facts: ConnectionFacts): string {
  type NodeError = NodeJS.ErrnoException & { reason?: string; rawPacket?: Buffer };
  // Happy-eyeballs dialing reports every address; Go reports the first.
  const err = (error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error) as NodeError;
  if (err instanceof GoTlsError) return err.message;
  const code = err.code ?? '';

  if (code === 'ENOTFOUND' || code === 'EAI_NONAME') return `dial tcp: lookup ${facts.hostname}: no such host`;
  if (code === 'EAI_AGAIN') return `dial tcp: lookup ${facts.hostname}: server misbehaving`;
  if (err.syscall === 'connect') {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const target = e.address !== undefined && e.port !== undefined ? ` ${joinHostPort(e.address, e.port)}` : '';
    return `dial tcp${target}: connect: ${goErrnoText(code, err.message)}`;
  }

  const between = facts.localAddress && facts.remoteAddress ? ` ${facts.localAddress}->${facts.remoteAddress}` : '';
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    const peerClosed = facts.tls && !facts.responded ? PEER_CLOSED_HINT : '';
    if (err.syscall === 'read' || err.syscall === 'write') {
      return `${err.syscall} tcp${between}: ${err.syscall}: ${goErrnoText(code, err.message)}${peerClosed}`;
    }
    // `socket hang up` and `disconnected before secure TLS connection`: the peer simply closed.
    return `EOF${peerClosed}`;
  }
  if (code === 'ETIMEDOUT') return `read tcp${between}: read: connection timed out`;

  if (UNKNOWN_AUTHORITY.has(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  }
  if (code === 'INVALID_PURPOSE') return 'tls: failed to verify certificate: x509: certificate specifies an incompatible key usage';
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_/.test(code) ? /SSL alert number (\d+)/.exec(err.message) : null;
  if (alert) {
    const n = Number(alert[1]);
    return `remote error: tls: ${ALERT_TEXT[n] ?? `alert(${n})`}`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return 'tls: first record does not look like a TLS handshake';
  }
  if (code.startsWith('ERR_SSL_')) return `tls: ${err.reason ?? code}`;
  if (code.startsWith('HPE_')) {
    const firstLine = (err.rawPacket?.toString('latin1') ?? '').split('\n')[0]!.replace(/\r$/, '');
    return `net/http: HTTP/1.x transport connection broken: malformed HTTP response ${goStrconvQuote(firstLine)}`;
  }
  if (/^[A-Z_]+$/.test(code) && err.syscall) return `${err.syscall}: ${goErrnoText(code, err.message)}`;
  return err.message;
}

/**
 * Server name verification with Go's rules and messages: names only from the subject alternative
 * names (a certificate without any is refused, as Go ≥ 1.15 does).
 */
export function goCheckServerIdentity(hostname: string, cert: PeerCertificate): Error | undefined {
  const san = cert.subjectaltname;
  if (san !== undefined && san !== '' && checkServerIdentity(hostname, cert) === undefined) return undefined;
  return new GoTlsError(`tls: failed to verify certificate: ${hostnameErrorText(hostname, cert)}`);
}

function hostnameErrorText(hostname: string, cert: PeerCertificate): string {
  const entries = (cert.subjectaltname ?? '').split(', ').filter((e) => e !== '');
  const ips = entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice('IP Address:'.length));
  const dnsNames = entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice('DNS:'.length));
  if (entries.length === 0 && cert.subject?.CN !== undefined && String(cert.subject.CN).toLowerCase() === hostname.toLowerCase()) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  let valid: string;
  if (isIP(hostname) !== 0) {
    if (ips.length === 0) return `x509: cannot validate certificate for ${hostname} because it doesn't contain any IP SANs`;
    valid = ips.join(', ');
  } else {
    valid = dnsNames.join(', ');
  }
  if (valid === '') return `x509: certificate is not valid for any names, but wanted to match ${hostname}`;
  return `x509: certificate is valid for ${valid}, not ${hostname}`;
}
