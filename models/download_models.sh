#!/usr/bin/env bash
# Downloads ONNX model-zoo classifiers listed in models/zoo.tsv and verifies each download's
# SHA-256 against the table before keeping anything. Where the zoo publishes a model only as a
# checksummed archive (a URL ending in .tar.gz), the archive is verified, then the one .onnx
# file inside it is kept under the table's file name.
#
#   bash models/download_models.sh --list
#   bash models/download_models.sh resnet50-v2-7 vgg16-7 [--dir models/zoo]
#   bash models/download_models.sh --all
#   (--table FILE reads another table in the same format; the tests use it.)
#
# Then, for example:  build/apps/fovea classify --model models/zoo/resnet50-v2-7.onnx photo.jpg
# (the preprocessing preset is picked from zoo.tsv by file name).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
table="$here/zoo.tsv"
dest="$here/zoo"
wanted=()
all=0
list=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dest="$2"; shift 2 ;;
    --table) table="$2"; shift 2 ;;
    --all) all=1; shift ;;
    --list) list=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "error: unknown option $1" >&2; exit 2 ;;
    *) wanted+=("${1%.onnx}"); shift ;;
  esac
done
[[ -f "$table" ]] || { echo "error: $table: no such model table" >&2; exit 2; }

# Rows of the table without comments or the header: file url sha256 bytes preset crop.
rows() { grep -v '^#' "$table" | tail -n +2 | grep -v '^[[:space:]]*$'; }
is_archive() { [[ "$1" == *.tar.gz ]]; }

if [[ $list -eq 1 ]]; then
  printf '%-22s %10s  %-8s %s\n' file MB preset checksum
  rows | while IFS=$'\t' read -r file url sha bytes preset crop; do
    check=$([[ "$sha" == "-" ]] && echo "unknown (refused)" || echo "sha256")
    is_archive "$url" && check="$check of the .tar.gz"
    printf '%-22s %10s  %-8s %s\n' "$file" "$((bytes / 1000000))" "$preset" "$check"
  done
  exit 0
fi
if [[ $all -eq 0 && ${#wanted[@]} -eq 0 ]]; then
  echo "error: name the models to download (see --list), or pass --all" >&2
  exit 2
fi
if command -v curl >/dev/null; then
  fetch() { curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"; }
elif command -v wget >/dev/null; then
  fetch() { wget --quiet --tries=3 --output-document="$2" "$1"; }
else
  echo "error: neither curl nor wget is installed" >&2
  exit 1
fi

# Moves the single .onnx file inside a verified archive to $2; the archive is removed either way.
# Fails (leaving nothing at $2) when the archive holds no .onnx file or several.
extract_model() {
  local archive="$1" target="$2" unpacked
  unpacked="$(mktemp -d "$dest/.unpack.XXXXXX")"
  # GNU tar drops leading '/' and refuses '..' in member names, so nothing lands outside.
  if ! tar -xzf "$archive" -C "$unpacked" --no-same-owner; then
    echo "error: $(basename "$target"): the archive does not unpack" >&2
    rm -rf "$unpacked" "$archive"
    return 1
  fi
  local models=()
  mapfile -t models < <(find "$unpacked" -type f -name '*.onnx')
  if [[ ${#models[@]} -ne 1 ]]; then
    echo "error: $(basename "$target"): expected one .onnx file in the archive, found" \
      "${#models[@]}" >&2
    rm -rf "$unpacked" "$archive"
    return 1
  fi
  mv "${models[0]}" "$target"
  rm -rf "$unpacked" "$archive"
}

mkdir -p "$dest"
status=0
found_any=0
while IFS=$'\t' read -r file url sha bytes preset crop; do
  name="${file%.onnx}"
  if [[ $all -eq 0 ]] && ! printf '%s\n' "${wanted[@]}" | grep -qxF "$name"; then
    continue
  fi
  found_any=1
  target="$dest/$file"
  if [[ "$sha" == "-" ]]; then
    echo "refused: $file has no known SHA-256 in zoo.tsv, so it could not be verified" >&2
    status=1
    continue
  fi
  if [[ -f "$target" ]]; then
    # An archive's checksum cannot be rechecked on the file taken out of it.
    if is_archive "$url" || echo "$sha  $target" | sha256sum --check --status; then
      echo "ok: $target (already present)"
      continue
    fi
    echo "error: $target exists but does not match zoo.tsv's SHA-256; move it away first" >&2
    status=1
    continue
  fi
  what=$(is_archive "$url" && echo "archive" || echo "file")
  echo "downloading $file ($((bytes / 1000000)) MB $what, preset $preset)"
  partial="$(mktemp "$dest/.$file.XXXXXX")"
  if ! fetch "$url" "$partial"; then
    echo "error: download of $file failed" >&2
    rm -f "$partial"
    status=1
    continue
  fi
  if ! echo "$sha  $partial" | sha256sum --check --status; then
    echo "error: $file: SHA-256 mismatch (expected $sha); the download was discarded" >&2
    rm -f "$partial"
    status=1
    continue
  fi
  if is_archive "$url"; then
    extract_model "$partial" "$target" || { status=1; continue; }
  else
    mv "$partial" "$target"
  fi
  echo "ok: $target (sha256 verified)"
done < <(rows)

if [[ $found_any -eq 0 ]]; then
  echo "error: none of the named models is in zoo.tsv (see --list)" >&2
  exit 2
fi
exit $status
