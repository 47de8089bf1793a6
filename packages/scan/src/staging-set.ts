// One staging's outputs as `droplet stage` writes them: DROPLET, DROPLET.metadata.json,
// DROPLET.result.json and DROPLET.result.json.staging-id (docs/scanning.md, "Mixed sets"). The builder
// puts one staging id (a UUID) in the metadata inside the droplet, in the metadata beside it (with the
// sha256 of result.json's bytes and of the droplet) and in the sidecar of result.json. Files copied
// from different stagings (a droplet restaged while its result.json was kept, a metadata file copied
// from elsewhere) disagree on the id or on a digest: the set is then *mixed*, and the file that
// disagrees with the rest is named.
import fs from 'node:fs';
import path from 'node:path';
import { STAGING_SET_SUFFIXES, StagingMetadataError, parseStagingMetadata, stagingSetNames, type StagingMetadata } from '@cf-lifecycle/contract';
import { readDroplet, sha256Text } from './droplet.ts';
import { InputError, LIMITS, readInput, readInputBytes } from './limits.ts';

const STAGING_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface SetProblem {
  /** The file that disagrees with the rest of the set. */
  file: string;
  problem: string;
}

export interface StagingSet {
  /**
   * `consistent`: every file of the set that is present agrees (ids, digests); `mixed`: a file disagrees
   * or cannot be read; `unverified`: nothing could be compared (a droplet alone, or files of a lifecycle
   * that writes no staging id).
   */
  status: 'consistent' | 'mixed' | 'unverified';
  /** The droplet the set is named after (it need not exist). */
  droplet: string;
  /** The staging id the set agrees on (the majority's when mixed). */
  stagingId?: string;
  /** The files of the set that exist. */
  files: string[];
  problems: SetProblem[];
  /** What to do about a mixed set. */
  advice?: string;
}

export interface SetInputs {
  /** DROPLET: the other files are named after it. */
  droplet: string;
  /** The metadata inside the droplet when already read; `null` when the droplet holds none. */
  embedded?: StagingMetadata | null;
  /** DROPLET.metadata.json when already read. */
  beside?: StagingMetadata;
  dropletSize?: number;
  dropletSha256?: string;
  /** Read the droplet for its staging id when `embedded` is not given. */
  readEmbedded?: boolean;
  /** When reading the droplet, also compute its sha256 (to compare with the recorded one). */
  hashDroplet?: boolean;
}

const NO_ID = '(none)';

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function reason(err: unknown): string {
  return err instanceof InputError || err instanceof StagingMetadataError ? err.message : ((err as Error)?.message ?? String(err));
}

/** Checks the files of one staging against each other; never throws for what it finds on disk. */
export async function checkSet(inputs: SetInputs): Promise<StagingSet> {
  const droplet = inputs.droplet;
  const { metadata: metadataFile, result: resultFile, sidecar: sidecarFile } = stagingSetNames(droplet);
  const files: string[] = [];
  const problems: SetProblem[] = [];
  let checks = 0;

  let embedded = inputs.embedded;
  let dropletSize = inputs.dropletSize;
  let dropletSha256 = inputs.dropletSha256;
  const dropletPresent = embedded !== undefined || exists(droplet);
  if (dropletPresent) {
    files.push(droplet);
    if (embedded === undefined && inputs.readEmbedded) {
      try {
        const contents = await readDroplet(droplet, { digest: inputs.hashDroplet === true });
        embedded = contents.metadata === undefined ? null : parseStagingMetadata(contents.metadata);
        dropletSize = contents.size;
        dropletSha256 = contents.sha256;
      } catch (err) {
        problems.push({ file: droplet, problem: `cannot be read: ${reason(err)}` });
      }
    }
    if (dropletSize === undefined) {
      try {
        const st = fs.statSync(droplet);
        if (st.isFile()) dropletSize = st.size;
      } catch {
        // reported by whoever reads it
      }
    }
  }

  let beside = inputs.beside;
  if (beside !== undefined) files.push(metadataFile);
  else if (exists(metadataFile)) {
    files.push(metadataFile);
    try {
      beside = parseStagingMetadata(readInput(metadataFile, undefined, LIMITS.metadataBytes));
    } catch (err) {
      problems.push({ file: metadataFile, problem: `cannot be read: ${reason(err)}` });
    }
  }

  let sidecarId: string | undefined;
  if (exists(sidecarFile)) {
    files.push(sidecarFile);
    try {
      const text = readInput(sidecarFile, undefined, LIMITS.stagingIdBytes).replace(/\n$/, '');
      if (STAGING_ID.test(text)) sidecarId = text;
      else problems.push({ file: sidecarFile, problem: 'does not hold a staging id (a UUID and a newline)' });
    } catch (err) {
      problems.push({ file: sidecarFile, problem: `cannot be read: ${reason(err)}` });
    }
  }

  let resultSha256: string | undefined;
  if (exists(resultFile)) {
    files.push(resultFile);
    try {
      resultSha256 = sha256Text(readInputBytes(resultFile, undefined, LIMITS.resultBytes));
    } catch (err) {
      problems.push({ file: resultFile, problem: `cannot be read: ${reason(err)}` });
    }
  }

  // The ids: the droplet's, the metadata's beside it and the sidecar's. The one most files agree on is
  // the set's (the droplet's on a tie: it is what runs); each file holding another is named.
  const idOf = (m: StagingMetadata): string => (typeof m.stagingId === 'string' && m.stagingId !== '' ? m.stagingId : NO_ID);
  const voters: Array<{ file: string; label: string; id: string }> = [];
  if (embedded !== undefined && dropletPresent) voters.push({ file: droplet, label: 'the droplet', id: embedded === null ? NO_ID : idOf(embedded) });
  if (beside) voters.push({ file: metadataFile, label: path.basename(metadataFile), id: idOf(beside) });
  if (sidecarId !== undefined) voters.push({ file: sidecarFile, label: path.basename(sidecarFile), id: sidecarId });
  let majority: string | undefined;
  if (voters.some((v) => v.id !== NO_ID)) {
    const counts = new Map<string, number>();
    for (const v of voters) counts.set(v.id, (counts.get(v.id) ?? 0) + 1);
    for (const v of voters) if (majority === undefined || counts.get(v.id)! > counts.get(majority)!) majority = v.id;
    if (voters.length > 1) {
      checks++;
      const reference = voters.find((v) => v.id === majority)!;
      for (const v of voters) {
        if (v.id === majority) continue;
        const its = v.id === NO_ID ? 'it has no stagingId' : `its stagingId is ${v.id}`;
        const theirs = majority === NO_ID ? `${reference.label} has none` : `${reference.label} has ${majority}`;
        problems.push({ file: v.file, problem: `is from another staging: ${its}, ${theirs}` });
      }
    }
  }
  const agrees = (file: string): boolean => majority === undefined || voters.find((v) => v.file === file)?.id === majority;

  // The digests the metadata beside the droplet records, when it belongs to the set.
  const besideName = path.basename(metadataFile);
  if (beside && agrees(metadataFile)) {
    const recorded = beside.droplet;
    if (dropletPresent && agrees(droplet) && recorded) {
      let sizeDiffers = false;
      if (typeof recorded.size === 'number' && dropletSize !== undefined) {
        checks++;
        sizeDiffers = recorded.size !== dropletSize;
        if (sizeDiffers) {
          problems.push({ file: droplet, problem: `is not the droplet ${besideName} describes: ${dropletSize} bytes, it records ${recorded.size}` });
        }
      }
      // The digest only when the caller read the whole droplet anyway (inspect): scan compares sizes.
      if (!sizeDiffers && typeof recorded.sha256 === 'string' && dropletSha256 !== undefined) {
        checks++;
        if (recorded.sha256 !== dropletSha256) {
          problems.push({ file: droplet, problem: `is not the droplet ${besideName} describes: sha256 ${dropletSha256}, it records ${recorded.sha256}` });
        }
      }
    }
    const result = (beside as { result?: { sha256?: unknown } }).result;
    if (resultSha256 !== undefined && typeof result?.sha256 === 'string') {
      checks++;
      if (result.sha256 !== resultSha256) {
        problems.push({ file: resultFile, problem: `is not the result.json of this staging: sha256 ${resultSha256}, ${besideName} records ${result.sha256}` });
      }
    }
  }

  const set: StagingSet = { status: problems.length > 0 ? 'mixed' : checks > 0 ? 'consistent' : 'unverified', droplet, files, problems };
  if (majority !== undefined && majority !== NO_ID) set.stagingId = majority;
  if (problems.length > 0) {
    const base = path.basename(droplet);
    const { metadata, result, sidecar } = STAGING_SET_SUFFIXES;
    set.advice = `restage the app, or copy ${base}, ${base}${metadata}, ${base}${result} and ${base}${sidecar} of one staging together`;
  }
  return set;
}

/** One line for a mixed set: every problem, then what to do. */
export function describeMixed(set: StagingSet): string {
  return `${set.droplet}: mixed set: ${set.problems.map((p) => `${p.file} ${p.problem}`).join('; ')}; ${set.advice ?? ''}`.trimEnd();
}
