// `npm run invoke -- --upload <file> [--deadline <seconds>]`: an upload followed to its end on the local OCI.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startLocalStack } from '../local-stack/stack';
import { driveUpload } from '../local-stack/upload-driver';
import { bundlePath, out, userPath } from './print';

/** The function's timeout in func.yaml (seconds): what each invocation gets unless told otherwise. */
export function funcYamlTimeout(): number {
  const text = readFileSync(join(__dirname, '..', '..', 'func.yaml'), 'utf8');
  return Number(/^timeout:\s*(\d+)/m.exec(text)?.[1] ?? 30);
}

/**
 * Puts the file into the local OCI's onboarding bucket, delivers the OCI Events envelope, follows every
 * continuation as OCI would, and prints one line. Exit code 0 only when the upload completed.
 */
export async function uploadCommand(file: string, deadlineSeconds: number | undefined): Promise<number> {
  const content = readFileSync(userPath(file));
  const name = `incoming/${basename(file)}`;
  const stack = await startLocalStack();
  try {
    const run = await driveUpload({
      stack,
      name,
      content,
      contentType: name.endsWith('.csv') ? 'text/csv' : 'application/json',
      deadlineMs: (deadlineSeconds ?? funcYamlTimeout()) * 1000,
      entry: bundlePath(),
    });
    const c = run.counts;
    // An upload refused as a whole (too large, a timeout too short) answers errors, not counts: say why first.
    const refused = run.final && 'errors' in run.final ? (run.final.errors as readonly { code: string; message: string }[]) : [];
    for (const error of refused) console.error(`error ${error.code}: ${error.message}`);
    out(
      `upload ${name}: ${run.status}, ${c.succeeded} succeeded, ${c.failed} failed, ${c.rejected + c.unreadable} rejected, ${run.invocations} invocations, ${run.seconds.toFixed(1)} s`,
    );
    for (const error of run.errors) console.error(error);
    return run.status === 'complete' ? 0 : 1;
  } finally {
    await stack.oci.stop();
  }
}
