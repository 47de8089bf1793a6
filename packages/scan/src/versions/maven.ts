// Maven's ComparableVersion (maven-artifact 3.9): items are numbers, qualifiers and sub-lists (a
// `-` or a digit/letter transition starts a sub-list); qualifiers order alpha < beta < milestone
// < rc = cr < snapshot < (release: "", ga, final, release) < sp < any other, lexically; trailing
// zeros and empty qualifiers are dropped, so 1.0 == 1 == 1.0.0 == 1-ga.
import { compareDigits } from './semver.ts';
import type { VersionOrdering } from './ordering.ts';

type Item = { kind: 'int'; value: string } | { kind: 'string'; value: string } | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

export function parseMavenVersion(version: string): Item | undefined {
  const text = version.trim().toLowerCase();
  if (text === '') return undefined;
  const root: Item & { kind: 'list' } = { kind: 'list', items: [] };
  let list = root;
  const stack = [root];
  let isDigit = false;
  let start = 0;
  const newList = (): void => {
    const next: Item & { kind: 'list' } = { kind: 'list', items: [] };
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '.') {
      list.items.push(i === start ? { kind: 'int', value: '0' } : item(isDigit, text.slice(start, i), false));
      start = i + 1;
    } else if (c === '-') {
      list.items.push(i === start ? { kind: 'int', value: '0' } : item(isDigit, text.slice(start, i), false));
      start = i + 1;
      newList();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        // "alpha1" is "alpha-1"; a lone a/b/m followed by digits means alpha/beta/milestone.
        list.items.push(item(false, text.slice(start, i), true));
        start = i;
        newList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(item(true, text.slice(start, i), false));
        start = i;
        newList();
      }
      isDigit = false;
    }
  }
  if (text.length > start) list.items.push(item(isDigit, text.slice(start), false));
  while (stack.length > 0) normalize(stack.pop()!);
  return root;
}

function item(isDigit: boolean, text: string, followedByDigit: boolean): Item {
  if (isDigit) return { kind: 'int', value: text.replace(/^0+(?=\d)/, '') };
  let value = text;
  if (followedByDigit && value.length === 1) value = value === 'a' ? 'alpha' : value === 'b' ? 'beta' : value === 'm' ? 'milestone' : value;
  return { kind: 'string', value: ALIASES[value] ?? value };
}

function isNull(it: Item): boolean {
  return it.kind === 'int' ? it.value === '0' : it.kind === 'string' ? it.value === '' : it.items.length === 0;
}

function normalize(list: Item & { kind: 'list' }): void {
  for (let i = list.items.length - 1; i >= 0; i--) {
    const last = list.items[i]!;
    if (isNull(last)) list.items.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i >= 0 ? String(i) : `${QUALIFIERS.length}-${q}`;
}

function compareItems(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -compareItems(b, undefined);
  if (a.kind === 'int') {
    if (b === undefined) return a.value === '0' ? 0 : 1;
    return b.kind === 'int' ? compareDigits(a.value, b.value) : 1;
  }
  if (a.kind === 'string') {
    if (b === undefined) return cmp(comparableQualifier(a.value), RELEASE_INDEX);
    if (b.kind === 'int' || b.kind === 'list') return -1;
    return cmp(comparableQualifier(a.value), comparableQualifier(b.value));
  }
  if (b === undefined) return a.items.length === 0 ? 0 : compareItems(a.items[0], undefined);
  if (b.kind === 'int') return -1;
  if (b.kind === 'string') return 1;
  for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) {
    const c = compareItems(a.items[i], b.items[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const mavenOrdering: VersionOrdering<Item> = { name: 'Maven', parse: parseMavenVersion, compare: (a, b) => compareItems(a, b) };
