// The control-plane resources an administrator sets up around the function (ONS subscriptions,
// Events rules, Logging, Functions applications, bucket settings), kept apart from the IAM state.

type Tags = Record<string, string>;
type DefinedTags = Record<string, Record<string, unknown>>;

export interface SubscriptionRecord {
  id: string;
  topicId: string;
  compartmentId: string;
  protocol: string;
  endpoint: string;
  /** E-mail subscriptions stay PENDING until the recipient confirms (Notifications overview). */
  lifecycleState: 'PENDING' | 'ACTIVE';
  createdTime: number;
}
export interface RuleAction {
  id: string;
  actionType: 'ONS' | 'OSS' | 'FAAS';
  isEnabled: boolean;
  description?: string;
  functionId?: string;
  topicId?: string;
  streamId?: string;
}
export interface RuleRecord {
  id: string;
  displayName: string;
  description?: string;
  compartmentId: string;
  condition: string;
  isEnabled: boolean;
  actions: RuleAction[];
  timeCreated: Date;
  freeformTags: Tags;
  definedTags: DefinedTags;
}
export interface LogGroupRecord {
  id: string;
  compartmentId: string;
  displayName: string;
  description?: string;
  timeCreated: Date;
}
export interface LogRecord {
  id: string;
  logGroupId: string;
  compartmentId: string;
  displayName: string;
  logType: 'SERVICE' | 'CUSTOM';
  isEnabled: boolean;
  retentionDuration: number;
  configuration?: { compartmentId?: string; source: { sourceType: string; service: string; resource: string; category: string } };
  timeCreated: Date;
}
export interface ApplicationRecord {
  id: string;
  compartmentId: string;
  displayName: string;
  subnetIds: string[];
  config: Record<string, string>;
  timeCreated: Date;
}
export interface FunctionRecord {
  id: string;
  applicationId: string;
  compartmentId: string;
  displayName: string;
  image: string;
  memoryInMBs: number;
  timeoutInSeconds: number;
  /** Function.detachedModeTimeoutInSeconds; unset until an update gives it (detached invocations then get timeoutInSeconds). */
  detachedModeTimeoutInSeconds?: number;
  config: Record<string, string>;
  timeCreated: Date;
  timeUpdated: Date;
}
export interface BucketSettings {
  name: string;
  compartmentId: string;
  objectEventsEnabled: boolean;
  publicAccessType: 'NoPublicAccess' | 'ObjectRead' | 'ObjectReadWithoutList';
  storageTier: 'Standard' | 'Archive';
  versioning: 'Enabled' | 'Disabled';
  etag: string;
  timeCreated: Date;
  freeformTags: Tags;
  definedTags: DefinedTags;
}

export interface TagNamespaceRecord {
  id: string;
  compartmentId: string;
  name: string;
  description: string;
  timeCreated: Date;
}
export interface TagRecord {
  id: string;
  tagNamespaceId: string;
  name: string;
  description: string;
  timeCreated: Date;
}
export interface TagDefaultRecord {
  id: string;
  compartmentId: string;
  tagDefinitionId: string;
  value: string;
  /** The creator of a resource must give the tag a value (the default's value is not applied). */
  isRequired: boolean;
  timeCreated: Date;
}

/** Control-plane resources of the local tenancy; tests read and seed it directly. */
export class ControlPlaneState {
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly rules = new Map<string, RuleRecord>();
  readonly logGroups = new Map<string, LogGroupRecord>();
  readonly logs = new Map<string, LogRecord>();
  readonly applications = new Map<string, ApplicationRecord>();
  readonly functions = new Map<string, FunctionRecord>();
  /** Bucket settings by bucket name (the objects themselves are in `TenancyState.buckets`). */
  readonly buckets = new Map<string, BucketSettings>();
  readonly tagNamespaces = new Map<string, TagNamespaceRecord>();
  readonly tags = new Map<string, TagRecord>();
  readonly tagDefaults = new Map<string, TagDefaultRecord>();
}
