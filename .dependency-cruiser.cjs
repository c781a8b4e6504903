// Which way imports may point. Run by `npm run check` (see docs/testing.md, "Imports").
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle makes every file in it depend on every other: break it by moving the shared type down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'src/core holds rules and types: it names ports, it never reaches the SDK, the adapters or the triggers.',
      from: { path: '^src/core/' },
      to: { path: ['^src/oci/', '^src/triggers/', '^src/local-oci/', '^src/cli/', '^node_modules/oci-', '^node_modules/@fnproject/'] },
    },
    {
      name: 'local-oci-stands-alone',
      severity: 'error',
      comment: 'The local OCI judges the function: it must not share its code (a parser bug would then agree with itself).',
      from: { path: '^src/local-oci/' },
      to: { path: '^src/(?!local-oci/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|coverage)/' },
  },
};
