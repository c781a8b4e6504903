import { ApiError, notFound, type Route } from '../http';
import type { SecretRecord, TenancyState } from '../state';

// Vault secret retrieval API 20190301 (service "secrets"):
// https://docs.oracle.com/en-us/iaas/api/#/en/secretretrieval/20190301/

function bundle(secret: SecretRecord, query: URLSearchParams) {
  const stage = query.get('stage') ?? 'CURRENT';
  const versionNumber = query.get('versionNumber');
  const version = versionNumber
    ? secret.versions.find((v) => v.versionNumber === Number(versionNumber))
    : secret.versions.find((v) => v.stages.includes(stage));
  if (!version) throw notFound(`secret ${secret.id} version`);
  return {
    status: 200,
    body: {
      secretId: secret.id,
      versionNumber: version.versionNumber,
      timeCreated: version.timeCreated.toISOString(),
      stages: version.stages,
      secretBundleContent: { contentType: 'BASE64', content: version.content.toString('base64') },
    },
  };
}

export function secretsRoutes(state: TenancyState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/20190301\/secretbundles\/([^/]+)$/,
      service: 'secrets',
      operation: 'GetSecretBundle',
      handle: ({ params, query }) => bundle(state.secrets.get(params[0] ?? '') ?? throwError(notFound(`secret ${params[0]}`)), query),
    },
    {
      method: 'POST',
      pattern: /^\/20190301\/secretbundles\/actions\/getByName$/,
      service: 'secrets',
      operation: 'GetSecretBundleByName',
      handle: ({ query }) => {
        const name = query.get('secretName');
        const vaultId = query.get('vaultId');
        if (!name || !vaultId) throw new ApiError(400, 'InvalidParameter', 'secretName and vaultId are required');
        const secret = [...state.secrets.values()].find((s) => s.name === name && s.vaultId === vaultId);
        return bundle(secret ?? throwError(notFound(`secret ${name}`)), query);
      },
    },
  ];
}

function throwError(error: Error): never {
  throw error;
}
