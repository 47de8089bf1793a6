// Client set-up (CONTRACT §6 step 3): instance identity, CA certificates and the credhub URI, checked
// in the reference's order: environment, system cert directory, URI, client key pair, CA parsing.
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { goErrnoText, parseGoUrl, type GoUrl } from '@cf-lifecycle/contract';
import { FileInputError, readFileBounded } from '@cf-lifecycle/files';
import { GoError } from './errors.ts';
import { certificatesFromPem, x509KeyPair, type ClientKeyPair } from './pem.ts';

/**
 * The most read of one certificate or key file (docs/security.md). A PEM certificate is 1–2 KiB and a
 * whole CA bundle a few hundred KiB; more is not a certificate and would only grow the process.
 */
export const CREDENTIAL_FILE_MAX_BYTES = 1024 * 1024;

export interface CredhubClient {
  url: GoUrl;
  clientKeyPair: ClientKeyPair;
  /** The trust store: Node's bundled roots plus every certificate from CF_SYSTEM_CERT_PATH. */
  ca: string[];
}

/** Builds the client or throws a GoError with the reason (the caller adds the set-up prefix). */
export async function setUpCredhubClient(uri: string, env: NodeJS.ProcessEnv): Promise<CredhubClient> {
  const certPath = env.CF_INSTANCE_CERT ?? '';
  const keyPath = env.CF_INSTANCE_KEY ?? '';
  const systemCertPath = env.CF_SYSTEM_CERT_PATH ?? '';
  if (certPath === '' || keyPath === '') throw new GoError('Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY');
  if (systemCertPath === '') throw new GoError('Missing CF_SYSTEM_CERT_PATH');

  const caFiles: Buffer[] = [];
  let names: string[];
  try {
    names = await readdir(systemCertPath);
  } catch (err) {
    throw new GoError(`Can't read contents of system cert path: ${await readDirError(systemCertPath, err)}`);
  }
  // Go lists a directory sorted by name (byte order).
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names.filter((n) => n.endsWith('.crt'))) {
    const file = join(systemCertPath, name);
    try {
      caFiles.push(readCredentialFile(file, file));
    } catch (err) {
      throw new GoError(`Can't read contents of cert in system cert path: ${(err as Error).message}`);
    }
  }

  const url = parseGoUrl(uri);
  const clientKeyPair = x509KeyPair(readCredentialFile(certPath, 'CF_INSTANCE_CERT'), readCredentialFile(keyPath, 'CF_INSTANCE_KEY'));

  const ca = [...rootCertificates];
  for (const contents of caFiles) {
    const certs = certificatesFromPem(contents);
    if (certs.length === 0) throw new GoError('provided ca certs are invalid');
    ca.push(...certs);
  }
  return { url, clientKeyPair, ca };
}

/**
 * Reads a certificate or key file of at most CREDENTIAL_FILE_MAX_BYTES. A missing file and a directory
 * keep Go's texts (`open <path>: no such file or directory`, `read <path>: is a directory`); a FIFO, a
 * device (`/dev/zero`) or a larger file is refused before it is read, with one line naming `what`.
 */
function readCredentialFile(path: string, what: string): Buffer {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    throw new GoError(readFileError(path, err));
  }
  if (isDirectory) throw new GoError(readFileError(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' })));
  try {
    return readFileBounded(path, { maxBytes: CREDENTIAL_FILE_MAX_BYTES, what });
  } catch (err) {
    if (err instanceof FileInputError) throw new GoError(err.message);
    throw err;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return !(await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

// Go opens the file first and reads it second; reading a directory fails at `read`.
function readFileError(path: string, err: unknown): string {
  const op = code(err) === 'EISDIR' ? 'read' : 'open';
  return `${op} ${path}: ${goErrnoText(code(err), 'input/output error')}`;
}

// Go's os.ReadDir opens the path and then reads entries: a plain file opens fine and fails at
// `readdirent`, while a path through a plain file fails at `open`.
async function readDirError(path: string, err: unknown): Promise<string> {
  const op = code(err) === 'ENOTDIR' && (await isFile(path)) ? 'readdirent' : 'open';
  return `${op} ${path}: ${goErrnoText(code(err), 'input/output error')}`;
}
