import type { FunctionsInvokeClient, FunctionsManagementClient, requests } from 'oci-functions';
import type { Continuations } from '../core/ports';
import { type CallPolicy, callOci } from './call';

/**
 * Workers of an upload run started through the Functions invoke API: the function invokes itself with
 * `fn-invoke-type: detached` (answered 202 at once; the call runs in the background, up to an hour)
 * and a body naming the run (engine-body.ts). The invoke endpoint is the function's own
 * (`Function.invokeEndpoint`, read once with GetFunction) unless the endpoint template says where
 * OCI is (the local OCI). A retried invoke may start two workers: harmless, since a worker only does
 * what it takes from the run's queue channel.
 */
export function functionContinuations(
  invokeClient: () => Promise<FunctionsInvokeClient>,
  functionId: string,
  policy: CallPolicy,
): Continuations {
  return {
    async start(body) {
      const client = await invokeClient();
      await callOci(
        'InvokeFunction',
        () =>
          client.invokeFunction({
            functionId,
            invokeFunctionBody: body,
            fnInvokeType: 'detached' as requests.InvokeFunctionRequest.FnInvokeType,
            fnIntent: 'cloudevent' as requests.InvokeFunctionRequest.FnIntent,
          }),
        policy,
      );
    },
  };
}

/** The function's invoke endpoint, from its management record (GetFunction needs `read fn-function`). */
export async function invokeEndpointOf(management: FunctionsManagementClient, functionId: string, policy: CallPolicy): Promise<string> {
  const response = await callOci('GetFunction', () => management.getFunction({ functionId }), policy);
  return response.function.invokeEndpoint ?? '';
}
