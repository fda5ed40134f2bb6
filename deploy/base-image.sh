#!/usr/bin/env bash
# base-image.sh [--force] [--tag NAME]
# Makes the minimal Debian 12 (bookworm) base image our Dockerfile starts FROM, with no image
# registry: debootstrap (variant minbase) from the apt mirror this machine is configured with,
# trimmed (no docs, man pages, locales, apt lists), then `docker import`ed as
# kafka-c/base:bookworm. The image's own apt sources are the same mirror, so `apt-get install`
# in a Dockerfile RUN step reaches what the host reaches.
# A rebuild reuses the image when it exists (--force makes it again).
set -euo pipefail
tag=kafka-c/base:bookworm
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1; shift ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "base-image.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ $force -eq 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base-image: $tag exists; reusing it (--force to rebuild)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "base-image: debootstrap missing (scripts/install-deps.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "base-image: debootstrap needs root" >&2; exit 1; }

# The mirror: the first URI serving bookworm's main in the host's apt sources (deb822 .sources
# files and one-line .list files; apt reads no other names, so neither do we). The security
# archive is taken the same way, when the host has one.
sources_files() {
  ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true
}
find_uri() { # find_uri SUITE -> URI
  local suite=$1 f
  for f in $(sources_files); do
    case "$f" in
      *.sources)
        awk -v suite="$suite" '
          function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "") { split(uris, u, " "); print u[1]; found = 1; exit } types = suites = uris = ""; enabled = "" }
          /^[ \t]*#/ { next }
          /^[ \t]*$/ { flush(); next }
          { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ /, "");
            if (key == "types") types = $0; else if (key == "uris") uris = $0;
            else if (key == "suites") suites = $0; else if (key == "enabled") enabled = tolower($0) }
          END { if (!found) flush() }' "$f" ;;
      *)
        awk -v suite="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                                              if ($(i + 1) == suite) { print $i; exit } }' "$f" ;;
    esac
  done | head -1
}
mirror=$(find_uri bookworm)
security=$(find_uri bookworm-security)
[ -n "$mirror" ] || { echo "base-image: no bookworm mirror in the host's apt sources" >&2; exit 1; }
echo "base-image: debootstrap bookworm from $mirror${security:+ (security: $security)}"

work=$(mktemp -d /var/tmp/kafka-c-base.XXXXXX)
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT
root="$work/rootfs"
debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 || {
  tail -30 "$work/debootstrap.log" >&2; exit 1; }

{
  echo "deb $mirror bookworm main"
  echo "deb $mirror bookworm-updates main"
  [ -n "$security" ] && echo "deb $security bookworm-security main"
} > "$root/etc/apt/sources.list"
# Keep later installs small too: no recommends, no docs, man pages or translations.
cat > "$root/etc/apt/apt.conf.d/90kafka-c" <<'EOC'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOC
cat > "$root/etc/dpkg/dpkg.cfg.d/90kafka-c-nodoc" <<'EOC'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
EOC
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
  "$root"/var/cache/apt/archives/*.deb "$root"/var/log/* "$root"/tmp/* 2>/dev/null || true
# Some maintainer scripts (openjdk's update-alternatives) need man page directories to exist.
mkdir -p "$root"/usr/share/man/man1 "$root"/usr/share/man/man5 "$root"/usr/share/man/man8
# /dev, /proc and /sys are the container runtime's.
rm -rf "$root"/dev/* "$root"/proc/* "$root"/sys/* 2>/dev/null || true

tar --numeric-owner -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  --message "debootstrap --variant=minbase bookworm $mirror" - "$tag" >/dev/null
echo "base-image: $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
