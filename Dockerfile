# Build: compile and bundle the function into one file (no node_modules at run time).
FROM fnproject/node:22-dev AS build
WORKDIR /function
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json func.ts ./
COPY types ./types
COPY src ./src
RUN npm run build

# Run: the FDK, the OCI clients and the handler, all in dist/func.js.
FROM fnproject/node:22
WORKDIR /function
COPY --from=build /function/dist/func.js ./func.js
# Keep these flags in step with FUNCTION_NODE_ARGS in src/local-oci/fn-harness.ts (a test checks it).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--max-old-space-size=128", "func.js"]
