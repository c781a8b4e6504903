/**
 * A comparable form of a policy statement: OCI stores statements with its own case and spacing,
 * so `Allow group  A to read  all-resources IN tenancy` and `allow group a to read all-resources in tenancy`
 * must compare equal. Quoted text keeps its case; names in an unquoted subject list are sorted.
 * @example normaliseStatement("Allow group B, A to read buckets in tenancy") // "allow group a, b to read buckets in tenancy"
 */
export function normaliseStatement(statement: string): string {
  const parts = statement.trim().split(/('[^']*')/);
  const text = parts
    .map((part, index) =>
      index % 2 === 1
        ? part
        : part
            .toLowerCase()
            .replace(/\s+/g, ' ')
            .replace(/\s*,\s*/g, ', '),
    )
    .join('');
  return text.replace(/^(allow|deny) group ([^']+?) to /, (_whole, verb: string, names: string) => {
    const sorted = names.split(', ').sort().join(', ');
    return `${verb} group ${sorted} to `;
  });
}

/** Whether two statement lists grant the same, whatever their order, case or spacing. */
export function sameStatements(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a.map(normaliseStatement))].sort();
  const right = [...new Set(b.map(normaliseStatement))].sort();
  return left.length === right.length && left.every((statement, i) => statement === right[i]);
}
