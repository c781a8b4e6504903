import { z } from 'zod';

// OCI tags as the function writes them on users, groups and policies: defined tags
// (`{"Namespace": {"key": "value"}}`) and freeform tags (`{"key": "value"}`).
//
// Limits, read from Oracle's "Tagging Overview" (Tag Limits) and "Managing Tag Namespaces" /
// "Managing Tag Key Definitions" (not checked against a live tenancy): namespace and key names are
// 1-100 characters without spaces or periods, a value at most 256 characters, at most 64 tags on one
// resource; names of namespaces and keys are case-insensitive, so they are compared without case here.

const MAX_NAME = 100;
const MAX_VALUE = 256;
/** At most this many tags on one resource (defined and freeform together). */
export const MAX_TAGS_PER_RESOURCE = 64;

const tagName = (what: string) =>
  z
    .string()
    .min(1, `a ${what} is 1-${MAX_NAME} characters`)
    .max(MAX_NAME, `a ${what} is 1-${MAX_NAME} characters`)
    .regex(/^[^\s.]+$/, `a ${what} cannot contain spaces or periods`);
const tagValue = z.string().max(MAX_VALUE, `a tag value is at most ${MAX_VALUE} characters`);

/** Defined tags: namespace → key → value, every name as OCI allows it. */
export const definedTagsSchema = z
  .record(tagName('tag namespace name'), z.record(tagName('tag key'), tagValue))
  .refine((tags) => Object.values(tags).every((keys) => Object.keys(keys).length > 0), 'a namespace needs at least one key');
/** Freeform tags: key → value. */
export const freeformTagsSchema = z.record(z.string().min(1).max(MAX_NAME, `a freeform tag key is 1-${MAX_NAME} characters`), tagValue);

export type DefinedTags = Readonly<Record<string, Readonly<Record<string, string>>>>;
export type FreeformTags = Readonly<Record<string, string>>;

/** The tags a group or a policy must carry (others on the resource are left alone). */
export interface ResourceTags {
  readonly definedTags: DefinedTags;
  readonly freeformTags: FreeformTags;
}
/** The tags a resource carries, as read; `undefined` where the directory did not read them. */
export interface ObservedTags {
  readonly definedTags?: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined;
  readonly freeformTags?: FreeformTags | undefined;
}

const find = <T>(record: Readonly<Record<string, T>> | undefined, name: string): [string, T] | undefined =>
  Object.entries(record ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());

/** `over` laid on `base`, key by key (a key of `over` wins); namespaces and keys matched without case. */
export function mergeDefinedTags(base: DefinedTags | undefined, over: DefinedTags | undefined): DefinedTags {
  const merged: Record<string, Record<string, string>> = {};
  for (const source of [base ?? {}, over ?? {}]) {
    for (const [namespace, keys] of Object.entries(source)) {
      const name = find(merged, namespace)?.[0] ?? namespace;
      const target = { ...merged[name] };
      for (const [key, value] of Object.entries(keys)) {
        const existing = find(target, key)?.[0];
        if (existing !== undefined) delete target[existing];
        target[key] = value;
      }
      merged[name] = target;
    }
  }
  return merged;
}

/** The number of tags in a set, for the per-resource limit. */
export const tagCount = (tags: ResourceTags) =>
  Object.values(tags.definedTags).reduce((n, keys) => n + Object.keys(keys).length, 0) + Object.keys(tags.freeformTags).length;

/**
 * Which kinds of tag differ: a desired tag missing on the resource or with another value. Tags the
 * resource has beyond those (a tag default's, an administrator's, OCI's own `Oracle-Tags`) are no drift.
 */
export function tagDrift(desired: ResourceTags, observed: ObservedTags): ('definedTags' | 'freeformTags')[] {
  const drift: ('definedTags' | 'freeformTags')[] = [];
  if (observed.definedTags !== undefined) {
    const differs = Object.entries(desired.definedTags).some(([namespace, keys]) => {
      const found = find(observed.definedTags, namespace)?.[1];
      return Object.entries(keys).some(([key, value]) => {
        const have = find(found, key);
        return have === undefined || String(have[1]) !== value;
      });
    });
    if (differs) drift.push('definedTags');
  }
  if (observed.freeformTags !== undefined) {
    if (Object.entries(desired.freeformTags).some(([key, value]) => observed.freeformTags?.[key] !== value)) drift.push('freeformTags');
  }
  return drift;
}

/** The whole tag set to write on a resource: what it has, with the desired tags laid over it (an update replaces both sets). */
export function retagged(desired: ResourceTags, observed: ObservedTags): ResourceTags {
  const has: Record<string, Record<string, string>> = {};
  for (const [namespace, keys] of Object.entries(observed.definedTags ?? {})) {
    has[namespace] = Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, String(value)]));
  }
  return {
    definedTags: mergeDefinedTags(has, desired.definedTags),
    freeformTags: { ...observed.freeformTags, ...desired.freeformTags },
  };
}

/** Whether two tag sets are the same for `tagDrift` in both directions (used to check that roles sharing a group agree). */
export function sameTags(a: ResourceTags, b: ResourceTags): boolean {
  return tagDrift(a, b).length === 0 && tagDrift(b, a).length === 0;
}
