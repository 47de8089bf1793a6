// SPDX license expressions (SPDX spec annex D): ids, `+`, `WITH <exception>`, AND, OR, parentheses.
// Enough to decide whether a component's licensing satisfies an allow or deny list.

export type LicenseNode = { kind: 'license'; id: string; exception?: string } | { kind: 'and' | 'or'; left: LicenseNode; right: LicenseNode };

/** Parses an expression; text that is not one (a free-form license name) becomes a single license. */
export function parseLicenseExpression(text: string): LicenseNode {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (t: string | undefined, op: string) => t !== undefined && t.toUpperCase() === op;

  const primary = (): LicenseNode | undefined => {
    const t = tokens[pos++];
    if (t === undefined || t === ')' || isOp(t, 'AND') || isOp(t, 'OR') || isOp(t, 'WITH')) return undefined;
    if (t === '(') {
      const inner = or();
      if (inner === undefined || tokens[pos++] !== ')') return undefined;
      return inner;
    }
    const node: LicenseNode = { kind: 'license', id: t };
    if (isOp(peek(), 'WITH')) {
      pos++;
      const exception = tokens[pos++];
      if (exception === undefined || exception === '(' || exception === ')') return undefined;
      node.exception = exception;
    }
    return node;
  };
  const and = (): LicenseNode | undefined => {
    let left = primary();
    while (left !== undefined && isOp(peek(), 'AND')) {
      pos++;
      const right = primary();
      left = right === undefined ? undefined : { kind: 'and', left, right };
    }
    return left;
  };
  const or = (): LicenseNode | undefined => {
    let left = and();
    while (left !== undefined && isOp(peek(), 'OR')) {
      pos++;
      const right = and();
      left = right === undefined ? undefined : { kind: 'or', left, right };
    }
    return left;
  };
  const tree = or();
  if (tree === undefined || pos !== tokens.length) return { kind: 'license', id: text.trim() };
  return tree;
}

/**
 * The licenses that keep `node` from being acceptable, or [] when it is acceptable:
 * AND needs every side, OR one side.
 */
export function unacceptable(node: LicenseNode, ok: (id: string, exception?: string) => boolean): string[] {
  if (node.kind === 'license') return ok(node.id, node.exception) ? [] : [node.exception ? `${node.id} WITH ${node.exception}` : node.id];
  const left = unacceptable(node.left, ok);
  const right = unacceptable(node.right, ok);
  if (node.kind === 'and') return [...left, ...right];
  return left.length === 0 || right.length === 0 ? [] : [...left, ...right];
}
