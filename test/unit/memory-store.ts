import { createHash } from 'node:crypto';
import type { ObjectStore, WriteCondition } from '../../src/core/ports';

/**
 * Object Storage as progress records need it, in memory: ETags, and conditional writes refused (the
 * adapter's `undefined` for 412) when `if-match` or `if-none-match: *` does not hold. `failRead`
 * makes the reads of the objects it names fail, as a part that cannot be read (404, denied) does.
 */
export function memoryStore(hooks: { afterWrite?: (name: string, body: string) => void } = {}) {
  const objects = new Map<string, { body: string; etag: string }>();
  const failRead = new Set<string>();
  let version = 0;
  const holds = (name: string, condition?: WriteCondition) => {
    const found = objects.get(name);
    if (!condition) return true;
    return 'ifNoneMatch' in condition ? !found : found?.etag === condition.ifMatch;
  };
  const put = (name: string, body: string) => {
    version += 1;
    const etag = createHash('md5').update(`${version}:${body}`).digest('hex');
    objects.set(name, { body, etag });
    return etag;
  };
  const unused = () => {
    throw new Error('not used here');
  };
  const store: ObjectStore = {
    head: unused,
    async compose(_bucket, name, sources) {
      const body = sources.map((source) => objects.get(source.name)?.body ?? '').join('');
      put(name, body);
      hooks.afterWrite?.(name, body);
    },
    delete: unused,
    list: unused,
    async *readBytes(_bucket, name) {
      const found = objects.get(name);
      if (!found || failRead.has(name)) throw new Error(`${name} cannot be read`);
      yield Buffer.from(found.body, 'utf8');
    },
    async write(_bucket, name, bytes) {
      const body = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
      put(name, body);
      hooks.afterWrite?.(name, body);
    },
    async readJson<T>(_bucket: string, name: string) {
      const found = objects.get(name);
      return found ? (JSON.parse(found.body) as T) : undefined;
    },
    async readVersioned<T>(_bucket: string, name: string) {
      const found = objects.get(name);
      return found ? { value: JSON.parse(found.body) as T, etag: found.etag } : undefined;
    },
    async writeIf(_bucket, name, body, _contentType, condition) {
      if (!holds(name, condition)) return undefined;
      const etag = put(name, body);
      hooks.afterWrite?.(name, body);
      return etag;
    },
  };
  return { store, objects, failRead, put };
}
