# Builds exactly as CI does (npm ci, npm run build) on Fn's Node 22 build image, then runs the one
# bundled file on Fn's Node 22 runtime image, which has no npm and no node_modules.
FROM fnproject/node:22-dev AS build
WORKDIR /function
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json func.ts ./
COPY types ./types
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM fnproject/node:22
WORKDIR /function
# The bundle, and the licence notices of the third-party packages inside it.
COPY --from=build /function/dist/func.js /function/dist/THIRD-PARTY-NOTICES.txt ./
COPY scripts/fn-entry.sh ./
# V8's heap follows the function's memory (FN_MEMORY): see fn-entry.sh.
ENTRYPOINT ["/bin/sh", "fn-entry.sh", "func.js"]
