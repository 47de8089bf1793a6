// The lifecycle layer: /tmp/lifecycle/{builder,launcher,shell,healthcheck,getenv}, where Diego puts
// the lifecycle in every container, plus /tmp itself (1777, so the layer does not depend on the
// stack's). The five executables of our bundle are hard links of one file: it is stored once and
// the others are hard-link entries, as GNU tar does.
import fs from 'node:fs';
import path from 'node:path';
import { LIFECYCLE_DIR, LIFECYCLE_EXECUTABLES } from '@cf-lifecycle/contract';
import { tarStream, type TarItem } from '@cf-lifecycle/tar';
import { OciError } from '../errors.ts';
import type { LayerBlob, Layout } from '../layout.ts';
import { FIXED_MTIME } from './fixed.ts';

/** Where the lifecycle lives in the image (where the orchestrator unpacks it), as a layer path. */
export const LIFECYCLE_ROOT = LIFECYCLE_DIR.slice(1);

export interface LifecycleLayer extends LayerBlob {
  /** The bundle's build stamp (`.build-stamp`), if it has one. */
  buildStamp?: string;
}

/** The tar items of the layer, in sorted order. */
export function lifecycleItems(lifecycleDir: string): TarItem[] {
  const items: TarItem[] = [
    { header: { path: 'tmp', type: 'dir', mode: 0o1777, uid: 0, gid: 0, size: 0, mtime: FIXED_MTIME } },
    { header: { path: LIFECYCLE_ROOT, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: FIXED_MTIME } },
  ];
  const firstOfInode = new Map<string, string>();
  for (const name of LIFECYCLE_EXECUTABLES) {
    const abs = path.join(lifecycleDir, name);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new OciError(`${lifecycleDir} lacks ${name}: pass the lifecycle bundle directory (dist/lifecycle, made by npm run build)`);
    }
    if (!st.isFile()) throw new OciError(`${abs} is not a file: pass the lifecycle bundle directory (dist/lifecycle)`);
    const target = `${LIFECYCLE_ROOT}/${name}`;
    const inode = `${st.dev}:${st.ino}`;
    const first = firstOfInode.get(inode);
    const header = { path: target, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: FIXED_MTIME };
    if (first !== undefined) {
      items.push({ header: { ...header, type: 'hardlink', size: 0, linkname: first } });
      continue;
    }
    firstOfInode.set(inode, target);
    items.push({ header: { ...header, type: 'file', size: st.size }, content: () => fs.createReadStream(abs) });
  }
  return items;
}

export async function lifecycleLayer(layout: Layout, lifecycleDir: string): Promise<LifecycleLayer> {
  const items = lifecycleItems(lifecycleDir);
  const blob = await layout.writeLayer(tarStream(items));
  let buildStamp: string | undefined;
  try {
    buildStamp = fs.readFileSync(path.join(lifecycleDir, '.build-stamp'), 'utf8').trim() || undefined;
  } catch {
    buildStamp = undefined;
  }
  return { ...blob, ...(buildStamp !== undefined && { buildStamp }) };
}
