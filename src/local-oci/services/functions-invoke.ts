import { ApiError, type Route } from '../http';

// Functions invoke API: https://docs.oracle.com/iaas/api/#/en/functions/20181201/Function/InvokeFunction
// `fn-invoke-type: detached` answers 202 at once and runs the call in the background (up to
// `detachedModeTimeoutInSeconds`, at most 3,600 s); `sync` (the default) answers the function's response.

/** One call delivered by the invoke API to a function. */
export interface FunctionCall {
  readonly functionId: string;
  readonly body: Buffer;
  readonly detached: boolean;
  readonly intent: string | undefined;
  /** The signed caller: a user, or a resource principal such as the function itself. */
  readonly caller: string;
}

/** Runs a call; for a sync call, answers the function's response body. */
export type FunctionInvoker = (call: FunctionCall) => Promise<{ status: number; body: string }>;

export function functionsInvokeRoutes(knownFunctionId: string, invoker: () => FunctionInvoker | undefined): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/20181201\/functions\/([^/]+)\/actions\/invoke$/,
      service: 'functions',
      operation: 'InvokeFunction',
      handle: async (request) => {
        const functionId = request.params[0] ?? '';
        const run = invoker();
        if (!run || functionId !== knownFunctionId)
          throw new ApiError(404, 'NotAuthorizedOrNotFound', `Authorization failed or requested resource not found: ${functionId}`);
        const type = request.header('fn-invoke-type') ?? 'sync';
        if (type !== 'sync' && type !== 'detached') throw new ApiError(400, 'InvalidParameter', `fn-invoke-type must be sync or detached`);
        // The invoke API takes at most 6 MB of body.
        if (request.rawBody.length > 6 * 1024 * 1024) throw new ApiError(413, 'PayloadTooLarge', 'The request body is larger than 6 MB');
        const call: FunctionCall = {
          functionId,
          body: request.rawBody,
          detached: type === 'detached',
          intent: request.header('fn-intent'),
          caller: request.principal.id,
        };
        if (call.detached) {
          // Accepted: the platform owns the call from here; its outcome goes to the function's logs.
          run(call).catch(() => undefined);
          return { status: 202, body: undefined };
        }
        const answer = await run(call);
        return { status: answer.status, body: Buffer.from(answer.body, 'utf8'), headers: { 'content-type': 'application/json' } };
      },
    },
  ];
}
