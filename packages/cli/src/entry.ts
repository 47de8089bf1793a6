// Bundle entry for dist/cli/droplet.cjs.
import path from 'node:path';
import { main } from './main.ts';
import { repoRoot } from './paths.ts';

// The bundled stack package finds the rootfs build files (rootfs/) through this variable.
process.env.CF_STACK_SOURCE_DIR ??= path.join(repoRoot(), 'rootfs');
void main(process.argv);
