// Java archives (`*.jar`, `*.war`, `*.ear`) and the jars nested in them (`WEB-INF/lib`,
// `BOOT-INF/lib`), read without extracting. A jar names itself by its Maven
// `META-INF/maven/<group>/<artifact>/pom.properties` (one per bundled artifact, so a shaded jar
// yields several); without one, by `META-INF/MANIFEST.MF` and its file name.
import path from 'node:path';
import yauzl from 'yauzl';
import { dependency, type Dependency } from '../dependency.ts';

const MAX_NESTED_BYTES = 64 * 2 ** 20;
const MAX_DEPTH = 2;

export async function parseJavaArchive(file: string, source: string): Promise<Dependency[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: false }, (err, z) => (err ? reject(err) : resolve(z!))),
  );
  return readArchive(zip, path.basename(file), source, 0);
}

function readArchive(zip: yauzl.ZipFile, fileName: string, source: string, depth: number): Promise<Dependency[]> {
  return new Promise((resolve, reject) => {
    const poms: string[] = [];
    let manifest: string | undefined;
    const nested: Array<{ name: string; data: Buffer }> = [];
    zip.on('error', reject);
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const wanted =
        name === 'META-INF/MANIFEST.MF' ||
        /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(name) ||
        (depth < MAX_DEPTH && /\.(jar|war)$/i.test(name) && entry.uncompressedSize <= MAX_NESTED_BYTES);
      if (!wanted) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) {
          reject(err ?? new Error(`cannot read ${name}`));
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          const data = Buffer.concat(chunks);
          if (name === 'META-INF/MANIFEST.MF') manifest = data.toString('utf8');
          else if (name.endsWith('pom.properties')) poms.push(data.toString('utf8'));
          else nested.push({ name, data });
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => {
      const own = identify(fileName, poms, manifest, source);
      Promise.all(
        nested.map(
          (n) =>
            new Promise<Dependency[]>((res) =>
              yauzl.fromBuffer(n.data, { lazyEntries: true, strictFileNames: false }, (err, inner) => {
                // A nested file that is not a zip is not a jar after all.
                if (err || !inner) res([]);
                else readArchive(inner, path.posix.basename(n.name), `${source}!/${n.name}`, depth + 1).then(res, () => res([]));
              }),
            ),
        ),
      ).then((inner) => resolve([...own, ...inner.flat()]), reject);
    });
    zip.readEntry();
  });
}

function identify(fileName: string, poms: string[], manifestText: string | undefined, source: string): Dependency[] {
  const deps: Dependency[] = [];
  const manifest = manifestText ? parseManifest(manifestText) : new Map<string, string>();
  const licenses = manifest.get('Bundle-License')?.split(',').map((l) => l.trim()).filter((l) => l !== '' && !l.includes('://')) ?? [];
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
