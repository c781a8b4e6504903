#!/bin/sh
# The container's entry point: runs Node with V8's heap sized from the memory the function was given,
# so raising the function's memory (func.yaml `memory`, or the Console) gives the heap room too.
#
# The limit is FN_MEMORY (megabytes; OCI Functions sets it for every function container, per Oracle's
# "Environment Variables Populated by OCI Functions"), else the container's cgroup limit (v2
# memory.max, or v1 memory.limit_in_bytes), else none (V8's own default).
#
# Old generation = the larger of (limit - 128 MB) and half the limit: Node, the bundle's code and
# buffers need about 90 MB outside the heap (npm run bench), so a 256 MB function gets 128 MB of old
# space, a 512 MB one 384 MB. A small young generation (2 MB semi-spaces) keeps a warm function's RSS
# flat. --expose-gc lets the function free network buffers after streaming each MiB-sized piece of a
# report (src/support/release-buffers.ts). At 256 MB these are exactly the flags the tests run the function with (FUNCTION_NODE_ARGS in
# src/local-oci/fn-harness.ts; test/unit/deployment.test.ts checks it).
#
# Usage: sh fn-entry.sh func.js   (any arguments go to node after the flags)
set -eu

# One malloc arena (glibc; Fn's Node images are Oracle Linux, glibc 2.34). With the default of up to
# 8 per core, a warm function's memory outside V8's heap grew by about 1.5 MB a call, call after call:
# a 30,000-row upload's containers went from 111.8 to 122.9 MB RSS (medians, first and last of up to
# 14 calls) and peaked at 144.6 MB. With one arena it stayed flat, 97.9 and 97.2 MB, peak 124.9 MB, in
# the same time (npm run bench, docs/performance.md). Node's work is on one thread; an environment
# variable set on the function (`MALLOC_ARENA_MAX`) wins. FUNCTION_ENV in src/local-oci/fn-harness.ts
# gives the tests the same.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"

limit_mb="${FN_MEMORY:-}"
if [ -z "$limit_mb" ]; then
  # FN_CGROUP_DIR exists for tests; containers leave it unset.
  cgroup="${FN_CGROUP_DIR:-/sys/fs/cgroup}"
  bytes=''
  if [ -r "$cgroup/memory.max" ]; then
    bytes="$(cat "$cgroup/memory.max")"
  elif [ -r "$cgroup/memory/memory.limit_in_bytes" ]; then
    bytes="$(cat "$cgroup/memory/memory.limit_in_bytes")"
  fi
  case "$bytes" in
    '' | max | *[!0-9]*) ;;
    # cgroup v1 reports "no limit" as a number near 2^63: anything above 1 TB means none.
    ?????????????*) ;;
    *) limit_mb=$((bytes / 1048576)) ;;
  esac
fi

case "$limit_mb" in
  '' | *[!0-9]*)
    exec node --max-semi-space-size=2 --expose-gc "$@"
    ;;
esac

old_mb=$((limit_mb - 128))
half_mb=$((limit_mb / 2))
if [ "$old_mb" -lt "$half_mb" ]; then old_mb="$half_mb"; fi
exec node --max-semi-space-size=2 --expose-gc --max-old-space-size="$old_mb" "$@"
