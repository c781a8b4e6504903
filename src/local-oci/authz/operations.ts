// The permissions each emulated operation needs, from the "Permissions Required for Each API
// Operation" tables of Oracle's Policy Reference (pages named in permissions.ts). Each inner list is
// "any one of these"; every inner list must be satisfied. Operations of the Identity Domains (SCIM)
// API are not in those tables: they are mapped to the classic operation that does the same thing
// (assumed; Oracle documents that `manage users|groups … where target.resource.domain.name = '…'`
// governs a domain's users and groups, not the per-operation permissions).

/** What an operation needs. */
export interface OperationPermissions {
  /** All of these, each satisfied by any one of its permissions. */
  readonly requires: readonly (readonly string[])[];
  /** PutObject: OBJECT_OVERWRITE instead of OBJECT_CREATE when the object exists. */
  readonly whenTargetExists?: readonly (readonly string[])[];
  /** Why the mapping is what it is, where the page does not say it in so many words. */
  readonly note?: string;
}

const need = (...permissions: string[]): OperationPermissions => ({ requires: permissions.map((p) => p.split('|')) });

/** By `service:Operation`, as the local OCI's routes name them. */
export const OPERATION_PERMISSIONS: Readonly<Record<string, OperationPermissions>> = {
  // Identity, classic API (iampolicyreference.htm)
  'identity:GetTenancy': need('TENANCY_INSPECT'),
  'identity:ListRegionSubscriptions': need('TENANCY_INSPECT'),
  'identity:GetCompartment': need('COMPARTMENT_INSPECT'),
  'identity:ListCompartments': need('COMPARTMENT_INSPECT'),
  'identity:ListUsers': need('USER_INSPECT'),
  'identity:GetUser': need('USER_INSPECT'),
  'identity:CreateUser': need('USER_CREATE'),
  'identity:UpdateUser': need('USER_UPDATE'),
  'identity:UpdateUserCapabilities': {
    ...need('USER_UPDATE'),
    note: 'not in the table; assumed USER_UPDATE, like UpdateUser',
  },
  'identity:DeleteUser': need('USER_DELETE'),
  'identity:CreateOrResetUIPassword': need('USER_UPDATE', 'USER_UIPASS_RESET'),
  'identity:GetUserUIPasswordInformation': { ...need('USER_READ'), note: 'not in the table; assumed USER_READ, like ListApiKeys' },
  'identity:ListApiKeys': need('USER_READ'),
  'identity:DeleteApiKey': need('USER_UPDATE', 'USER_APIKEY_REMOVE'),
  // The table: UpdateUserState needs USER_UPDATE and USER_UNBLOCK (iampolicyreference.htm).
  'identity:UpdateUserState': need('USER_UPDATE', 'USER_UNBLOCK'),
  // Credentials of a user (iampolicyreference.htm, "users" and "credentials"): lists read the user,
  // each delete needs its own REMOVE permission; SMTP credentials belong to the credentials resource.
  'identity:ListAuthTokens': need('USER_READ'),
  'identity:DeleteAuthToken': need('USER_UPDATE', 'USER_AUTHTOKEN_REMOVE'),
  'identity:ListCustomerSecretKeys': need('USER_READ'),
  'identity:DeleteCustomerSecretKey': need('USER_UPDATE', 'USER_SECRETKEY_REMOVE'),
  'identity:ListSmtpCredentials': need('CREDENTIAL_INSPECT'),
  'identity:DeleteSmtpCredential': need('CREDENTIAL_REMOVE'),
  'identity:ListOAuthClientCredentials': need('USER_READ'),
  'identity:DeleteOAuthClientCredential': need('USER_UPDATE', 'USER_OAUTH2_CLIENT_CRED_REMOVE'),
  'identity:ListGroups': need('GROUP_INSPECT'),
  'identity:GetGroup': need('GROUP_INSPECT'),
  'identity:CreateGroup': need('GROUP_CREATE'),
  'identity:UpdateGroup': need('GROUP_UPDATE'),
  'identity:DeleteGroup': need('GROUP_DELETE'),
  'identity:AddUserToGroup': need('GROUP_UPDATE', 'USER_UPDATE'),
  'identity:RemoveUserFromGroup': need('GROUP_UPDATE', 'USER_UPDATE'),
  'identity:ListUserGroupMemberships': need('GROUP_INSPECT', 'USER_INSPECT'),
  'identity:GetUserGroupMembership': need('GROUP_INSPECT', 'USER_INSPECT'),
  'identity:ListPolicies': need('POLICY_READ'),
  'identity:GetPolicy': need('POLICY_READ'),
  'identity:CreatePolicy': need('POLICY_CREATE'),
  'identity:UpdatePolicy': need('POLICY_UPDATE'),
  'identity:DeletePolicy': need('POLICY_DELETE'),
  'identity:ListDynamicGroups': need('DYNAMIC_GROUP_INSPECT'),
  'identity:GetDynamicGroup': need('DYNAMIC_GROUP_INSPECT'),
  'identity:CreateDynamicGroup': need('DYNAMIC_GROUP_CREATE'),
  'identity:UpdateDynamicGroup': need('DYNAMIC_GROUP_UPDATE'),
  'identity:DeleteDynamicGroup': need('DYNAMIC_GROUP_DELETE'),
  'identity:CreateTagNamespace': need('TAG_NAMESPACE_CREATE'),
  'identity:CreateTag': need('TAG_NAMESPACE_USE'),
  'identity:CreateTagDefault': need('TAG_DEFAULT_CREATE'),
  'identity:ListTagDefaults': need('TAG_DEFAULT_INSPECT', 'TAG_NAMESPACE_READ'),

  // Identity Domains (SCIM): mapped to the classic operation that does the same (assumed)
  'identitydomains:ListUsers': need('USER_INSPECT'),
  'identitydomains:GetUser': need('USER_INSPECT'),
  'identitydomains:CreateUser': need('USER_CREATE'),
  'identitydomains:PatchUser': need('USER_UPDATE'),
  'identitydomains:PutUser': need('USER_UPDATE'),
  'identitydomains:DeleteUser': need('USER_DELETE'),
  'identitydomains:PutUserPasswordChanger': {
    ...need('USER_UPDATE', 'USER_UIPASS_SET'),
    note: 'assumed: setting a password is USER_UIPASS_SET on the classic API',
  },
  // A domain user's credentials, mapped to the classic operations that do the same (assumed, as above).
  'identitydomains:ListApiKeys': need('USER_READ'),
  'identitydomains:DeleteApiKey': need('USER_UPDATE', 'USER_APIKEY_REMOVE'),
  'identitydomains:ListAuthTokens': need('USER_READ'),
  'identitydomains:DeleteAuthToken': need('USER_UPDATE', 'USER_AUTHTOKEN_REMOVE'),
  'identitydomains:ListCustomerSecretKeys': need('USER_READ'),
  'identitydomains:DeleteCustomerSecretKey': need('USER_UPDATE', 'USER_SECRETKEY_REMOVE'),
  'identitydomains:ListSmtpCredentials': need('CREDENTIAL_INSPECT'),
  'identitydomains:DeleteSmtpCredential': need('CREDENTIAL_REMOVE'),
  'identitydomains:ListOAuth2ClientCredentials': need('USER_READ'),
  'identitydomains:DeleteOAuth2ClientCredential': need('USER_UPDATE', 'USER_OAUTH2_CLIENT_CRED_REMOVE'),
  'identitydomains:ListGroups': need('GROUP_INSPECT'),
  'identitydomains:GetGroup': need('GROUP_INSPECT'),
  'identitydomains:CreateGroup': need('GROUP_CREATE'),
  'identitydomains:PatchGroup': {
    ...need('GROUP_UPDATE', 'USER_UPDATE'),
    note: 'a membership patch, like AddUserToGroup',
  },
  'identitydomains:DeleteGroup': need('GROUP_DELETE'),
  // SCIM Bulk needs nothing of its own: each of its operations is authorized as the single call it is.
  'identitydomains:Bulk': { requires: [], note: 'each operation is authorized as its single call' },
  // The advertised SCIM features (RFC 7644 section 4); no permission assumed.
  'identitydomains:ListServiceProviderConfigs': { requires: [] },
  'identitydomains:GetServiceProviderConfig': { requires: [] },

  // Object Storage (objectstoragepolicyreference.htm); GetNamespace needs no permission
  'objectstorage:GetNamespace': { requires: [] },
  'objectstorage:GetBucket': need('BUCKET_READ'),
  'objectstorage:HeadBucket': need('BUCKET_INSPECT'),
  'objectstorage:ListBuckets': need('BUCKET_INSPECT'),
  'objectstorage:CreateBucket': need('BUCKET_CREATE'),
  'objectstorage:UpdateBucket': need('BUCKET_UPDATE'),
  'objectstorage:DeleteBucket': need('BUCKET_DELETE'),
  'objectstorage:PutObject': { ...need('OBJECT_CREATE'), whenTargetExists: [['OBJECT_OVERWRITE']] },
  'objectstorage:GetObject': need('OBJECT_READ'),
  'objectstorage:HeadObject': need('OBJECT_READ|OBJECT_INSPECT'),
  'objectstorage:DeleteObject': need('OBJECT_DELETE'),
  'objectstorage:ListObjects': need('OBJECT_INSPECT'),
  'objectstorage:RenameObject': need('OBJECT_CREATE', 'OBJECT_OVERWRITE'),
  'objectstorage:CreateMultipartUpload': need('OBJECT_CREATE', 'OBJECT_OVERWRITE'),
  'objectstorage:UploadPart': need('OBJECT_CREATE', 'OBJECT_OVERWRITE'),
  'objectstorage:CommitMultipartUpload': need('OBJECT_CREATE', 'OBJECT_OVERWRITE'),
  'objectstorage:ListMultipartUploadParts': need('OBJECT_INSPECT'),
  'objectstorage:ListMultipartUploads': need('BUCKET_READ'),
  'objectstorage:AbortMultipartUpload': need('OBJECT_DELETE'),

  // Notifications (notificationpolicyreference.htm)
  'notifications:ListTopics': need('ONS_TOPIC_INSPECT'),
  'notifications:GetTopic': need('ONS_TOPIC_READ'),
  'notifications:CreateTopic': need('ONS_TOPIC_CREATE'),
  'notifications:UpdateTopic': need('ONS_TOPIC_UPDATE'),
  'notifications:DeleteTopic': need('ONS_TOPIC_DELETE'),
  'notifications:PublishMessage': need('ONS_TOPIC_PUBLISH'),
  'notifications:ListSubscriptions': need('ONS_SUBSCRIPTION_INSPECT'),
  'notifications:CreateSubscription': need('ONS_TOPIC_SUBSCRIBE'),
  'notifications:GetSubscription': need('ONS_TOPIC_SUBSCRIBE'),
  'notifications:UpdateSubscription': need('ONS_TOPIC_SUBSCRIBE'),
  'notifications:DeleteSubscription': need('ONS_TOPIC_SUBSCRIBE'),

  // Vault secret retrieval (keypolicyreference.htm)
  'secrets:GetSecretBundle': need('SECRET_BUNDLE_READ'),
  'secrets:GetSecretBundleByName': need('SECRET_BUNDLE_READ'),

  // Events ("Details for the Events Service", Reference/cloudeventspolicyreference.htm, per-operation table)
  'events:ListRules': need('EVENTRULE_LIST'),
  'events:GetRule': need('EVENTRULE_READ'),
  'events:CreateRule': need('EVENTRULE_CREATE'),
  'events:UpdateRule': need('EVENTRULE_MODIFY'),
  'events:DeleteRule': need('EVENTRULE_DELETE'),

  // Logging (loggingpolicyreference.htm): logs are governed by their log group
  'logging:ListLogGroups': need('LOG_GROUP_INSPECT'),
  'logging:GetLogGroup': need('LOG_GROUP_READ'),
  'logging:CreateLogGroup': need('LOG_GROUP_CREATE'),
  'logging:UpdateLogGroup': need('LOG_GROUP_UPDATE'),
  'logging:DeleteLogGroup': need('LOG_GROUP_DELETE'),
  'logging:ListLogs': need('LOG_GROUP_INSPECT'),
  'logging:GetLog': need('LOG_GROUP_READ'),
  'logging:CreateLog': need('LOG_GROUP_CREATE'),
  'logging:UpdateLog': need('LOG_GROUP_UPDATE'),
  'logging:DeleteLog': need('LOG_GROUP_DELETE'),

  // Functions (functionspolicyreference.htm)
  'functions:ListApplications': need('FN_APP_LIST'),
  'functions:GetApplication': need('FN_APP_READ'),
  'functions:CreateApplication': need('FN_APP_CREATE'),
  'functions:UpdateApplication': need('FN_APP_UPDATE'),
  'functions:DeleteApplication': need('FN_APP_DELETE'),
  'functions:ListFunctions': need('FN_FUNCTION_LIST'),
  'functions:GetFunction': need('FN_FUNCTION_READ'),
  'functions:CreateFunction': need('FN_FUNCTION_CREATE'),
  'functions:UpdateFunction': need('FN_FUNCTION_UPDATE'),
  'functions:DeleteFunction': need('FN_FUNCTION_DELETE'),
  'functions:InvokeFunction': need('FN_INVOCATION'),

  // Queue (queue/policy-reference.htm; permission names assumed, see permissions.ts). Reading stats
  // and channels is taken to be QUEUE_READ; every consumer call (get, delete, update) QUEUE_CONSUME.
  'queue:ListQueues': need('QUEUE_INSPECT'),
  'queue:GetQueue': need('QUEUE_READ'),
  'queue:CreateQueue': need('QUEUE_CREATE'),
  'queue:DeleteQueue': need('QUEUE_DELETE'),
  'queue:UpdateQueue': need('QUEUE_UPDATE'),
  'queue:PutMessages': need('QUEUE_PRODUCE'),
  'queue:GetMessages': need('QUEUE_CONSUME'),
  'queue:DeleteMessage': need('QUEUE_CONSUME'),
  'queue:DeleteMessages': need('QUEUE_CONSUME'),
  'queue:UpdateMessage': need('QUEUE_CONSUME'),
  'queue:UpdateMessages': need('QUEUE_CONSUME'),
  'queue:GetStats': { ...need('QUEUE_READ'), note: 'assumed: statistics are a read of the queue' },
  'queue:ListChannels': { ...need('QUEUE_READ'), note: 'assumed: listing channels is a read of the queue' },
  // Resource Scheduler (resource-scheduler-policies.htm lists the permissions, not the operations'
  // needs): each operation is taken to need the permission named after it; (de)activating is an update.
  'resourcescheduler:CreateSchedule': need('RESOURCE_SCHEDULE_CREATE'),
  'resourcescheduler:GetSchedule': need('RESOURCE_SCHEDULE_READ'),
  'resourcescheduler:ListSchedules': need('RESOURCE_SCHEDULE_INSPECT'),
  'resourcescheduler:UpdateSchedule': need('RESOURCE_SCHEDULE_UPDATE'),
  'resourcescheduler:ActivateSchedule': need('RESOURCE_SCHEDULE_UPDATE'),
  'resourcescheduler:DeactivateSchedule': need('RESOURCE_SCHEDULE_UPDATE'),
  'resourcescheduler:DeleteSchedule': need('RESOURCE_SCHEDULE_DELETE'),
};

/** What an operation needs, or undefined when the table does not know it (then it is denied). */
export function permissionsFor(service: string, operation: string): OperationPermissions | undefined {
  return OPERATION_PERMISSIONS[`${service}:${operation}`];
}
