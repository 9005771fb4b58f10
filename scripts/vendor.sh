#!/bin/sh
# Refresh server/static/vendor/ from npm at the versions pinned in scripts/vendor.txt (`npm pack` checks each
# tarball against the registry's integrity hash). With --check, change nothing: compare the committed files with
# the packages' and exit 1 naming each one that differs or is missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
list="$root/scripts/vendor.txt"
vendor="$root/server/static/vendor"
check=0
case "${1-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/vendor.sh [--check]" >&2; exit 2 ;;
esac
command -v npm >/dev/null || { echo "vendor.sh: npm is needed (Debian: apt-get install npm)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differ=0
grep -v '^[[:space:]]*\(#\|$\)' "$list" | { while read -r spec files; do
  case "$spec" in
    ?*@[0-9]*) ;;
    *) echo "vendor.sh: $spec: expected package@version" >&2; exit 2 ;;
  esac
  package=${spec%@*}
  name=${package#@*/}
  unpacked="$work/$name"
  mkdir -p "$unpacked"
  tarball=$(cd "$work" && npm pack --silent "$spec")
  tar -xzf "$work/$tarball" -C "$unpacked"
  for file in $files; do
    source="$unpacked/package/$file"
    [ -f "$source" ] || { echo "vendor.sh: $spec has no $file" >&2; exit 2; }
    target="$vendor/$name/$(basename "$file")"
    if [ "$check" = 1 ]; then
      cmp -s "$source" "$target" || { echo "differs from $spec: ${target#"$root"/}"; differ=1; }
    else
      mkdir -p "$vendor/$name"
      cp "$source" "$target"
      echo "$spec $file -> ${target#"$root"/}"
    fi
  done
done
[ "$differ" = 0 ]; }
