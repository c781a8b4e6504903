#!/usr/bin/env bash
# `npm run image-test`: builds the function's image from the project's Dockerfile, as `fn build` does,
# and serves requests through it run as OCI Functions runs it. Needs root (podman) and reaches only
# Debian's archive and the npm registry: Fn's base images are replaced by stand-ins (base-images.sh).
#   tools  podman and runc from Debian, with apt-get, when missing
#   base   the stand-ins for fnproject/node:22 and :22-dev
#   build  podman build --pull=never of the Dockerfile, from a copy of the checkout made under umask 077
#   image  the image's files as uid 1000 on a read-only root; the bundle is `npm run build`'s, byte for byte;
#          the heap flags from a cgroup limit alone
#   serve  serve.ts: hire, replay, bad input, an upload that continues, flags and RSS, SIGTERM
# Environment: STORAGE_DRIVER=overlay|vfs (default overlay), IMAGE_WORK (default
# /var/tmp/iam-onboarding-image), KEEP_WORK=1 keeps the store (and the stand-ins) for the next run.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo"
export IMAGE_WORK="$WORK" STORAGE_DRIVER
logs="$WORK/logs"
mkdir -p "$logs"
summary=()

step() { # step <name> <function>: its output in $logs/<name>.log, timed; the log's end on failure
  local name="$1" t0 rc=0
  t0=$(date +%s%N)
  echo "== $name"
  "$2" >"$logs/$name.log" 2>&1 || rc=$?
  summary+=("$(printf '%-6s %6.1f s' "$name" "$(( ($(date +%s%N) - t0) / 1000000 ))e-3")")
  grep -E '^(ok|FAIL):|^  ' "$logs/$name.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "-- $name failed (exit $rc); the end of $logs/$name.log:" >&2
    tail -n 40 "$logs/$name.log" >&2
    exit "$rc"
  fi
}

cleanup() {
  local ids
  ids="$(podman ps -aq --filter label=iam-onboarding-image-test=1 2>/dev/null || true)"
  [ -z "$ids" ] || podman rm -f -t 0 $ids >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-0}" != 1 ]; then
    podman rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

tools() {
  if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman runc
  fi
  podman --version
  runc --version | head -n 1
  [ -x node_modules/.bin/tsx ] || npm ci --no-audit --no-fund
}

base() { bash "$image_dir/base-images.sh"; }

build() {
  # The checkout as a umask-077 clone has it: every file 0600. The image must not depend on the modes.
  local context="$WORK/context"
  rm -rf "$context"
  mkdir -p "$context"
  tar -C "$repo" --exclude=./node_modules --exclude=./dist --exclude=./.git -cf - . |
    (umask 077 && tar -C "$context" --no-same-permissions -xf -)
  [ "$(stat -c %a "$context/scripts/fn-entry.sh")" = 600 ] || { echo "FAIL: the build context is not 0600"; return 1; }
  # The npm cache of this machine lends the build its downloads (a build-time volume: nothing of it is in
  # the image); the Dockerfile and the context are as `fn build` has them.
  mkdir -p "$(npm config get cache)"
  podman build --pull=never --isolation chroot --network host --volume "$(npm config get cache):/root/.npm" \
    -f "$context/Dockerfile" -t "$IMAGE" "$context"
  rm -rf "$context"
}

# As OCI Functions runs a function container (run-as-oci.sh says why each flag).
oci_run=(--rm --network none --user 1000:1000 --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,nosuid,nodev,size=64m,mode=1777
  --cap-drop all --security-opt no-new-privileges)

image() {
  local user files here_sums image_sums flags
  user="$(podman image inspect "$IMAGE" --format '{{.Config.User}}')"
  [ "$user" = 1000:1000 ] && echo "ok: the image runs as 1000:1000" || { echo "FAIL: the image's user is \"$user\""; return 1; }
  files="$(podman run "${oci_run[@]}" --memory 256m --entrypoint /bin/sh "$IMAGE" -c '
    ls -ln /function
    for f in func.js THIRD-PARTY-NOTICES.txt fn-entry.sh; do test -r "$f" || { echo "$f: not readable by uid $(id -u)"; exit 1; }; done
    if touch /function/probe 2>/dev/null; then echo "root file system writable"; exit 1; fi
    touch /tmp/probe && rm /tmp/probe' 2>&1)" ||
    { echo "FAIL: as uid 1000 on a read-only root: $files"; return 1; }
  echo "ok: uid 1000 reads the bundle, the notices and the entry script; the root is read-only, /tmp writable"
  echo "$files" | sed 's/^/  /'
  npm run build --silent
  here_sums="$(cd dist && sha256sum func.js THIRD-PARTY-NOTICES.txt)"
  image_sums="$(podman run "${oci_run[@]}" --entrypoint /bin/sh "$IMAGE" -c 'sha256sum func.js THIRD-PARTY-NOTICES.txt')"
  [ "$here_sums" = "$image_sums" ] && echo "ok: the image's bundle and notices are npm run build's, byte for byte" ||
    { echo "FAIL: the bundle differs: $image_sums / $here_sums"; return 1; }
  # No FN_MEMORY: the entry script reads the container's cgroup limit (v1 or v2).
  flags="$(podman run "${oci_run[@]}" --memory 512m --memory-swap 512m --entrypoint /bin/sh "$IMAGE" fn-entry.sh \
    -e 'console.log(process.execArgv.filter((a) => a.startsWith("--")).join(" "))')"
  [ "$flags" = '--max-semi-space-size=2 --expose-gc --max-old-space-size=384' ] &&
    echo "ok: with a 512 MB limit and no FN_MEMORY, node gets 384 MB of old space" || { echo "FAIL: flags at 512 MB: $flags"; return 1; }
  echo "  image size: $(podman image inspect "$IMAGE" --format '{{.Size}}') bytes"
}

serve() { node --import tsx "$image_dir/serve.ts"; }

t_all=$(date +%s)
step tools tools
step base base
step build build
step image image
step serve serve
echo "== image test passed in $(($(date +%s) - t_all)) s ($STORAGE_DRIVER storage)"
printf '  %s\n' "${summary[@]}"
