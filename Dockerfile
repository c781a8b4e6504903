# Builds exactly as CI does (npm ci, npm run build) on Fn's Node 22 build image, then runs the one
# bundled file on Fn's Node 22 runtime image, which has no npm and no node_modules.
# Fn's images are linux/amd64, as OCI Functions' shapes (docs/deploying.md, "5. The application and the function").
FROM fnproject/node:22-dev AS build
WORKDIR /function
COPY package.json package-lock.json ./
# The local OCI is a workspace of the repository: npm ci needs its package.json (not its code) to link it.
COPY src/local-oci/package.json ./src/local-oci/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json func.ts ./
COPY types ./types
COPY scripts ./scripts
COPY src ./src
# Readable by the function's user whatever the checkout's umask (a 077 checkout copies 0600 files):
# the files belong to root, and uid 1000 only reads and runs them.
RUN npm run build && chmod 0444 dist/func.js dist/THIRD-PARTY-NOTICES.txt && chmod 0555 scripts/fn-entry.sh

FROM fnproject/node:22
WORKDIR /function
# The bundle, the licence notices of the third-party packages inside it, and the entry script.
COPY --from=build /function/dist/func.js /function/dist/THIRD-PARTY-NOTICES.txt /function/scripts/fn-entry.sh ./
# OCI Functions runs every function container as uid 1000 (user fn of Fn's images); so does the image.
USER 1000:1000
# V8's heap follows the function's memory (FN_MEMORY): see fn-entry.sh.
ENTRYPOINT ["/bin/sh", "fn-entry.sh", "func.js"]
