// Java archives (`*.jar`, `*.war`, `*.ear`) and the jars nested in them (`WEB-INF/lib`,
// `BOOT-INF/lib`), read without extracting. A jar names itself by its Maven
// `META-INF/maven/<group>/<artifact>/pom.properties` (one per bundled artifact, so a shaded jar
// yields several); without one, by `META-INF/MANIFEST.MF` and its file name.
import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { dependency, type Dependency } from '../dependency.ts';

const MAX_NESTED_BYTES = 64 * 2 ** 20;
/** A MANIFEST.MF or pom.properties is a few KiB; a larger one is not read. */
const MAX_DESCRIPTOR_BYTES = 2 ** 20;
const MAX_DEPTH = 2;

export async function parseJavaArchive(file: string | Buffer, source: string): Promise<Dependency[]> {
  // Opened here (the name may be bytes that are not UTF-8), without blocking on a FIFO; only a regular file is read.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let zip: yauzl.ZipFile;
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error('not a regular file');
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromFd(fd, { lazyEntries: true, autoClose: true, strictFileNames: false }, (err, z) => (err ? reject(err) : resolve(z!))),
    );
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  const name = Buffer.isBuffer(file) ? file.subarray(file.lastIndexOf(0x2f) + 1).toString('utf8') : path.basename(file);
  return readArchive(zip, name, source, 0);
}

/** An entry's bytes; yauzl checks them against the declared size, which the caller has bounded. */
function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) {
        reject(err ?? new Error(`cannot read ${entry.fileName}`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    }),
  );
}

/** The dependencies a jar nested in an archive names; a nested file that is not a zip names none. */
function readNested(data: Buffer, name: string, source: string, depth: number): Promise<Dependency[]> {
  return new Promise((resolve) =>
    yauzl.fromBuffer(data, { lazyEntries: true, strictFileNames: false }, (err, inner) => {
      if (err || !inner) resolve([]);
      else readArchive(inner, path.posix.basename(name), `${source}!/${name}`, depth + 1).then(resolve, () => resolve([]));
    }),
  );
}

function readArchive(zip: yauzl.ZipFile, fileName: string, source: string, depth: number): Promise<Dependency[]> {
  return new Promise((resolve, reject) => {
    const poms: string[] = [];
    let manifest: string | undefined;
    const inner: Dependency[] = [];
    zip.on('error', reject);
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const descriptor = name === 'META-INF/MANIFEST.MF' || /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(name);
      const wanted =
        (descriptor && entry.uncompressedSize <= MAX_DESCRIPTOR_BYTES) ||
        (depth < MAX_DEPTH && /\.(jar|war)$/i.test(name) && entry.uncompressedSize <= MAX_NESTED_BYTES);
      if (!wanted) {
        zip.readEntry();
        return;
      }
      // One entry at a time, a nested jar parsed before the next is read: at most one nested jar
      // per level is held in memory, however many the archive has.
      readEntry(zip, entry)
        .then(async (data) => {
          if (name === 'META-INF/MANIFEST.MF') manifest = data.toString('utf8');
          else if (descriptor) poms.push(data.toString('utf8'));
          else inner.push(...(await readNested(data, name, source, depth)));
          zip.readEntry();
        })
        .catch(reject);
    });
    zip.on('end', () => resolve([...identify(fileName, poms, manifest, source), ...inner]));
    zip.readEntry();
  });
}

function identify(fileName: string, poms: string[], manifestText: string | undefined, source: string): Dependency[] {
  const deps: Dependency[] = [];
  const manifest = manifestText ? parseManifest(manifestText) : new Map<string, string>();
  const licenses =
    manifest
      .get('Bundle-License')
      ?.split(',')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.includes('://')) ?? [];
  for (const text of poms) {
    const props = parseProperties(text);
    if (props.groupId && props.artifactId && props.version) {
      // The manifest speaks for the jar's own artifact, not for the others a shaded jar bundles.
      deps.push(dependency('Maven', `${props.groupId}:${props.artifactId}`, props.version, source, poms.length === 1 ? { licenses } : {}));
    }
  }
  if (deps.length > 0 || !/\.jar$/i.test(fileName)) return deps;
  const fromName = /^(.+?)-(\d[\w.+-]*)\.jar$/i.exec(fileName);
  const artifact = fromName?.[1] ?? manifest.get('Implementation-Title') ?? manifest.get('Bundle-Name');
  const version = manifest.get('Implementation-Version') ?? manifest.get('Bundle-Version') ?? fromName?.[2];
  if (!artifact || !version) return deps;
  const group = manifest.get('Implementation-Vendor-Id');
  deps.push(dependency('Maven', group ? `${group}:${artifact}` : artifact, version, source, { licenses }));
  return deps;
}

/** `key=value` lines of a Java properties file (what Maven writes: no escapes worth decoding). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The main section of a JAR manifest; a line starting with one space continues the previous one. */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && last) {
      out.set(last, out.get(last)! + line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    out.set(last, line.slice(colon + 1).trim());
  }
  return out;
}
