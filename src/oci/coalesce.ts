/** One caller's answer out of a coalesced call: its value, or its own failure. */
export type Answer<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/** How a coalescer cuts and sends its batches. */
export interface CoalesceOptions<T, R> {
  /** How long the first item of a batch waits for others (rows of one chunk start together). */
  readonly windowMs: number;
  /** Batches sent at once; items arriving meanwhile wait and leave together in the next one. */
  readonly inFlight: number;
  /** Whether `next` still fits a batch that already holds `batch` (at least one item always goes). */
  fits(batch: readonly T[], next: T): boolean;
  /** Sends one batch; answers one `Answer` per item, in order. A throw fails every item of the batch. */
  send(batch: readonly T[]): Promise<readonly Answer<R>[]>;
}

/**
 * Many concurrent callers' requests as few calls (a DataLoader-like window): each `push` waits for a
 * batch, the batch goes out as one call, and each caller gets its own item's answer. While `inFlight`
 * batches are out (a paced call waiting for its turn counts), new items gather, so the slower the domain
 * lets calls through, the fuller each call.
 */
export class Coalescer<T, R> {
  readonly #waiting: Waiting<T, R>[] = [];
  #running = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Batches sent and items in them, for the log. */
  batches = 0;
  items = 0;

  constructor(private readonly options: CoalesceOptions<T, R>) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#timer || this.#running >= this.options.inFlight || this.#waiting.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.options.windowMs);
  }

  #flush(): void {
    while (this.#running < this.options.inFlight && this.#waiting.length > 0) {
      const batch: Waiting<T, R>[] = [];
      while (this.#waiting.length > 0) {
        const next = this.#waiting[0] as Waiting<T, R>;
        if (
          batch.length > 0 &&
          !this.options.fits(
            batch.map((w) => w.item),
            next.item,
          )
        )
          break;
        batch.push(next);
        this.#waiting.shift();
      }
      this.#running += 1;
      this.batches += 1;
      this.items += batch.length;
      void this.#run(batch);
    }
  }

  async #run(batch: readonly Waiting<T, R>[]): Promise<void> {
    try {
      const answers = await this.options.send(batch.map((w) => w.item));
      batch.forEach((waiting, index) => {
        const answer = answers[index];
        if (answer === undefined) waiting.reject(new Error('no answer for this item of the batch'));
        else if (answer.ok) waiting.resolve(answer.value);
        else waiting.reject(answer.error);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.#running -= 1;
      // What gathered while this batch was out leaves at once: it has waited already.
      if (this.#waiting.length > 0) this.#flush();
    }
  }
}
