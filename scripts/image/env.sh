# Sourced by the image scripts: where the image store lives, the podman configuration, the versions.
# Nothing here touches /etc or /var/lib/containers.
image_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$image_dir/../.." && pwd)"
# The store, the stand-in bases and the logs. Removed after a run unless KEEP_WORK=1.
WORK="${IMAGE_WORK:-/var/tmp/iam-onboarding-image}"
# overlay (the default where the kernel has it: 64 s against 5 min 16 s for vfs from an empty store
# here) or vfs (copies every layer, works on any file system).
if [ -z "${STORAGE_DRIVER:-}" ]; then
  if grep -qw overlay /proc/filesystems; then STORAGE_DRIVER=overlay; else STORAGE_DRIVER=vfs; fi
fi
mkdir -p "$WORK"
# Written whole, then renamed: function containers start while others read it.
cat >"$WORK/storage.conf.$$" <<CONF
[storage]
driver = "$STORAGE_DRIVER"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
CONF
mv -f "$WORK/storage.conf.$$" "$WORK/storage.conf"
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
export CONTAINERS_CONF="$image_dir/containers.conf"
# The Node CI already tests the function on (.ci/run), and the npm fnproject/node:22 ships.
NODE_VERSION="${NODE_VERSION:-22.23.3}"
NPM_VERSION="${NPM_VERSION:-11.7.0}"
DEBIAN_SUITE="${DEBIAN_SUITE:-bookworm}"
export IMAGE="${IMAGE:-localhost/iam-onboarding:test}"
