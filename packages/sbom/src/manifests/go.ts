// go.mod: `require` directives (block and single-line forms), with `replace` directives applied:
// a module replaced by another module version is that version; a module replaced by a local
// directory (`=> ../fork`) is not a published module and is left out.
import { dependency, type Dependency } from '../dependency.ts';

interface Replacement {
  path: string;
  version?: string;
}

export function parseGoMod(text: string, source: string): Dependency[] {
  const requires: Array<{ path: string; version: string }> = [];
  const replaces = new Map<string, Replacement | null>();
  let block: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block) {
      if (line === ')') {
        block = undefined;
        continue;
      }
      directive(block, line);
      continue;
    }
    const m = /^(require|replace|exclude|retract|module|go|toolchain)\s*(\()?\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[2]) block = m[1];
    else directive(m[1]!, m[3]!);
  }

  function directive(kind: string, args: string): void {
    const words = args.split(/\s+/).map(unquote);
    if (kind === 'require' && words.length >= 2) {
      requires.push({ path: words[0]!, version: words[1]! });
    } else if (kind === 'replace') {
      const arrow = words.indexOf('=>');
      if (arrow < 1) return;
      const target = words[arrow + 1];
      if (!target) return;
      const key = arrow === 2 ? `${words[0]}@${words[1]}` : words[0]!;
      const local = target.startsWith('.') || target.startsWith('/');
      replaces.set(key, local ? null : { path: target, ...(words[arrow + 2] ? { version: words[arrow + 2] } : {}) });
    }
  }

  const deps: Dependency[] = [];
  for (const req of requires) {
    const replacement = replaces.has(`${req.path}@${req.version}`) ? replaces.get(`${req.path}@${req.version}`) : replaces.get(req.path);
    if (replacement === null) continue;
    const path = replacement?.path ?? req.path;
    const version = replacement?.version ?? req.version;
    deps.push(dependency('Go', path, version, source));
  }
  return deps;
}

function unquote(word: string): string {
  return word.startsWith('"') && word.endsWith('"') ? word.slice(1, -1) : word;
}
