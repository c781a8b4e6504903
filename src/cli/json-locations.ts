// Where each value of a JSON text starts, by path (`roles.developer.policy.statements.0`), so a
// finding about a catalog points at the offending value. JSON.parse keeps no positions and no package
// in the dependency tree gives them; this reader only indexes text JSON.parse has already accepted.

/** 1-based line and column of each value, keyed by its dotted path (`(root)` for the whole document). */
export function jsonLocations(text: string): Map<string, { line: number; column: number }> {
  const locations = new Map<string, { line: number; column: number }>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i += 1) if (text[i] === '\n') lineStarts.push(i + 1);
  const at = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
  };
  const string = (): string => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i += 1;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string) => {
    skip();
    locations.set(path, at(i));
    const c = text[i];
    const child = (key: string) => (path === '(root)' ? key : `${path}.${key}`);
    if (c === '{') {
      i += 1;
      skip();
      while (text[i] !== '}' && i < text.length) {
        skip();
        const key = string();
        skip();
        i += 1; // :
        value(child(key));
        skip();
        if (text[i] === ',') i += 1;
        skip();
      }
      i += 1;
    } else if (c === '[') {
      i += 1;
      skip();
      let index = 0;
      while (text[i] !== ']' && i < text.length) {
        value(child(String(index)));
        index += 1;
        skip();
        if (text[i] === ',') i += 1;
        skip();
      }
      i += 1;
    } else if (c === '"') string();
    else while (i < text.length && /[^\s,\]}]/.test(text[i] ?? '')) i += 1;
  };
  value('(root)');
  return locations;
}

/** The location of a problem path, or of its nearest parent that exists (a missing key points at its object). */
export function locate(locations: Map<string, { line: number; column: number }>, path: string): { line: number; column: number } {
  const parts = path === '(root)' ? [] : path.split('.');
  for (let n = parts.length; n > 0; n -= 1) {
    const found = locations.get(parts.slice(0, n).join('.'));
    if (found) return found;
  }
  return locations.get('(root)') ?? { line: 1, column: 1 };
}
