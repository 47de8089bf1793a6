// Certificates made in the test with the `openssl` CLI: a CA that signs a server and a client
// certificate (mutual TLS, as CredHub and the instance identity credentials use), and a lone
// self-signed server certificate (a buildpack host nobody trusts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyPair {
  /** Paths of the PEM files. */
  certFile: string;
  keyFile: string;
  /** Their contents. */
  cert: string;
  key: string;
}

export interface TestCertificates {
  dir: string;
  /** The CA that signed `server` and `client`. */
  ca: KeyPair;
  /** Valid for 127.0.0.1, localhost and credhub.example.invalid, signed by `ca`. */
  server: KeyPair;
  /** A client certificate (CN=instance-identity), signed by `ca`. */
  client: KeyPair;
  /** Self-signed, valid for 127.0.0.1 and localhost, signed by nobody anyone trusts. */
  selfSigned: KeyPair;
  cleanup(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function pair(dir: string, name: string): KeyPair {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  return { certFile, keyFile, cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
}

function signedBy(dir: string, name: string, subject: string, extensions: string): void {
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/** Generates a fresh set of certificates in a temporary directory (a second or two of CPU). */
export function generateCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-certs-'));
  // `credhub.example.invalid` is only ever reached through the test's CONNECT proxy (no DNS lookup).
  const serverNames = 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:credhub.example.invalid\n';
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=lifecycle-test-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  signedBy(dir, 'server', '/CN=127.0.0.1', `${serverNames}extendedKeyUsage=serverAuth\n`);
  signedBy(dir, 'client', '/CN=instance-identity', 'extendedKeyUsage=clientAuth\n');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'self-signed.key',
      '-out',
      'self-signed.crt',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    dir,
  );
  return {
    dir,
    ca: pair(dir, 'ca'),
    server: pair(dir, 'server'),
    client: pair(dir, 'client'),
    selfSigned: pair(dir, 'self-signed'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
