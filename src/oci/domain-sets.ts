import type { models } from 'oci-identitydomains';
import { OciCallError } from '../support/errors';
import { type Answer, Coalescer } from './coalesce';
import type { BulkLimits, ScimRaw } from './scim-raw';

/**
 * The identity-domain adapter's set calls: many concurrent look-ups as one SCIM filter, many concurrent
 * creates and membership adds as one SCIM Bulk request. The core still plans and applies one person at
 * a time; only the calls are shared, and each caller gets its own operation's answer.
 */

/** Who one look-up asks for: every account with the employee id, and the one with the user name. */
export interface PersonQuery {
  readonly employeeId: string;
  readonly userName: string | undefined;
}

/**
 * People per filter, and the filter's length once percent-encoded. No Oracle page found gives a limit on
 * a SCIM filter's length or number of terms: these are chosen to keep the URL well under the 8 KB that
 * common HTTP front ends accept. A real domain must confirm them.
 */
const MAX_PEOPLE_PER_FILTER = 50;
const MAX_FILTER_CHARS = 6000;
/** RFC 7644 section 3.4.2.4: the server may cap `count`; the local OCI, as ServiceProviderConfig says, at 1,000. */
export const LIST_PAGE = 1000;

const termsOf = (query: PersonQuery) =>
  query.userName === undefined
    ? [`externalId eq ${JSON.stringify(query.employeeId)}`]
    : [`externalId eq ${JSON.stringify(query.employeeId)}`, `userName eq ${JSON.stringify(query.userName)}`];
const filterOf = (queries: readonly PersonQuery[]) => encodeURIComponent(queries.flatMap(termsOf).join(' or '));

/** The users of one answer that a query names. */
export function usersFor(query: PersonQuery, users: readonly models.User[]): models.User[] {
  const name = query.userName?.toLowerCase();
  return users.filter((u) => u.externalId === query.employeeId || (name !== undefined && u.userName.toLowerCase() === name));
}

/** Look-ups of people, coalesced: one `ListUsers` with `externalId eq … or userName eq …` for many. */
export function personReads(list: (filter: string) => Promise<models.User[]>): Coalescer<PersonQuery, models.User[]> {
  return new Coalescer<PersonQuery, models.User[]>({
    windowMs: 5,
    inFlight: 1,
    fits: (batch, next) => batch.length < MAX_PEOPLE_PER_FILTER && filterOf([...batch, next]).length <= MAX_FILTER_CHARS,
    async send(batch) {
      const users = await list(filterOf(batch));
      return batch.map((query): Answer<models.User[]> => ({ ok: true, value: usersFor(query, users) }));
    },
  });
}

/** One write the Bulk coalescer carries. */
export type BulkWrite =
  | { readonly kind: 'create-user'; readonly user: Record<string, unknown> }
  | { readonly kind: 'add-member'; readonly groupId: string; readonly userId: string };

/** One operation's answer (RFC 7644 section 3.7.3). */
export interface BulkResult {
  readonly status: number;
  readonly response: unknown;
}

interface BulkResponseBody {
  readonly Operations?: readonly { bulkId?: unknown; status?: unknown; response?: unknown }[];
}

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Room kept under maxPayloadSize for the envelope and for an estimate that is a little short. */
const PAYLOAD_SLACK = 2048;

const sizeOf = (write: BulkWrite) =>
  write.kind === 'create-user' ? JSON.stringify(write.user).length + 120 : JSON.stringify(write.userId).length + 32;
/** The operations a set of writes makes: one per user created, one per group for all its new members. */
const operationsOf = (writes: readonly BulkWrite[]) =>
  writes.filter((w) => w.kind === 'create-user').length + new Set(writes.flatMap((w) => (w.kind === 'add-member' ? [w.groupId] : []))).size;

/** The Bulk request for `writes` and, per write, the bulkId of the operation that carries it. */
export function bulkRequest(writes: readonly BulkWrite[]): { body: unknown; bulkIdOf: readonly string[] } {
  const operations: Record<string, unknown>[] = [];
  const groups = new Map<string, { bulkId: string; members: { value: string; type: string }[] }>();
  const bulkIdOf = writes.map((write, index) => {
    if (write.kind === 'create-user') {
      const bulkId = `user-${index}`;
      operations.push({ method: 'POST', bulkId, path: '/Users', data: write.user });
      return bulkId;
    }
    let group = groups.get(write.groupId);
    if (!group) {
      group = { bulkId: `group-${groups.size}`, members: [] };
      groups.set(write.groupId, group);
    }
    group.members.push({ value: write.userId, type: 'User' });
    return group.bulkId;
  });
  // Memberships after the creates: a member is always a user that exists already (the core adds after creating).
  for (const [groupId, group] of groups) {
    operations.push({
      method: 'PATCH',
      bulkId: group.bulkId,
      path: `/Groups/${groupId}`,
      data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: group.members }] },
    });
  }
  return { body: { schemas: [BULK_REQUEST], Operations: operations }, bulkIdOf };
}

/** An operation's failure, as the single call's would read (status, SCIM type, detail). */
export function operationError(operation: string, result: BulkResult): OciCallError {
  const body = (result.response ?? {}) as { detail?: unknown; scimType?: unknown };
  return new OciCallError({
    operation,
    status: result.status,
    ociCode: typeof body.scimType === 'string' ? body.scimType : undefined,
    message: typeof body.detail === 'string' ? body.detail.slice(0, 300) : `bulk operation answered ${result.status}`,
    opcRequestId: undefined,
    retryable: result.status === 429 || result.status >= 500,
  });
}

/**
 * Creates and membership adds, coalesced into SCIM Bulk requests within the limits the domain advertises.
 * A batch of one goes as the single call (`single`): one hire costs what it always did. A Bulk request
 * that fails as a whole fails each of its writes with that error; a retried Bulk (callOci retries lost
 * answers and 429s) answers 409 for what the first attempt applied, which each caller reads as the
 * single call's 409: it re-reads before deciding anything.
 */
export function bulkWrites(
  raw: ScimRaw,
  limits: BulkLimits,
  single: (write: BulkWrite) => Promise<BulkResult>,
): Coalescer<BulkWrite, BulkResult> {
  return new Coalescer<BulkWrite, BulkResult>({
    windowMs: 10,
    inFlight: 1,
    fits: (batch, next) =>
      operationsOf([...batch, next]) <= limits.maxOperations &&
      [...batch, next].reduce((sum, w) => sum + sizeOf(w), 0) <= limits.maxPayloadSize - PAYLOAD_SLACK,
    async send(batch) {
      if (batch.length === 1) {
        const only = batch[0] as BulkWrite;
        return [
          await single(only).then(
            (value): Answer<BulkResult> => ({ ok: true, value }),
            (error: unknown) => ({ ok: false, error }),
          ),
        ];
      }
      const { body, bulkIdOf } = bulkRequest(batch);
      let answer: BulkResponseBody;
      try {
        answer = await raw.send<BulkResponseBody>('Bulk', 'POST', '/admin/v1/Bulk', body);
      } catch (error) {
        // 413: the request was larger than the domain takes after all (nothing was done): each write alone.
        if (!(error instanceof OciCallError && error.status === 413)) throw error;
        const answers: Answer<BulkResult>[] = [];
        for (const write of batch)
          answers.push(
            await single(write).then(
              (value): Answer<BulkResult> => ({ ok: true, value }),
              (e: unknown) => ({ ok: false, error: e }),
            ),
          );
        return answers;
      }
      const byBulkId = new Map((answer.Operations ?? []).map((op) => [String(op.bulkId), op]));
      return bulkIdOf.map((bulkId): Answer<BulkResult> => {
        const op = byBulkId.get(bulkId);
        if (!op)
          return {
            ok: false,
            error: new OciCallError({
              operation: 'Bulk',
              status: undefined,
              ociCode: 'NotProcessed',
              message: 'the bulk answer has no result for this operation',
              opcRequestId: undefined,
              retryable: true,
            }),
          };
        return { ok: true, value: { status: Number(op.status), response: op.response } };
      });
    },
  });
}
