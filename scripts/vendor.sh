#!/bin/sh
# Refresh the JavaScript vendored under server/static/vendor/ from npm, at the pinned versions below (no CDN: the
# pages work offline). Each line: package@version, the folder it goes to, then the files taken from the package
# (paths inside it; a file keeps its base name). `npm pack` checks each tarball against the registry's integrity.
# Usage: scripts/vendor.sh (or `make vendor`), from the repository root; then review `git diff server/static/vendor`.
set -eu

PACKAGES='
codemirror@5.65.20 server/static/vendor/codemirror lib/codemirror.js lib/codemirror.css mode/sparql/sparql.js addon/edit/matchbrackets.js LICENSE
swagger-ui-dist@5.36.0 server/static/vendor/swagger-ui swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE
'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "$PACKAGES" | while read -r spec folder files; do
    [ -n "$spec" ] || continue
    tarball=$(cd "$work" && npm pack --silent "$spec")
    rm -rf "$work/package"
    tar -xzf "$work/$tarball" -C "$work"
    mkdir -p "$folder"
    for file in $files; do
        cp "$work/package/$file" "$folder/$(basename "$file")"
    done
    echo "$spec -> $folder: $files"
done
