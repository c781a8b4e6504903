import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { renderName } from '../core/policy/parser';
import type { DirectoryGroup, DirectoryUser, IdentityDirectory } from '../core/ports';
import { OciCallError } from '../support/errors';
import { type CallPolicy, callOci, createOrFind } from './call';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const USER_EXTENSION = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PASSWORD_CHANGER_SCHEMA = 'urn:ietf:params:scim:schemas:oracle:idcs:UserPasswordChanger';
/** Requested explicitly: the password state is returned only on request, and naming attributes drops `ocid` unless named. */
const USER_ATTRIBUTES =
  'ocid,userName,externalId,description,emails,name,urn:ietf:params:scim:schemas:oracle:idcs:extension:passwordState:User:lastSuccessfulSetDate';

/**
 * A SCIM string literal: a JSON string, so a quote or a backslash in a name stays inside the value and
 * cannot change the filter. The SDK then puts the filter in the URL as it is (it does not encode query
 * values), so it is percent-encoded here as well.
 */
export function scimFilter(attribute: string, value: string): string {
  return encodeURIComponent(`${attribute} eq ${JSON.stringify(value)}`);
}

function toUser(user: models.User): DirectoryUser {
  // The SDK maps the URN-named extension to this field; lastSuccessfulSetDate is absent until a password is set.
  const passwordSet = user.urnIetfParamsScimSchemasOracleIdcsExtensionPasswordStateUser?.lastSuccessfulSetDate;
  return {
    id: user.id ?? '',
    ocid: user.ocid ?? user.id ?? '',
    name: user.userName,
    email: user.emails?.find((e) => e.primary)?.value ?? user.emails?.[0]?.value,
    description: user.description ?? '',
    employeeId: user.externalId,
    freeformTags: undefined,
    hasPassword: Boolean(passwordSet),
  };
}
const toGroup = (group: models.Group): DirectoryGroup => ({
  id: group.id ?? '',
  ocid: group.ocid ?? group.id ?? '',
  name: group.displayName,
});

/**
 * Users, groups and memberships in an identity domain, through the Identity Domains (SCIM) API; policies
 * stay in the classic API (`policies`). The new user's initial password is the Vault bootstrap password.
 */
export function domainDirectory(
  client: IdentityDomainsClient,
  policies: Pick<IdentityDirectory, 'findPolicy' | 'createPolicy' | 'updatePolicy'>,
  options: { domainName: string; welcomeEmail: boolean },
  policy: CallPolicy,
): IdentityDirectory {
  // A create answered 409 lost a race with a concurrent delivery: read what is there instead.
  const isConflict = (error: OciCallError) => error.status === 409;

  const directory: IdentityDirectory = {
    kind: 'domain',
    userNameRule: { pattern: /^[^\s\p{Cc}]{1,100}$/u, description: 'user names are 1-100 characters without spaces or control characters' },
    groupReference: (name) =>
      options.domainName.toLowerCase() === 'default' ? name : `${renderName(options.domainName)}/${renderName(name)}`,
    async findUserByName(name) {
      const response = await callOci(
        'ListUsers',
        () => client.listUsers({ filter: scimFilter('userName', name), attributes: USER_ATTRIBUTES, count: 2 }),
        policy,
      );
      const found = (response.users.resources ?? []).find((u) => u.userName.toLowerCase() === name.toLowerCase());
      return found && toUser(found);
    },
    createUser(spec, initialPassword) {
      return createOrFind(
        async () => {
          const response = await callOci(
            'CreateUser',
            () =>
              client.createUser({
                attributes: USER_ATTRIBUTES,
                user: {
                  schemas: [USER_SCHEMA, USER_EXTENSION],
                  userName: spec.name,
                  externalId: spec.employeeId,
                  description: spec.description,
                  displayName: `${spec.givenName} ${spec.familyName}`,
                  name: { givenName: spec.givenName, familyName: spec.familyName },
                  emails: [{ value: spec.email, type: 'work' as models.UserEmails.Type, primary: true }],
                  // The only place the bootstrap password is ever written: the SCIM password field of this request.
                  ...(initialPassword ? { password: initialPassword.reveal() } : {}),
                  urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { bypassNotification: !options.welcomeEmail },
                },
              }),
            policy,
          );
          return toUser(response.user);
        },
        () => directory.findUserByName(spec.name),
        isConflict,
      );
    },
    async updateUser(id, changes) {
      const operations: models.Operations[] = [];
      if (changes.description !== undefined)
        operations.push({ op: 'replace' as models.Operations.Op, path: 'description', value: changes.description });
      if (changes.email !== undefined)
        operations.push({
          op: 'replace' as models.Operations.Op,
          path: 'emails',
          value: [{ value: changes.email, type: 'work', primary: true }],
        });
      const response = await callOci(
        'PatchUser',
        () => client.patchUser({ userId: id, attributes: USER_ATTRIBUTES, patchOp: { schemas: [PATCH_SCHEMA], operations } }),
        policy,
      );
      return toUser(response.user);
    },
    async findGroupByName(name) {
      const response = await callOci('ListGroups', () => client.listGroups({ filter: scimFilter('displayName', name), count: 2 }), policy);
      const found = (response.groups.resources ?? []).find((g) => g.displayName.toLowerCase() === name.toLowerCase());
      return found && toGroup(found);
    },
    createGroup(spec) {
      return createOrFind(
        async () => {
          const response = await callOci(
            'CreateGroup',
            () =>
              client.createGroup({
                group: {
                  schemas: [GROUP_SCHEMA],
                  displayName: spec.name,
                  urnIetfParamsScimSchemasOracleIdcsExtensionGroupGroup: { description: spec.description },
                },
              }),
            policy,
          );
          return toGroup(response.group);
        },
        () => directory.findGroupByName(spec.name),
        isConflict,
      );
    },
    async groupIdsOfUser(userId) {
      const response = await callOci('GetUser', () => client.getUser({ userId, attributes: 'groups' }), policy);
      return new Set((response.user.groups ?? []).map((g) => g.value));
    },
    async addUserToGroup(userId, groupId) {
      try {
        await callOci(
          'PatchGroup',
          () =>
            client.patchGroup({
              groupId,
              patchOp: {
                schemas: [PATCH_SCHEMA],
                operations: [{ op: 'add' as models.Operations.Op, path: 'members', value: [{ value: userId, type: 'User' }] }],
              },
            }),
          policy,
        );
      } catch (error) {
        // A concurrent delivery added the member first: the domain answers 409 duplicateMultivaluedResource,
        // but the SDK keeps only "Conflict" of a SCIM error body, so the membership itself is the proof.
        if (error instanceof OciCallError && error.status === 409 && (await directory.groupIdsOfUser(userId)).has(groupId)) {
          return { added: false };
        }
        throw error;
      }
      return { added: true };
    },
    findPolicy: (compartmentId, name) => policies.findPolicy(compartmentId, name),
    createPolicy: (spec, flags) => policies.createPolicy(spec, flags),
    updatePolicy: (id, spec, flags) => policies.updatePolicy(id, spec, flags),
    passwords: {
      async setPassword(userId, password) {
        await callOci(
          'PutUserPasswordChanger',
          () =>
            client.putUserPasswordChanger({
              userPasswordChangerId: userId,
              userPasswordChanger: {
                schemas: [PASSWORD_CHANGER_SCHEMA],
                password: password.reveal(),
                bypassNotification: !options.welcomeEmail,
              },
            }),
          policy,
        );
      },
    },
  };
  return directory;
}
