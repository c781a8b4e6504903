import { z } from 'zod';
import { ErrorCode, ValidationError } from '../support/errors';

// The two bodies that drive the upload engine, accepted only from a direct invoke (never through ONS
// or API Gateway), decoded strictly:
//
//   {"work": {"run": "<40 hex digits>"}}   a worker for one run's queue channel; the function sends
//                                          it to itself (Functions invoke API, detached)
//   {"sweep": true}                        the safety net: an OCI Resource Scheduler schedule invokes
//                                          the function with this body every few minutes (the
//                                          schedule's resource is the function, its BodyParameter
//                                          this JSON); the local OCI's scheduler sends exactly this
//
// Anything else with a `work` or `sweep` key is refused (INVALID_EVENT), not taken for a hire.

const WorkBody = z
  .object({ work: z.object({ run: z.string().regex(/^[0-9a-f]{40}$/, 'must be a run id (40 hex digits)') }).strict() })
  .strict();
const SweepBody = z.object({ sweep: z.literal(true) }).strict();

/** What an engine body asks for. */
export type EngineRequest = { readonly kind: 'work'; readonly run: string } | { readonly kind: 'sweep' };

/** The body of a worker for `run`. */
export const workBody = (run: string) => JSON.stringify({ work: { run } });

/** The body Resource Scheduler sends. */
export const SWEEP_BODY = JSON.stringify({ sweep: true });

/** An engine request, when the body is one (a JSON object with a `work` or `sweep` key); undefined otherwise. */
export function engineRequestOf(json: unknown): EngineRequest | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  if (!('work' in json) && !('sweep' in json)) return undefined;
  const work = WorkBody.safeParse(json);
  if (work.success) return { kind: 'work', run: work.data.work.run };
  const sweep = SweepBody.safeParse(json);
  if (sweep.success) return { kind: 'sweep' };
  const issues = ('work' in json ? work : sweep).error?.issues ?? [];
  throw new ValidationError(
    ErrorCode.InvalidEvent,
    'The engine request is not valid',
    issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message })),
  );
}
