import { startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { describe, expect, it } from 'vitest';
import { FnContext, fdkHeaders } from '../fn-context';
import { fixturePath } from '../helpers';

/** What a context says, read as test/fixtures/functions/context.js reads the FDK's. */
function describeContext(ctx: FnContext) {
  ctx.httpGateway.statusCode = 207;
  return {
    headers: ctx.headers,
    callID: ctx.callID,
    deadline: ctx.deadline?.toISOString(),
    contentType: ctx.contentType,
    mixedCase: ctx.getHeader('x-oci-ns-messageid'),
    missing: ctx.getHeader('X-Not-Sent'),
    gatewayHeaders: ctx.httpGateway.headers,
    gatewaySignature: ctx.httpGateway.getHeader('x-hr-signature'),
    gatewayMethod: ctx.httpGateway.method,
    gatewayUrl: ctx.httpGateway.requestURL,
    appName: ctx.appName,
    fnName: ctx.fnName,
    memory: ctx.memory,
    greeting: ctx.config.GREETING,
  };
}

describe("the in-process tier's Fn context", () => {
  it('says what the FDK says of the same request: headers, call id, deadline, API Gateway headers, config, status', async () => {
    // Prepare: the FDK's own context, behind its socket, and the same request's headers as the in-process tier builds them.
    const env = { GREETING: 'hello', FN_APP_NAME: 'local-app', FN_FN_NAME: 'iam-onboarding', FN_MEMORY: '256' };
    const fn = await startFunction({ entry: fixturePath('functions', 'context.js'), env, nodeArgs: [] });
    const body = '{"employeeId":"E1"}';
    const sent = {
      'X-OCI-NS-MessageId': 'm-1',
      'Fn-Intent': 'httprequest',
      'Fn-Http-Method': 'POST',
      'Fn-Http-Request-Url': '/hr/new-hires?x=1',
      'Fn-Http-H-X-Hr-Signature': 'sig',
      'fn-http-h-x_hr_timestamp': '1700000000',
      TE: 'trailers',
      'Keep-Alive': 'timeout=5',
    };
    try {
      // Act
      const answer = await fn.invoke(body, { callId: 'CALL-1', deadlineMs: 30_000, headers: sent });
      const fromFdk = answer.json as Record<string, unknown>;
      const ctx = new FnContext(
        env,
        fdkHeaders({
          Host: 'localhost',
          'Fn-Call-Id': 'CALL-1',
          'Fn-Deadline': String(fromFdk.deadline),
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
          Connection: 'close',
          ...sent,
        }),
      );
      // Assess: the same reading, header for header; the status set through httpGateway goes out as Fn-Http-Status.
      expect(describeContext(ctx)).toEqual(fromFdk);
      expect(fromFdk.mixedCase).toBe('m-1');
      expect((fromFdk.headers as Record<string, string[]>).Te).toEqual(['trailers']);
      expect(answer.headers['fn-http-status']).toBe('207');
      expect(ctx.responseHeaders['Fn-Http-Status']).toEqual(['207']);
    } finally {
      await fn.stop();
    }
  });
});
