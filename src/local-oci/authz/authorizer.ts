import { classicDirectory } from '../classic-directory';
import type { ApiRequest, Route } from '../http';
import type { Principal } from '../signature';
import type { TenancyState } from '../state';
import { type MatchingRule, parseMatchingRule, ruleMatches } from './matching-rule';
import { permissionsFor } from './operations';
import { RESOURCE_TYPE_GRANTS } from './permissions';
import type { Statement } from './policy-ast';
import { type Caller, type CompartmentTree, type Decision, decide, type NearMiss, type PolicyStatement } from './policy-engine';
import { readStatement } from './policy-language';
import { requestContext } from './request-context';
import { tagNamespacesSetBy } from './tag-namespaces';

/** A call the local OCI refused for want of a policy, kept so an administrator can see what to grant. */
export interface Denial {
  readonly at: Date;
  readonly service: string;
  readonly operation: string;
  readonly caller: string;
  /** `no-statement`: no statement grants it; `unmapped`: the local OCI does not know the operation's permissions. */
  readonly reason: 'no-statement' | 'unmapped';
  /** Each entry: any one of these permissions was needed. */
  readonly missing: readonly (readonly string[])[];
  readonly compartmentId: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly nearMisses: readonly NearMiss[];
  /** A statement that would have allowed the call. */
  readonly suggestion: string;
}

export type AuthorizationResult = { readonly allowed: true } | { readonly allowed: false; readonly denial: Denial };

/** How many denials are kept; older ones are dropped (memory stays bounded). */
const MAX_DENIALS = 500;

/**
 * Authorizes calls against the tenancy's groups, dynamic groups and policies. The administrator's
 * API key is not evaluated: it stands for a member of the Default domain's Administrators group,
 * which may do anything and which deny statements never reach ("Deny Policies"). Every other user is
 * decided by the groups it is a member of.
 */
export class Authorizer {
  private readonly parsedStatements = new Map<string, Statement | null>();
  private readonly parsedRules = new Map<string, MatchingRule | null>();
  private readonly kept: Denial[] = [];
  private readonly listeners = new Set<(denial: Denial) => void>();

  constructor(
    private readonly state: TenancyState,
    private readonly adminUserId: string,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** Every denial since start (or the last clear), oldest first. */
  denials(): readonly Denial[] {
    return [...this.kept];
  }

  clearDenials(): void {
    this.kept.length = 0;
  }

  /** Calls `listener` with each denial as it happens; returns the way to stop. */
  onDenial(listener: (denial: Denial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Decides one call; a denial is kept and described. */
  authorize(route: Route, request: ApiRequest, principal: Principal): AuthorizationResult {
    if (principal.kind === 'user' && principal.id === this.adminUserId) return { allowed: true };
    const caller = this.callerOf(principal);
    const context = requestContext(this.state, route.service, route.operation, request);
    const needs = permissionsFor(route.service, route.operation);
    if (!needs) {
      const denial: Denial = {
        at: new Date(),
        service: route.service,
        operation: route.operation,
        caller: `${caller.type} ${caller.id}`,
        reason: 'unmapped',
        missing: [],
        compartmentId: context.compartmentId,
        variables: context.variables,
        nearMisses: [],
        suggestion: `map ${route.service}:${route.operation} to its permissions in src/local-oci/authz/operations.ts`,
      };
      this.warn(JSON.stringify({ level: 'warn', msg: 'local-oci: operation has no permission mapping, denied', ...denial }));
      return this.keep(denial);
    }
    const requires = context.targetExists && needs.whenTargetExists ? needs.whenTargetExists : needs.requires;
    if (requires.length === 0 || context.bucketMissing) return { allowed: true };
    const regionKey = this.state.regions.find((r) => r.regionName === request.region)?.regionKey;
    const decision: Decision = decide(
      caller,
      this.statements(),
      {
        operation: route.operation,
        requires,
        compartmentId: context.compartmentId,
        variables: context.variables,
        ...(regionKey ? { regionKey } : {}),
      },
      this.tree(),
    );
    if (decision.allowed) return this.authorizeTagNamespaces(route, request, caller);
    if (route.service === 'identitydomains' && this.managesDomain(caller, route.operation, context)) {
      return this.authorizeTagNamespaces(route, request, caller);
    }
    return this.keepRefusal(route, caller, decision, context.compartmentId, context.variables);
  }

  /**
   * Whether the caller holds `manage domains` where the domain is: Oracle's "Managing Users" and
   * "Managing Groups" (identity domains) let "a member of a group granted manage domains" manage a
   * domain's users and groups, besides the users/groups grants "Details for IAM with Identity
   * Domains" scopes with target.resource.domain.name. Every permission manage adds over use on
   * domains must be granted, so `use domains` or a permission list short of manage is not enough.
   */
  private managesDomain(caller: Caller, operation: string, context: ReturnType<typeof requestContext>): boolean {
    const domains = RESOURCE_TYPE_GRANTS.domains;
    if (!domains) return false;
    const manageOnly = domains.manage.map((permission) => [permission]);
    return decide(
      caller,
      this.statements(),
      { operation, requires: manageOnly, compartmentId: context.compartmentId, variables: context.variables },
      this.tree(),
    ).allowed;
  }

  /** Keeps a call no statement allows, with what would have allowed it. */
  private keepRefusal(
    route: Route,
    caller: Caller,
    decision: Extract<ReturnType<typeof decide>, { allowed: false }>,
    compartmentId: Denial['compartmentId'],
    variables: Denial['variables'],
  ): AuthorizationResult {
    return this.keep({
      at: new Date(),
      service: route.service,
      operation: route.operation,
      caller: `${caller.type} ${caller.id}`,
      reason: 'no-statement',
      missing: decision.missing,
      compartmentId,
      variables,
      nearMisses: decision.nearMisses,
      suggestion: decision.suggestion,
    });
  }

  /** A call setting defined tags also needs `use tag-namespaces` on each namespace it names. */
  private authorizeTagNamespaces(route: Route, request: ApiRequest, caller: Caller): AuthorizationResult {
    for (const name of tagNamespacesSetBy(request)) {
      const namespace = [...this.state.controlPlane.tagNamespaces.values()].find((n) => n.name === name);
      const compartmentId = namespace?.compartmentId ?? this.state.tenancy.id;
      const variables = { 'target.tag-namespace.name': name, 'target.compartment.id': compartmentId };
      const requires = [['TAG_NAMESPACE_USE']];
      const decision = decide(caller, this.statements(), { operation: route.operation, requires, compartmentId, variables }, this.tree());
      if (decision.allowed) continue;
      return this.keepRefusal(route, caller, decision, compartmentId, variables);
    }
    return { allowed: true };
  }

  private keep(denial: Denial): AuthorizationResult {
    this.kept.push(denial);
    if (this.kept.length > MAX_DENIALS) this.kept.shift();
    for (const listener of this.listeners) listener(denial);
    return { allowed: false, denial };
  }

  /** The caller's facts: a user's name and groups, or the dynamic groups whose matching rules it satisfies. */
  private callerOf(principal: Principal): Caller {
    if (principal.kind === 'user') return this.userCaller(principal.id);
    const subject = { type: principal.resourceType ?? 'unknown', id: principal.id, compartmentId: principal.compartmentId ?? '' };
    const dynamicGroups = [...this.state.dynamicGroups.values()].filter((group) => {
      const rule = this.rule(group.matchingRule);
      return rule !== null && ruleMatches(rule, subject);
    });
    return { ...subject, dynamicGroups: dynamicGroups.map((g) => ({ id: g.id, name: g.name })) };
  }

  /** A user, in the tenancy (users live in the root compartment), with the groups it is a member of. */
  private userCaller(id: string): Caller {
    const base = { type: 'user', id, compartmentId: this.state.tenancy.id, dynamicGroups: [] };
    const directory = classicDirectory(this.state);
    const classic = directory.user(id);
    if (classic) {
      const groups = directory.membershipsOf({ userId: classic.id }).flatMap((m) => {
        const group = directory.group(m.groupId);
        return group ? [{ id: group.id, name: group.name, domain: directory.domainName }] : [];
      });
      return { ...base, userName: classic.name, groups };
    }
    // A user of an identity domain other than Default: its groups are that domain's.
    const inDomain = this.state.domainUserOf(id);
    if (!inDomain) return base;
    const groups = [...inDomain.domain.groups.values()]
      .filter((g) => g.members.has(inDomain.user.id))
      .map((g) => ({ id: g.ocid, name: g.displayName, domain: inDomain.domain.name }));
    return { ...base, id: inDomain.user.ocid, userName: inDomain.user.userName, groups };
  }

  private rule(text: string): MatchingRule | null {
    if (!this.parsedRules.has(text)) {
      try {
        this.parsedRules.set(text, parseMatchingRule(text));
      } catch {
        this.parsedRules.set(text, null);
      }
    }
    return this.parsedRules.get(text) ?? null;
  }

  private statement(text: string): Statement | null {
    if (!this.parsedStatements.has(text)) {
      try {
        this.parsedStatements.set(text, readStatement(text));
      } catch {
        // OCI accepted it at write time; a statement this parser cannot read grants nothing here.
        this.parsedStatements.set(text, null);
      }
    }
    return this.parsedStatements.get(text) ?? null;
  }

  private statements(): PolicyStatement[] {
    const result: PolicyStatement[] = [];
    for (const policy of this.state.policies.values()) {
      const parsed = policy.statements.map((text) => ({ text, statement: this.statement(text) }));
      const aliases = new Map<string, string>();
      for (const { statement } of parsed) {
        if (statement?.kind === 'define' && statement.what === 'dynamic-group') aliases.set(statement.alias.toLowerCase(), statement.ocid);
      }
      for (const { text, statement } of parsed) {
        if (statement && (statement.kind === 'allow' || statement.kind === 'deny')) {
          result.push({
            policyId: policy.id,
            policyName: policy.name,
            policyCompartmentId: policy.compartmentId,
            text,
            statement,
            aliases,
          });
        }
      }
    }
    return result;
  }

  private tree(): CompartmentTree {
    const state = this.state;
    return {
      tenancyId: state.tenancy.id,
      parentOf: (id) => (id === state.tenancy.id ? undefined : (state.compartments.get(id)?.parentId ?? undefined)),
      resolvePath: (path, fromId) => state.resolveCompartmentPath(path.join(':'), fromId)?.id,
    };
  }
}
