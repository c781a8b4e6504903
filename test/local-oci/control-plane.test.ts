import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { seedFunctionApp } from '@oci-iam-onboarding/local-oci/services/functions-management';
import { EventsClient } from 'oci-events';
import { FunctionsManagementClient } from 'oci-functions';
import { LoggingManagementClient } from 'oci-logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfiguration } from '../../src/oci/clients';
import { configFileProvider, failure, sdkClients } from './sdk';

// The control plane set-up writes, through the real SDK clients: what OCI refuses, the emulator refuses.

describe('local OCI control plane', () => {
  let oci: LocalOci;
  let clients: ReturnType<typeof sdkClients> & {
    events: EventsClient;
    logging: LoggingManagementClient;
    functions: FunctionsManagementClient;
  };
  let compartmentId: string;
  let seeded: ReturnType<typeof seedFunctionApp>;

  beforeAll(async () => {
    oci = await startLocalOci();
    const params = { authenticationDetailsProvider: configFileProvider(oci) };
    const place = <T extends { endpoint: string }>(client: T) => {
      client.endpoint = oci.endpoint;
      return client;
    };
    clients = {
      ...sdkClients(oci),
      events: place(new EventsClient(params, clientConfiguration)),
      logging: place(new LoggingManagementClient(params, clientConfiguration)),
      functions: place(new FunctionsManagementClient(params, clientConfiguration)),
    };
    compartmentId = oci.state.addCompartment('apps').id;
    seeded = seedFunctionApp(oci.state, { compartmentId, functionId: 'ocid1.fnfunc.oc1..local' });
  });
  afterAll(() => oci.stop());

  it('keeps an e-mail subscription pending and refuses a second topic of the same name anywhere in the tenancy', async () => {
    // Act
    const topic = await clients.topics.createTopic({ createTopicDetails: { name: 'results', compartmentId } });
    const subscription = await clients.ons.createSubscription({
      createSubscriptionDetails: { topicId: topic.notificationTopic.topicId, compartmentId, protocol: 'EMAIL', endpoint: 'a@example.com' },
    });
    const again = await failure(
      clients.topics.createTopic({ createTopicDetails: { name: 'results', compartmentId: oci.credentials.tenancyId } }),
    );
    // Assess
    expect(subscription.subscription.lifecycleState).toBe('PENDING');
    expect(again.statusCode).toBe(409);
  });

  it('refuses an Events rule whose condition is not JSON, or whose function does not exist', async () => {
    // Prepare
    const details = {
      displayName: 'uploads',
      compartmentId,
      isEnabled: true,
      condition: '{"eventType":"com.oraclecloud.objectstorage.createobject"}',
      actions: { actions: [{ actionType: 'FAAS', isEnabled: true, functionId: seeded.fn.id }] },
    };
    // Act
    const created = await clients.events.createRule({ createRuleDetails: details as never });
    const notJson = await failure(clients.events.createRule({ createRuleDetails: { ...details, condition: 'eventType = x' } as never }));
    const noFunction = await failure(
      clients.events.createRule({
        createRuleDetails: {
          ...details,
          actions: { actions: [{ actionType: 'FAAS', isEnabled: true, functionId: 'ocid1.fnfunc.oc1..gone' }] },
        } as never,
      }),
    );
    // Assess
    expect(created.rule.actions.actions[0]).toMatchObject({ actionType: 'FAAS', functionId: seeded.fn.id });
    expect([notJson.statusCode, noFunction.statusCode]).toEqual([400, 400]);
  });

  it('creates an invoke log only for an existing application, one per application', async () => {
    // Prepare
    await clients.logging.createLogGroup({ createLogGroupDetails: { compartmentId, displayName: 'fn' } });
    const group = (await clients.logging.listLogGroups({ compartmentId, displayName: 'fn' })).items[0];
    const details = (resource: string) => ({
      logGroupId: group?.id ?? '',
      createLogDetails: {
        displayName: `invoke-${resource.slice(-6)}`,
        logType: 'SERVICE' as never,
        configuration: { source: { sourceType: 'OCISERVICE', service: 'functions', resource, category: 'invoke' } },
      },
    });
    // Act
    const created = await clients.logging.createLog(details(seeded.application.id));
    const twice = await failure(
      clients.logging.createLog({
        ...details(seeded.application.id),
        createLogDetails: { ...details(seeded.application.id).createLogDetails, displayName: 'other' },
      }),
    );
    const unknown = await failure(clients.logging.createLog(details('ocid1.fnapp.oc1..gone')));
    // Assess
    expect(created.opcWorkRequestId).toMatch(/^ocid1\./);
    expect(twice.statusCode).toBe(409);
    expect(unknown.statusCode).toBe(404);
  });

  it("replaces a function's whole config, and refuses one over 4 KB", async () => {
    // Act
    await clients.functions.updateFunction({ functionId: seeded.fn.id, updateFunctionDetails: { config: { A: '1', B: '2' } } });
    const replaced = await clients.functions.updateFunction({ functionId: seeded.fn.id, updateFunctionDetails: { config: { B: '3' } } });
    const tooBig = await failure(
      clients.functions.updateFunction({ functionId: seeded.fn.id, updateFunctionDetails: { config: { A: 'x'.repeat(4096) } } }),
    );
    // Assess
    expect(replaced.function.config).toEqual({ B: '3' });
    expect(tooBig.statusCode).toBe(400);
  });

  it("keeps a function's detached timeout, reads it back, and refuses one outside 5-3600 seconds", async () => {
    // Prepare
    const functionId = seeded.fn.id;
    const before = await clients.functions.getFunction({ functionId });
    // Act
    await clients.functions.updateFunction({ functionId, updateFunctionDetails: { detachedModeTimeoutInSeconds: 900 } });
    const after = await clients.functions.getFunction({ functionId });
    const listed = await clients.functions.listFunctions({ applicationId: seeded.application.id });
    const tooLong = await failure(
      clients.functions.updateFunction({ functionId, updateFunctionDetails: { detachedModeTimeoutInSeconds: 3601 } }),
    );
    const kept = await clients.functions.getFunction({ functionId });
    // Assess
    expect(before.function.detachedModeTimeoutInSeconds).toBeUndefined();
    expect(after.function.detachedModeTimeoutInSeconds).toBe(900);
    expect(listed.items.find((f) => f.id === functionId)?.detachedModeTimeoutInSeconds).toBe(900);
    expect(tooLong.statusCode).toBe(400);
    expect(kept.function.detachedModeTimeoutInSeconds).toBe(900);
  });

  it('creates a bucket with object events, refuses the same name twice, and updates its settings', async () => {
    // Prepare
    const namespaceName = (await clients.objects.getNamespace({})).value;
    // Act
    await clients.objects.createBucket({ namespaceName, createBucketDetails: { name: 'hr', compartmentId, objectEventsEnabled: true } });
    const twice = await failure(clients.objects.createBucket({ namespaceName, createBucketDetails: { name: 'hr', compartmentId } }));
    await clients.objects.updateBucket({ namespaceName, bucketName: 'hr', updateBucketDetails: { objectEventsEnabled: false } });
    const bucket = await clients.objects.getBucket({ namespaceName, bucketName: 'hr' });
    // Assess
    expect(twice.statusCode).toBe(409);
    expect(bucket.bucket).toMatchObject({ name: 'hr', compartmentId, objectEventsEnabled: false, publicAccessType: 'NoPublicAccess' });
  });
});
