#!/usr/bin/env bash
# npm run test:container: makes the base image when it is missing, builds the image from the
# Dockerfile with podman, and runs test/container against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v podman >/dev/null ||
  { echo "podman is missing (Debian: apt-get install podman buildah runc uidmap)" >&2; exit 2; }
export CONTAINERS_CONF=$PWD/scripts/container/containers.conf
image=${AOL_TEST_IMAGE:-localhost/aol:test}

bash scripts/container/base-image.sh
previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
# --format docker keeps HEALTHCHECK, which the OCI image format has no field for.
podman build --format docker --pull=never --build-arg "AOL_REVISION=$(git rev-parse HEAD)" --tag "$image" .
current=$(podman image inspect --format '{{.Id}}' "$image")
# The image this build replaced is no longer needed; the build stage's layers stay as the cache.
if [[ -n $previous && $previous != "$current" ]]; then podman rmi "$previous" >/dev/null 2>&1 || true; fi

AOL_TEST_IMAGE=$image npx jest --config test/container/jest.config.js
