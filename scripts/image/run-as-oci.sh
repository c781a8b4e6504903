#!/usr/bin/env bash
# The function's image run as OCI Functions runs a function container, in place of `node`: the Fn
# harness (src/local-oci/fn-harness.ts) spawns $FN_NODE with the node flags, the bundle and the
# function's environment; with FN_NODE pointing here, that process is `podman run` of the image instead.
# The flags and the bundle are ignored: the image's ENTRYPOINT decides them, and serve.ts checks that
# they are the ones the harness would have used.
#
# As OCI Functions runs it: uid 1000 (fn), read-only root file system, /tmp a tmpfs of a quarter of the
# memory (Oracle's "Accessing File Systems from Running Functions"; podman 4.3 takes no nr_inodes, so
# its inode cap is left out), every capability dropped, no-new-privileges, the memory limit the
# function has (FN_MEMORY, from func.yaml) without swap, the agent's socket directory mounted at
# /tmp/iofs, the resource-principal token and key as files only the function's user can read. Host
# network: the local OCI listens on 127.0.0.1.
# Podman stays in the foreground and passes signals on, so the harness's SIGTERM reaches the function.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

listener="${FN_LISTENER:?FN_LISTENER is not set}"
socket_dir="$(dirname "${listener#unix:}")"
name="iam-onboarding-$(basename "$socket_dir")"
memory_mb="${FN_MEMORY:-256}"
# The FDK, as uid 1000, creates its socket there; the harness made the folder for root only.
chown 1000:1000 "$socket_dir"
chmod 0700 "$socket_dir"

# The token and key, as the platform gives them: files the function's user can read, and nobody else.
rp="$WORK/rp/$name"
install -d -m 0755 "$rp"
args=()
for var in OCI_RESOURCE_PRINCIPAL_RPST OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM; do
  if [ -f "${!var:-}" ]; then
    install -m 0400 -o 1000 -g 1000 "${!var}" "$rp/$var"
    args+=(-e "$var=/oci-rp/$var")
  fi
done

# Every other variable the harness gave is the function's config; what configures podman stays out.
for var in $(compgen -e); do
  case "$var" in
    PATH | HOME | PWD | OLDPWD | SHLVL | _ | IMAGE | IMAGE_WORK | STORAGE_DRIVER | CONTAINERS_* | FN_LISTENER) ;;
    OCI_RESOURCE_PRINCIPAL_RPST | OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM) ;;
    # The harness's FUNCTION_ENV stands in for the entry script when there is no image; here the
    # image's own entry script must set it (serve.ts checks the running process).
    MALLOC_ARENA_MAX) ;;
    *) args+=(-e "$var") ;;
  esac
done

exec podman run --rm --name "$name" --label iam-onboarding-image-test=1 \
  --user 1000:1000 --read-only --read-only-tmpfs=false \
  --tmpfs "/tmp:rw,nosuid,nodev,size=$((memory_mb / 4))m,mode=1777" \
  --cap-drop all --security-opt no-new-privileges \
  --memory "${memory_mb}m" --memory-swap "${memory_mb}m" \
  --network host \
  -v "$socket_dir:/tmp/iofs" -v "$rp:/oci-rp:ro" \
  -e FN_LISTENER=unix:/tmp/iofs/lsnr.sock "${args[@]}" \
  "$IMAGE"
