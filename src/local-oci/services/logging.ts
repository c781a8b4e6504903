import type { LogGroupRecord, LogRecord } from '../control-plane-state';
import { ApiError, notFound, pageOf, type Route, requireString } from '../http';
import { makeOcid } from '../ocid';
import type { TenancyState } from '../state';

// Logging management API 20200531 (log groups, logs), shapes from oci-logging's models (LogGroup,
// Log, CreateLogDetails, OciService) and https://docs.oracle.com/en-us/iaas/api/#/en/logging-management/20200531/.
// Creates answer 201 with an `opc-work-request-id` and no body, as the SDK's CreateLogGroupResponse
// and CreateLogResponse expect; the caller finds the new resource by listing.

/**
 * Service logs the emulator accepts: OCI Functions invoke logs, whose resource is the application
 * (Oracle's "Details for Functions" logging reference: resource `applications`, category `invoke`).
 */
const SERVICE_LOG_CATEGORIES: Record<string, readonly string[]> = { functions: ['invoke'] };

function logGroupView(group: LogGroupRecord) {
  return {
    id: group.id,
    compartmentId: group.compartmentId,
    displayName: group.displayName,
    description: group.description,
    lifecycleState: 'ACTIVE',
    timeCreated: group.timeCreated.toISOString(),
    timeLastModified: group.timeCreated.toISOString(),
  };
}

function logView(log: LogRecord) {
  return {
    id: log.id,
    logGroupId: log.logGroupId,
    compartmentId: log.compartmentId,
    displayName: log.displayName,
    logType: log.logType,
    isEnabled: log.isEnabled,
    retentionDuration: log.retentionDuration,
    lifecycleState: 'ACTIVE',
    configuration: log.configuration,
    timeCreated: log.timeCreated.toISOString(),
    timeLastModified: log.timeCreated.toISOString(),
  };
}

export function loggingRoutes(state: TenancyState): Route[] {
  const { logGroups, logs } = state.controlPlane;
  const groupOf = (id: string | undefined) => {
    const group = logGroups.get(id ?? '');
    if (!group) throw notFound(`log group ${id}`);
    return group;
  };
  const accepted = (region: string) => ({ status: 201, headers: { 'opc-work-request-id': makeOcid('logworkrequest', region) } });
  return [
    {
      method: 'POST',
      pattern: /^\/20200531\/logGroups$/,
      service: 'logging',
      operation: 'CreateLogGroup',
      handle: (request) => {
        const body = request.json();
        const compartmentId = requireString(body, 'compartmentId');
        const displayName = requireString(body, 'displayName');
        // Log group names are unique in their compartment (Logging "Managing Log Groups").
        if ([...logGroups.values()].some((g) => g.compartmentId === compartmentId && g.displayName === displayName)) {
          throw new ApiError(409, 'Conflict', `A log group named ${displayName} already exists in the compartment`);
        }
        const group = {
          id: makeOcid('loggroup', request.region),
          compartmentId,
          displayName,
          ...(typeof body.description === 'string' ? { description: body.description } : {}),
          timeCreated: new Date(),
        };
        logGroups.set(group.id, group);
        return accepted(request.region);
      },
    },
    {
      method: 'GET',
      pattern: /^\/20200531\/logGroups$/,
      service: 'logging',
      operation: 'ListLogGroups',
      handle: ({ query }) => {
        const compartmentId = query.get('compartmentId');
        if (!compartmentId) throw new ApiError(400, 'InvalidParameter', 'compartmentId is required');
        const displayName = query.get('displayName');
        const items = [...logGroups.values()]
          .filter((g) => g.compartmentId === compartmentId && (displayName === null || g.displayName === displayName))
          .map(logGroupView);
        return pageOf(items, query);
      },
    },
    {
      method: 'POST',
      pattern: /^\/20200531\/logGroups\/([^/]+)\/logs$/,
      service: 'logging',
      operation: 'CreateLog',
      handle: (request) => {
        const group = groupOf(request.params[0]);
        const body = request.json();
        const displayName = requireString(body, 'displayName');
        const logType = requireString(body, 'logType');
        if (logType !== 'SERVICE' && logType !== 'CUSTOM') throw new ApiError(400, 'InvalidParameter', `Unknown logType ${logType}`);
        if ([...logs.values()].some((l) => l.logGroupId === group.id && l.displayName === displayName)) {
          throw new ApiError(409, 'Conflict', `A log named ${displayName} already exists in the log group`);
        }
        const configuration = body.configuration as LogRecord['configuration'];
        if (logType === 'SERVICE') {
          const source = configuration?.source;
          if (!source || source.sourceType !== 'OCISERVICE') {
            throw new ApiError(400, 'InvalidParameter', 'A SERVICE log needs configuration.source with sourceType OCISERVICE');
          }
          if (!SERVICE_LOG_CATEGORIES[source.service]?.includes(source.category)) {
            throw new ApiError(400, 'InvalidParameter', `Unknown service log category ${source.service}/${source.category}`);
          }
          if (!state.controlPlane.applications.has(source.resource)) {
            throw new ApiError(404, 'NotAuthorizedOrNotFound', `Application ${source.resource} not found`);
          }
          if (
            [...logs.values()].some(
              (l) => l.configuration?.source.resource === source.resource && l.configuration.source.category === source.category,
            )
          ) {
            // One service log per resource and category.
            throw new ApiError(409, 'Conflict', `A ${source.category} log already exists for ${source.resource}`);
          }
        }
        const log: LogRecord = {
          id: makeOcid('log', request.region),
          logGroupId: group.id,
          compartmentId: group.compartmentId,
          displayName,
          logType,
          isEnabled: body.isEnabled !== false,
          retentionDuration: typeof body.retentionDuration === 'number' ? body.retentionDuration : 30,
          ...(configuration ? { configuration } : {}),
          timeCreated: new Date(),
        };
        logs.set(log.id, log);
        return accepted(request.region);
      },
    },
    {
      method: 'GET',
      pattern: /^\/20200531\/logGroups\/([^/]+)\/logs$/,
      service: 'logging',
      operation: 'ListLogs',
      handle: (request) => {
        const group = groupOf(request.params[0]);
        const { query } = request;
        const displayName = query.get('displayName');
        const sourceResource = query.get('sourceResource');
        const items = [...logs.values()]
          .filter(
            (l) =>
              l.logGroupId === group.id &&
              (displayName === null || l.displayName === displayName) &&
              (sourceResource === null || l.configuration?.source.resource === sourceResource),
          )
          .map(logView);
        return pageOf(items, query);
      },
    },
    {
      method: 'PUT',
      pattern: /^\/20200531\/logGroups\/([^/]+)\/logs\/([^/]+)$/,
      service: 'logging',
      operation: 'UpdateLog',
      handle: (request) => {
        const group = groupOf(request.params[0]);
        const log = logs.get(request.params[1] ?? '');
        if (!log || log.logGroupId !== group.id) throw notFound(`log ${request.params[1]}`);
        const body = request.json();
        if (typeof body.isEnabled === 'boolean') log.isEnabled = body.isEnabled;
        if (typeof body.displayName === 'string') log.displayName = body.displayName;
        if (typeof body.retentionDuration === 'number') log.retentionDuration = body.retentionDuration;
        return { status: 202, headers: { 'opc-work-request-id': makeOcid('logworkrequest', request.region) } };
      },
    },
  ];
}
