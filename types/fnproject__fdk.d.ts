// @fnproject/fdk ships no types; these describe the parts this project uses (fdk 0.0.76).
declare module '@fnproject/fdk' {
  export interface HttpGatewayContext {
    readonly requestURL: string | null;
    readonly method: string | null;
    readonly headers: Record<string, string[]>;
    getHeader(name: string): string | null;
    statusCode: number | string;
    setResponseHeader(name: string, ...values: string[]): void;
  }
  export interface Context {
    readonly callID: string | null;
    readonly deadline: Date | null;
    readonly appName: string | undefined;
    readonly fnName: string | undefined;
    readonly fnID: string | undefined;
    readonly memory: number;
    /** A copy of process.env; `getConfig()` is broken in 0.0.76. */
    readonly config: Record<string, string | undefined>;
    readonly contentType: string | null;
    readonly headers: Record<string, string[]>;
    readonly httpGateway: HttpGatewayContext;
    responseContentType: string;
    getHeader(name: string): string | null;
    setResponseHeader(name: string, ...values: string[]): void;
  }
  export type Handler = (input: unknown, ctx: Context) => unknown;
  export function handle(fn: Handler, options?: { inputMode?: 'json' | 'string' | 'buffer' }): () => void;
}
