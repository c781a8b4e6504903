// What a running `local-oci` tells other commands: its endpoint and the function's config (paths
// to credential files and identifiers, never a key). Written as a file beside its credentials (and
// removed with them) and served at STATE_PATH, so `invoke --local-oci` takes either.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_PATH } from '@oci-iam-onboarding/local-oci/server';
import { z } from 'zod';
import { UsageError, userPath } from './args';

const stateSchema = z.object({
  endpoint: z.string().url(),
  stateFile: z.string(),
  homeRegion: z.string(),
  defaultRegion: z.string(),
  tenancyId: z.string(),
  identityDomain: z.string().optional(),
  configFile: z.string(),
  topicId: z.string(),
  uploadBucket: z.string(),
  stateBucket: z.string(),
  functionEnv: z.record(z.string()),
});

/** The state of a running local OCI, as `local-oci` writes it. */
export type LocalOciState = z.infer<typeof stateSchema>;

/** Writes the state file into the local OCI's own (private, removed on stop) folder. */
export function writeStateFile(dir: string, state: Omit<LocalOciState, 'stateFile'>): LocalOciState {
  const stateFile = join(dir, 'local-oci.json');
  const full = { ...state, stateFile };
  writeFileSync(stateFile, `${JSON.stringify(full, null, 2)}\n`, { mode: 0o600 });
  return full;
}

/**
 * Finds a running local OCI from what the user typed: its URL (`http://127.0.0.1:18090`) or the path
 * of its state file. Anything unusable is a UsageError saying why.
 */
export async function resolveLocalOci(target: string): Promise<LocalOciState> {
  let raw: unknown;
  if (/^https?:\/\//.test(target)) {
    const url = `${target.replace(/\/+$/, '')}${STATE_PATH}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch((error: unknown) => {
      throw new UsageError(
        `no local OCI answers at ${target} (${(error as Error).cause ?? (error as Error).message}); start one with npm run local-oci`,
      );
    });
    if (!response.ok) throw new UsageError(`${target} is not a local OCI started by npm run local-oci (HTTP ${response.status})`);
    raw = await response.json().catch(() => undefined);
  } else {
    try {
      raw = JSON.parse(readFileSync(userPath(target), 'utf8'));
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new UsageError(
        code === 'ENOENT' ? `no state file ${target} (is local-oci still running?)` : `${target} is not a local OCI state file`,
      );
    }
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${target} is not a local OCI state file`);
  return parsed.data;
}
