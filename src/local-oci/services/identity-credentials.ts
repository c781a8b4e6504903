import type { ClassicDirectory } from '../classic-directory';
import { notFound, pageOf, type Route } from '../http';
import type { CredentialRecord, TenancyState, UserRecord } from '../state';

// The classic Identity API's (20160918) credential routes of a user.

export type RouteMaker = (method: Route['method'], path: string, operation: string, handle: Route['handle'], iamWrite?: boolean) => Route;

/**
 * Auth tokens, customer secret keys, SMTP credentials and OAuth 2.0 client credentials: listed and deleted
 * under the user, at the SDK's paths (`/users/{userId}/authTokens/{authTokenId}`, …), in the shapes of its
 * summary models (AuthToken, CustomerSecretKeySummary, SmtpCredentialSummary, OAuth2ClientCredentialSummary).
 */
export function credentialRoutes(
  state: TenancyState,
  directory: ClassicDirectory,
  user: (id: string | undefined) => UserRecord,
  route: RouteMaker,
): Route[] {
  const kinds = [
    ['authTokens', 'AuthTokens', 'AuthToken'],
    ['customerSecretKeys', 'CustomerSecretKeys', 'CustomerSecretKey'],
    ['smtpCredentials', 'SmtpCredentials', 'SmtpCredential'],
    ['oauth2ClientCredentials', 'OAuthClientCredentials', 'OAuthClientCredential'],
  ] as const;
  const view = (c: CredentialRecord) => ({
    id: c.id,
    userId: c.userId,
    timeCreated: c.timeCreated.toISOString(),
    lifecycleState: 'ACTIVE',
    ...(c.kind === 'customerSecretKeys' ? { displayName: c.description } : { description: c.description }),
    ...(c.kind === 'smtpCredentials' ? { username: `ocid1.user.oc1..${c.id.slice(-8)}@local` } : {}),
    ...(c.kind === 'oauth2ClientCredentials' ? { name: c.description, compartmentId: state.tenancy.id, scopes: [] } : {}),
  });
  return kinds.flatMap(([path, plural, singular]) => [
    route('GET', `/users/([^/]+)/${path}`, `List${plural}`, (request) => {
      const owner = user(request.params[0]);
      const items = directory.credentials(owner.id, path).map(view);
      return path === 'oauth2ClientCredentials' ? pageOf(items, request.query) : { status: 200, body: items };
    }),
    route(
      'DELETE',
      `/users/([^/]+)/${path}/([^/]+)`,
      `Delete${singular}`,
      ({ params }) => {
        const owner = user(params[0]);
        if (!directory.deleteCredential(owner.id, path, params[1] ?? '')) throw notFound(`${singular} ${params[1]}`);
        return { status: 204 };
      },
      true,
    ),
  ]);
}
