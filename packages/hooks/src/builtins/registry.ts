// The built-in hooks an operator enables by name.
import type { BuiltinName } from '../model.ts';
import type { Builtin } from './builtin.ts';
import { licenses } from './licenses.ts';
import { sbom } from './sbom.ts';
import { vulnerabilities } from './vulnerabilities.ts';

const BUILTINS: Record<BuiltinName, Builtin> = { sbom, licenses, vulnerabilities };

export function builtinFor(name: BuiltinName): Builtin {
  return BUILTINS[name];
}
