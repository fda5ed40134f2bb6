#!/usr/bin/env bash
# build-image.sh [--offline] [--tag NAME]   (what `make image` runs, after `make all`)
# Builds the kafka-c image (default kafka-c:latest) with no registry: the base from
# base-image.sh (reused when present), then deploy/docker/Dockerfile over a context holding
# only our binaries, scripts and config. The Dockerfile installs the runtime packages with
# apt from the mirror the base is set up with; when a container cannot reach it (or with
# --offline) the host downloads the .debs (`apt-get download`, the list resolved by apt inside
# the base against the host's package lists) and the build installs those instead.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/.." && pwd)
tag=${KAFKA_C_IMAGE:-kafka-c:latest}
base=kafka-c/base:bookworm
offline=0
while [ $# -gt 0 ]; do
  case "$1" in
    --offline) offline=1; shift ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "build-image.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for b in kafka-server kafka-topics kafka-drill; do
  [ -x "$root/bin/$b" ] || { echo "build-image: bin/$b missing: run make all first" >&2; exit 1; }
done
bins=()
for f in "$root"/bin/kafka-* "$root"/bin/connect-*; do [ -L "$f" ] || bins+=("$(basename "$f")"); done

bash "$here/base-image.sh" --tag "$base"

ctx="$root/build/image-context"
rm -rf "$ctx"
mkdir -p "$ctx/kafka-c/bin" "$ctx/kafka-c/scripts" "$ctx/kafka-c/config" "$ctx/kafka-c/deploy" "$ctx/debs"
for b in "${bins[@]}"; do
  cp "$root/bin/$b" "$ctx/kafka-c/bin/"
  [ "$b" = kafka-server ] || ln -s "$b" "$ctx/kafka-c/bin/$b.sh"
done
cp "$root"/scripts/*.sh "$ctx/kafka-c/scripts/"
cp "$root"/config/*.properties "$ctx/kafka-c/config/"
cp "$here/docker/entrypoint.sh" "$here/docker/healthcheck.sh" "$ctx/kafka-c/deploy/"
cp "$here/docker/Dockerfile" "$ctx/"
packages=$(sed -n 's/^ARG PACKAGES="\(.*\)"$/\1/p' "$here/docker/Dockerfile")

if [ $offline -eq 0 ] && ! timeout 120 docker run --rm "$base" apt-get -qq update >/dev/null 2>&1; then
  echo "build-image: a container cannot reach the apt mirror; installing .debs downloaded on the host"
  offline=1
fi
if [ $offline -eq 1 ]; then
  # What apt in the base would install, resolved against the host's package lists (the same
  # mirror), with no network; then those exact versions, downloaded by the host.
  list=$(docker run --rm --network none -v /var/lib/apt/lists:/var/lib/apt/lists:ro "$base" \
    apt-get install -s -q $packages | sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p')
  [ -n "$list" ] || { echo "build-image: could not resolve $packages (apt-get update on the host?)" >&2; exit 1; }
  (cd "$ctx/debs" && apt-get download -q $list >/dev/null)
  echo "build-image: $(ls "$ctx/debs" | wc -l) .debs downloaded"
fi

old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
log="$root/build/image-build.log"
if ! docker build --force-rm --build-arg BASE="$base" -t "$tag" "$ctx" > "$log" 2>&1; then
  tail -30 "$log" >&2
  echo "build-image: docker build failed (whole log: $log)" >&2
  exit 1
fi
new=$(docker image inspect -f '{{.Id}}' "$tag")
# The image this build replaced, now untagged: removed unless a container still uses it.
if [ -n "$old" ] && [ "$old" != "$new" ] && [ -z "$(docker image inspect -f '{{join .RepoTags ","}}' "$old" 2>/dev/null)" ]; then
  docker rmi "$old" >/dev/null 2>&1 || true
fi
echo "build-image: $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
