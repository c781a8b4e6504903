import { ApiError, type ApiRequest } from './http';

/**
 * OCI's IAM is eventually consistent: for a while after a create, other calls may not see the new
 * resource. Naming it in the path answers 404 NotAuthorizedOrNotFound, naming it in the body 400
 * RelatedResourceNotAuthorizedOrNotFound (the two errors Oracle's SDKs retry after an IAM write).
 * The while is `delayMs` (0, the default, turns this off).
 */
export class EventualConsistency {
  private readonly hiddenUntil = new Map<string, number>();

  /** `now`: the local OCI's clock (a test stops and moves it). */
  constructor(
    private readonly delayMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Hides what a successful create returned (its `id`, and `ocid` for SCIM) for the configured while. */
  noteCreated(body: unknown): void {
    const delay = this.delayMs();
    if (delay <= 0 || typeof body !== 'object' || body === null) return;
    const until = this.now() + delay;
    for (const key of ['id', 'ocid']) {
      const value = (body as Record<string, unknown>)[key];
      if (typeof value === 'string') this.hiddenUntil.set(value, until);
    }
  }

  /** The error OCI would answer while something the request names is not yet visible. */
  check(request: ApiRequest): ApiError | undefined {
    if (this.hiddenUntil.size === 0) return undefined;
    const now = this.now();
    for (const [id, until] of this.hiddenUntil) if (until <= now) this.hiddenUntil.delete(id);
    const hidden = (value: string) => this.hiddenUntil.has(value);
    if (request.params.some((param) => hidden(decodeURIComponent(param)))) {
      return new ApiError(404, 'NotAuthorizedOrNotFound', 'Authorization failed or requested resource not found.');
    }
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString('utf8') || 'null');
    } catch {
      return undefined;
    }
    if (mentions(body, hidden)) {
      return new ApiError(
        400,
        'RelatedResourceNotAuthorizedOrNotFound',
        'A resource named in the request was not found or is not authorized.',
      );
    }
    return undefined;
  }
}

function mentions(value: unknown, hidden: (id: string) => boolean): boolean {
  if (typeof value === 'string') return hidden(value);
  if (Array.isArray(value)) return value.some((item) => mentions(item, hidden));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((item) => mentions(item, hidden));
  return false;
}
