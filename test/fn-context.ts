import type { Context, HttpGatewayContext } from '@fnproject/fdk';

/**
 * Header names as the Fn FDK (0.0.76) hands them to a function: `_` read as `-`, each word capitalised,
 * the rest lower-case (`fn-http-h-x-hr-signature` → `Fn-Http-H-X-Hr-Signature`).
 */
export const canonicalHeader = (name: string): string =>
  name
    .replaceAll('_', '-')
    .split('-')
    .map((word) => (word ? word.charAt(0).toUpperCase() + word.slice(1).toLowerCase() : word))
    .join('-');

/**
 * Hop-by-hop headers the FDK drops before the function sees them. Its list also names `TE`, but it compares
 * canonical names, and `TE` canonicalises to `Te`: that one reaches the function.
 */
const DROPPED = new Set(['Connection', 'Keep-Alive', 'Transfer-Encoding', 'Trailer', 'Upgrade']);

/** The request headers as the FDK builds them from the wire: canonical names, every value in an array. */
export function fdkHeaders(sent: Readonly<Record<string, string>>): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(sent)) {
    const key = canonicalHeader(name);
    if (DROPPED.has(key)) continue;
    headers[key] = [...(headers[key] ?? []), value];
  }
  return headers;
}

/**
 * An Fn invocation context that behaves as the FDK's own (`Context` in @fnproject/fdk 0.0.76): headers
 * by canonical name with array values, `deadline` parsed from `Fn-Deadline`, `callID` from `Fn-Call-Id`,
 * `config` a copy of the function's environment, and response headers the FDK would send (API
 * Gateway's status as `Fn-Http-Status`).
 */
export class FnContext implements Context {
  readonly #config: Readonly<Record<string, string | undefined>>;
  readonly #headers: Record<string, string[]>;
  readonly #response: Record<string, string[]> = {};

  constructor(config: Readonly<Record<string, string | undefined>>, headers: Record<string, string[]>) {
    this.#config = config;
    this.#headers = headers;
  }

  get callID(): string | null {
    return this.getHeader('Fn-Call-Id');
  }
  get deadline(): Date | null {
    const text = this.getHeader('Fn-Deadline');
    return text === null ? null : new Date(Date.parse(text));
  }
  get appName() {
    return this.#config.FN_APP_NAME;
  }
  get fnName() {
    return this.#config.FN_FN_NAME;
  }
  get fnID() {
    return this.#config.FN_FN_ID;
  }
  get memory(): number {
    return Number.parseInt(this.#config.FN_MEMORY ?? '', 10);
  }
  get config(): Record<string, string | undefined> {
    return { ...this.#config };
  }
  get contentType(): string | null {
    return this.getHeader('Content-Type');
  }
  get headers(): Record<string, string[]> {
    return Object.fromEntries(Object.entries(this.#headers).map(([key, values]) => [key, [...values]]));
  }
  get responseContentType(): string {
    return this.#response['Content-Type']?.[0] ?? '';
  }
  set responseContentType(value: string) {
    this.setResponseHeader('Content-Type', value);
  }
  get responseHeaders(): Record<string, string[]> {
    return { ...this.#response };
  }
  getHeader(name: string): string | null {
    return this.#headers[canonicalHeader(name)]?.[0] ?? null;
  }
  setResponseHeader(name: string, ...values: string[]): void {
    this.#response[canonicalHeader(name)] = values.map(String);
  }
  get httpGateway(): HttpGatewayContext {
    const ctx = this;
    const prefix = 'Fn-Http-H-';
    const client = Object.fromEntries(
      Object.entries(this.#headers)
        .filter(([key]) => key.startsWith(prefix) && key.length > prefix.length)
        .map(([key, values]) => [key.slice(prefix.length), values]),
    );
    return {
      get requestURL() {
        return ctx.getHeader('Fn-Http-Request-Url');
      },
      get method() {
        return ctx.getHeader('Fn-Http-Method');
      },
      get headers() {
        return Object.fromEntries(Object.entries(client).map(([key, values]) => [key, [...values]]));
      },
      getHeader: (name: string) => client[canonicalHeader(name)]?.[0] ?? null,
      set statusCode(status: number | string) {
        ctx.setResponseHeader('Fn-Http-Status', String(status));
      },
      get statusCode(): number | string {
        return ctx.#response['Fn-Http-Status']?.[0] ?? '';
      },
      setResponseHeader: (name: string, ...values: string[]) => {
        if (canonicalHeader(name) === 'Content-Type') ctx.responseContentType = values[0] ?? '';
        else ctx.setResponseHeader(`${prefix}${name}`, ...values);
      },
    };
  }
}
