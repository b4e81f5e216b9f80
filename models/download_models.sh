#!/usr/bin/env bash
# Downloads ONNX model-zoo classifiers listed in models/zoo.tsv and verifies each file's
# SHA-256 against the table before keeping it. Entries without a known SHA-256 ("-") are
# refused: an unchecked 500 MB download is not something to run silently.
#
#   bash models/download_models.sh --list
#   bash models/download_models.sh resnet50-v2-7 vgg16-7 [--dir models/zoo]
#   bash models/download_models.sh --all
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
    --all) all=1; shift ;;
    --list) list=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "error: unknown option $1" >&2; exit 2 ;;
    *) wanted+=("${1%.onnx}"); shift ;;
  esac
done

# Rows of the table without comments or the header: file url sha256 bytes preset crop.
rows() { grep -v '^#' "$table" | tail -n +2 | grep -v '^[[:space:]]*$'; }

if [[ $list -eq 1 ]]; then
  printf '%-22s %10s  %-8s %s\n' file MB preset checksum
  rows | while IFS=$'\t' read -r file url sha bytes preset crop; do
    check=$([[ "$sha" == "-" ]] && echo "unknown (refused)" || echo "sha256")
    printf '%-22s %10s  %-8s %s\n' "$file" "$((bytes / 1000000))" "$preset" "$check"
  done
  exit 0
fi
if [[ $all -eq 0 && ${#wanted[@]} -eq 0 ]]; then
  echo "error: name the models to download (see --list), or pass --all" >&2
  exit 2
fi
if command -v curl >/dev/null; then
  fetch() { curl --fail --location --retry 3 --output "$2" "$1"; }
elif command -v wget >/dev/null; then
  fetch() { wget --tries=3 --output-document="$2" "$1"; }
else
  echo "error: neither curl nor wget is installed" >&2
  exit 1
fi

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
  if [[ -f "$target" ]] && echo "$sha  $target" | sha256sum --check --status; then
    echo "ok: $target (already present, checksum verified)"
    continue
  fi
  echo "downloading $file ($((bytes / 1000000)) MB, preset $preset)"
  partial="$target.partial"
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
  mv "$partial" "$target"
  echo "ok: $target (sha256 verified)"
done < <(rows)

if [[ $found_any -eq 0 ]]; then
  echo "error: none of the named models is in zoo.tsv (see --list)" >&2
  exit 2
fi
exit $status
