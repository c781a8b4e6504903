// The words of the OCI policy language, from Oracle's "Policy Syntax", "Verbs", "Resources",
// "Advanced Policy Features" and "Cross-Tenancy Access Policies" pages (docs.oracle.com/iaas/Content/Identity/).

import { POLICY_REFERENCE } from './resource-types';
import { SERVICE_PAGES } from './service-pages';

export const VERBS = ['inspect', 'read', 'use', 'manage'] as const;
export type Verb = (typeof VERBS)[number];

/** Every resource type and family Oracle documents; an unknown one is a warning (most likely a typo). */
export const RESOURCE_TYPES: ReadonlySet<string> = new Set(
  [...POLICY_REFERENCE, ...SERVICE_PAGES].flatMap((service) => [
    ...service.types,
    ...Object.keys(service.families),
    ...Object.values(service.families).flat(),
  ]),
);

export const START_WORDS = ['allow', 'deny', 'define', 'endorse', 'admit'] as const;
export const SUBJECT_WORDS = ['group', 'dynamic-group', 'any-user', 'any-group', 'service', 'resource'] as const;
export const CONDITION_OPERATORS = ['=', '!=', 'in', 'not in', 'before', 'after', 'between', 'sets-intersect'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];
/**
 * Functions a condition may call. `sets-intersect(<variable>, (<values>))` is how Oracle's OCI Landing
 * Zones (operating-entities blueprint) grant by compartment tag.
 */
export const CONDITION_FUNCTIONS = ['sets-intersect'] as const;
