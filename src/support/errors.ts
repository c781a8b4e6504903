/** Stable error codes; callers and dashboards match on these, so never rename one. */
export const ErrorCode = {
  InvalidEvent: 'INVALID_EVENT',
  UnreadableRow: 'UNREADABLE_ROW',
  UnsupportedTrigger: 'UNSUPPORTED_TRIGGER',
  Unauthenticated: 'UNAUTHENTICATED',
  InvalidConfig: 'INVALID_CONFIG',
  InvalidRoleCatalog: 'INVALID_ROLE_CATALOG',
  UnknownRole: 'UNKNOWN_ROLE',
  CompartmentNotAllowed: 'COMPARTMENT_NOT_ALLOWED',
  UserNameConflict: 'USER_NAME_CONFLICT',
  /** A user with the employee id exists but does not carry this function's managed-by mark. */
  UnmanagedUser: 'UNMANAGED_USER',
  AuthUnavailable: 'AUTH_UNAVAILABLE',
  SecretUnavailable: 'SECRET_UNAVAILABLE',
  OciRequestFailed: 'OCI_REQUEST_FAILED',
  DeadlineExceeded: 'DEADLINE_EXCEEDED',
  PublishFailed: 'PUBLISH_FAILED',
  Internal: 'INTERNAL',
  SourceChanged: 'SOURCE_CHANGED',
  /** A chunk of an upload failed on every delivery and went to the queue's dead-letter queue: its rows are failed. */
  ChunkDeadLettered: 'CHUNK_DEAD_LETTERED',
  /** Two or more users carry the event's employee id: none is picked; a person must merge them. */
  DuplicateEmployee: 'DUPLICATE_EMPLOYEE',
  /** A rehire under a new user name where the directory cannot rename (classic IAM user names are immutable). */
  UserNameImmutable: 'USER_NAME_IMMUTABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The OCI code of a call refused before it was sent because its turn under a rate limit would come after
 * the invocation's deadline: nothing was written, and the call may succeed in a later invocation.
 */
export const OUT_OF_TIME = 'OutOfTime';

/** One problem with one field of the input, e.g. `{ path: 'roles.0', message: 'unknown role' }`. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/**
 * Root of every error this project raises on purpose.
 * `exposed` errors are meant for the caller; all others are reported as INTERNAL.
 */
export class OnboardingError extends Error {
  readonly code: ErrorCode;
  readonly exposed: boolean;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, message: string, options: { exposed?: boolean; problems?: readonly Problem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exposed = options.exposed ?? true;
    this.problems = options.problems ?? [];
  }
}

/** Input that failed validation: an event, a config, a role catalog. Lists every problem at once. */
export class ValidationError extends OnboardingError {
  constructor(code: ErrorCode, message: string, problems: readonly Problem[]) {
    super(code, message, { exposed: true, problems });
  }
}

/** A failed OCI call, translated inside an adapter. Keeps OCI's own code and `opc-request-id` for support tickets. */
export class OciCallError extends OnboardingError {
  readonly operation: string;
  readonly status: number | undefined;
  readonly ociCode: string | undefined;
  readonly opcRequestId: string | undefined;
  readonly retryable: boolean;

  constructor(details: {
    operation: string;
    status: number | undefined;
    ociCode: string | undefined;
    message: string;
    opcRequestId: string | undefined;
    retryable: boolean;
  }) {
    super(
      ErrorCode.OciRequestFailed,
      `${details.operation} failed: ${details.status ?? 'no response'} ${details.ociCode ?? ''} ${details.message}`
        .replace(/\s+/g, ' ')
        .trim(),
    );
    this.operation = details.operation;
    this.status = details.status;
    this.ociCode = details.ociCode;
    this.opcRequestId = details.opcRequestId;
    this.retryable = details.retryable;
  }
}

/** Codes that mean "the request is wrong" (or not authenticated): answered `rejected`, nothing written or published. */
const CALLER_CODES = new Set<ErrorCode>([
  ErrorCode.InvalidEvent,
  ErrorCode.UnknownRole,
  ErrorCode.CompartmentNotAllowed,
  ErrorCode.UnsupportedTrigger,
  ErrorCode.Unauthenticated,
]);

/**
 * Anything thrown, as an error of this hierarchy: itself when it is one; anything else (a bug, a
 * library's error) as INTERNAL, not exposed, keeping the original as its `cause` for the log.
 */
export function asOnboardingError(error: unknown): OnboardingError {
  if (error instanceof OnboardingError) return error;
  return new OnboardingError(ErrorCode.Internal, error instanceof Error ? error.message : String(error).slice(0, 200), {
    exposed: false,
    cause: error,
  });
}

/** Whether an error is the caller's own (an invalid or unauthenticated request) rather than a failure of OCI or the function. */
export const isCallerError = (error: OnboardingError): boolean => CALLER_CODES.has(error.code);

/** The shape of an error in a result, a response or a notification. Never holds a stack or a secret. */
export interface ErrorReport {
  readonly code: ErrorCode;
  readonly message: string;
  readonly problems?: readonly Problem[];
  readonly operation?: string;
  readonly status?: number;
  readonly ociCode?: string;
  readonly opcRequestId?: string;
}

/** Turns anything thrown into what a caller may see: exposed errors as they are, the rest as INTERNAL. */
export function toErrorReport(error: unknown): ErrorReport {
  if (error instanceof OciCallError) {
    return {
      code: error.code,
      message: error.message,
      operation: error.operation,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.ociCode === undefined ? {} : { ociCode: error.ociCode }),
      ...(error.opcRequestId === undefined ? {} : { opcRequestId: error.opcRequestId }),
    };
  }
  if (error instanceof OnboardingError && error.exposed) {
    return {
      code: error.code,
      message: error.message,
      ...(error.problems.length > 0 ? { problems: error.problems } : {}),
    };
  }
  return {
    code: ErrorCode.Internal,
    message: 'Internal error; the function log has the details under this call id.',
  };
}
