import { randomBytes } from 'node:crypto';
import type { LocalClock, TenancyState } from './state';

// The messages of the local OCI's queues: deliveries, visibility, the dead letter queue, retention,
// long-polling waiters. Behaviour and its sources are in services/queue.ts; this file keeps the state
// and the rules that move a message from one condition to another, all on the tenancy's LocalClock,
// so a test can move time past a visibility timeout or a retention period without sleeping.

/** A queue's settings, as CreateQueueDetails names them. */
export interface QueueRecord {
  readonly id: string;
  readonly compartmentId: string;
  displayName: string;
  /** Fixed at creation (UpdateQueueDetails has no retention). */
  readonly retentionInSeconds: number;
  visibilityInSeconds: number;
  timeoutInSeconds: number;
  /** How many deliveries a message gets before it moves to the dead letter queue; 0: no DLQ. */
  deadLetterQueueDeliveryCount: number;
  channelConsumptionLimit: number;
  readonly freeformTags: Record<string, string>;
  readonly definedTags: Record<string, Record<string, unknown>>;
  readonly timeCreated: Date;
}

/** One message; `receipt` names its current delivery, if it has had one. */
export interface StoredMessage {
  readonly id: number;
  readonly queueId: string;
  /** '' is the queue's default channel (a message put without `metadata.channelId`). */
  readonly channelId: string;
  readonly content: string;
  readonly customProperties: Record<string, string> | undefined;
  readonly createdAt: number;
  readonly expireAfter: number;
  readonly bytes: number;
  deliveryCount: number;
  visibleAfter: number;
  receipt: string | undefined;
  inDeadLetterQueue: boolean;
}

/** Visible and in-flight counts and their size, as the Queue API's `Stats` gives them. */
export interface MessageStats {
  visibleMessages: number;
  inFlightMessages: number;
  sizeInBytes: number;
}

/** Limits a test may lower (the defaults are Oracle's; see services/queue.ts). */
export interface QueueLimits {
  /** Messages-API requests one queue takes in a second before answering 429. */
  requestsPerSecond: number;
  /** Bytes of message content one queue takes in (PutMessages), and gives out (GetMessages), in a second before answering 429. */
  bytesPerSecond: number;
}

/** The queues of one local tenancy and their messages. */
export class QueueState {
  readonly queues = new Map<string, QueueRecord>();
  readonly limits: QueueLimits = { requestsPerSecond: 1000, bytesPerSecond: 10 * 1024 * 1024 };
  private readonly messages = new Map<string, Map<number, StoredMessage>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly recent = new Map<string, { at: number; amount: number }[]>();
  private nextId = 1;

  constructor(readonly clock: LocalClock) {}

  addQueue(record: QueueRecord): void {
    this.queues.set(record.id, record);
    this.messages.set(record.id, new Map());
  }

  deleteQueue(id: string): void {
    this.queues.delete(id);
    this.messages.delete(id);
    this.wake(id);
  }

  /** Counts `amount` against a per-second budget of the queue; false when it is spent. */
  admit(queueId: string, kind: string, amount: number, perSecond: number): boolean {
    const key = `${queueId} ${kind}`;
    const now = this.clock.now();
    const window = (this.recent.get(key) ?? []).filter((entry) => now - entry.at < 1000);
    this.recent.set(key, window);
    if (window.reduce((sum, entry) => sum + entry.amount, 0) + amount > perSecond) return false;
    window.push({ at: now, amount });
    return true;
  }

  put(queue: QueueRecord, entries: readonly { content: string; channelId: string; customProperties?: Record<string, string> }[]) {
    const now = this.clock.now();
    const stored = entries.map((entry) => {
      const message: StoredMessage = {
        id: this.nextId++,
        queueId: queue.id,
        channelId: entry.channelId,
        content: entry.content,
        customProperties: entry.customProperties,
        createdAt: now,
        expireAfter: now + queue.retentionInSeconds * 1000,
        bytes: Buffer.byteLength(entry.content, 'utf8'),
        deliveryCount: 0,
        visibleAfter: now,
        receipt: undefined,
        inDeadLetterQueue: false,
      };
      this.box(queue.id).set(message.id, message);
      return message;
    });
    this.wake(queue.id);
    return stored;
  }

  /**
   * Delivers up to `limit` visible messages of one channel: each gets a new receipt, one more
   * delivery, and is hidden for `visibilitySeconds`. Without a filter, one non-empty channel is
   * chosen at random, as GetMessages does.
   */
  take(queue: QueueRecord, options: { limit: number; visibilitySeconds: number; channelFilter: string | undefined }): StoredMessage[] {
    const now = this.settle(queue);
    const visible = [...this.box(queue.id).values()].filter((m) => !m.inDeadLetterQueue && m.visibleAfter <= now);
    const channels = [...new Set(visible.map((m) => m.channelId))];
    const channel = options.channelFilter ?? channels[Math.floor(Math.random() * channels.length)];
    const taken = visible.filter((m) => m.channelId === channel).slice(0, options.limit);
    for (const message of taken) {
      message.deliveryCount += 1;
      message.visibleAfter = now + options.visibilitySeconds * 1000;
      message.receipt = `${message.id}.${randomBytes(12).toString('base64url')}`;
    }
    return taken;
  }

  /** The message whose current delivery `receipt` names, or undefined (deleted, expired, or delivered again since). */
  byReceipt(queue: QueueRecord, receipt: string): StoredMessage | undefined {
    this.settle(queue);
    const id = Number(receipt.split('.')[0]);
    const message = this.box(queue.id).get(id);
    return message && !message.inDeadLetterQueue && message.receipt === receipt ? message : undefined;
  }

  delete(message: StoredMessage): void {
    this.box(message.queueId).delete(message.id);
  }

  /** Hides a delivered message for `seconds` from now; 0 makes it visible again at once. */
  setVisibility(message: StoredMessage, seconds: number): void {
    message.visibleAfter = this.clock.now() + seconds * 1000;
    if (seconds === 0) this.wake(message.queueId);
  }

  stats(queue: QueueRecord, channelId: string | undefined): { queue: MessageStats; dlq: MessageStats } {
    const now = this.settle(queue);
    const queueStats: MessageStats = { visibleMessages: 0, inFlightMessages: 0, sizeInBytes: 0 };
    const dlqStats: MessageStats = { visibleMessages: 0, inFlightMessages: 0, sizeInBytes: 0 };
    for (const message of this.box(queue.id).values()) {
      if (channelId !== undefined && message.channelId !== channelId) continue;
      const into = message.inDeadLetterQueue ? dlqStats : queueStats;
      if (message.inDeadLetterQueue || message.visibleAfter <= now) into.visibleMessages += 1;
      else into.inFlightMessages += 1;
      into.sizeInBytes += message.bytes;
    }
    return { queue: queueStats, dlq: dlqStats };
  }

  /** Named channels that hold a message (visible or in flight), sorted. */
  channels(queue: QueueRecord): string[] {
    this.settle(queue);
    const named = [...this.box(queue.id).values()].filter((m) => !m.inDeadLetterQueue && m.channelId !== '').map((m) => m.channelId);
    return [...new Set(named)].sort();
  }

  /** The messages in a queue's dead letter queue, oldest first (for tests and tools; the API gives only counts). */
  deadLetters(queueId: string): readonly StoredMessage[] {
    const queue = this.queues.get(queueId);
    if (queue) this.settle(queue);
    return [...this.box(queueId).values()].filter((m) => m.inDeadLetterQueue);
  }

  /** Resolves when a message may have become visible in the queue, or after `ms` of real time. */
  waitForChange(queueId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const listeners = this.waiters.get(queueId) ?? new Set();
      this.waiters.set(queueId, listeners);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      listeners.add(done);
    });
  }

  /**
   * Applies what time did: a message past its retention is gone (from the DLQ too); a delivered
   * message whose visibility ended comes back, or goes to the DLQ once it has had its deliveries.
   */
  private settle(queue: QueueRecord): number {
    const now = this.clock.now();
    const box = this.box(queue.id);
    for (const message of box.values()) {
      if (message.expireAfter <= now) {
        box.delete(message.id);
        continue;
      }
      const returned = !message.inDeadLetterQueue && message.deliveryCount > 0 && message.visibleAfter <= now;
      if (returned && queue.deadLetterQueueDeliveryCount > 0 && message.deliveryCount >= queue.deadLetterQueueDeliveryCount) {
        message.inDeadLetterQueue = true;
        message.receipt = undefined;
      }
    }
    return now;
  }

  private box(queueId: string): Map<number, StoredMessage> {
    return this.messages.get(queueId) ?? new Map();
  }

  private wake(queueId: string): void {
    for (const listener of [...(this.waiters.get(queueId) ?? [])]) listener();
  }
}

const byTenancy = new WeakMap<TenancyState, QueueState>();

/** The queues of a local tenancy (made on first use). */
export function queuesOf(state: TenancyState): QueueState {
  let found = byTenancy.get(state);
  if (!found) {
    found = new QueueState(state.clock);
    byTenancy.set(state, found);
  }
  return found;
}
