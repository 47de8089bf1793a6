// Gemfile.lock: the `specs:` of its GEM and GIT sections (four-space `name (version)` lines).
// PATH sections are the app's own code, not dependencies. A platform-specific gem is locked as
// `nokogiri (1.15.4-x86_64-linux)`: the version is 1.15.4 and the platform goes into the purl.
import { dependency, type Dependency } from '../dependency.ts';

export function parseGemfileLock(text: string, source: string): Dependency[] {
  const deps: Dependency[] = [];
  let section = '';
  let inSpecs = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      section = line.trim();
      inSpecs = false;
      continue;
    }
    if (/^ {2}specs:\s*$/.test(line)) {
      inSpecs = true;
      continue;
    }
    if (/^ {2}\S/.test(line)) {
      inSpecs = false;
      continue;
    }
    if (!inSpecs || (section !== 'GEM' && section !== 'GIT')) continue;
    const m = /^ {4}([^\s(]+) \(([^)]+)\)\s*$/.exec(line);
    if (!m) continue;
    const [, name, locked] = m as unknown as [string, string, string];
    const dash = locked.indexOf('-');
    const version = dash < 0 ? locked : locked.slice(0, dash);
    const platform = dash < 0 ? undefined : locked.slice(dash + 1);
    deps.push(dependency('RubyGems', name, version, source, platform ? { qualifiers: { platform } } : {}));
  }
  return deps;
}
