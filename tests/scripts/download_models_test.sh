#!/usr/bin/env bash
# models/download_models.sh against a local table (file:// URLs, so no network is needed):
# a plain file and a .tar.gz are kept only when their SHA-256 matches; the one .onnx inside a
# verified archive is kept under the table's name; a bad checksum, an archive without exactly
# one model, an entry without a checksum and an existing different file all fail and leave
# nothing behind (and nothing of the user's overwritten).
set -euo pipefail
script="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/models/download_models.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
src="$work/src"
mkdir -p "$src/pack/test_data_set_0" "$src/two"
fail() { echo "FAIL: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

printf 'plain model bytes' >"$src/plain.onnx"
printf 'archived model bytes' >"$src/pack/inner-name.onnx"
printf 'test input' >"$src/pack/test_data_set_0/input_0.pb"
tar -czf "$src/packed.tar.gz" -C "$src" pack
printf 'a' >"$src/two/a.onnx"
printf 'b' >"$src/two/b.onnx"
tar -czf "$src/two.tar.gz" -C "$src" two

table="$work/zoo.tsv"
{
  printf '# test table\nfile\turl\tsha256\tbytes\tpreset\tcrop\n'
  printf 'plain.onnx\tfile://%s\t%s\t17\timagenet\t224\n' "$src/plain.onnx" "$(sha "$src/plain.onnx")"
  printf 'packed.onnx\tfile://%s\t%s\t100\tcaffe\t224\n' "$src/packed.tar.gz" "$(sha "$src/packed.tar.gz")"
  printf 'corrupt.onnx\tfile://%s\t%s\t17\timagenet\t224\n' "$src/plain.onnx" "$(printf '0%.0s' {1..64})"
  printf 'two.onnx\tfile://%s\t%s\t100\timagenet\t224\n' "$src/two.tar.gz" "$(sha "$src/two.tar.gz")"
  printf 'unknown.onnx\tfile://%s\t-\t17\timagenet\t224\n' "$src/plain.onnx"
} >"$table"
dest="$work/zoo"
run() { bash "$script" --table "$table" --dir "$dest" "$@" >"$work/out" 2>&1; }

run plain packed || fail "verified downloads failed: $(cat "$work/out")"
cmp -s "$dest/plain.onnx" "$src/plain.onnx" || fail "plain.onnx is not the source file"
cmp -s "$dest/packed.onnx" "$src/pack/inner-name.onnx" || fail "packed.onnx is not the archive's model"
[[ "$(ls -A "$dest")" == $'packed.onnx\nplain.onnx' ]] || fail "leftovers: $(ls -A "$dest")"
run plain || fail "a second run should find plain.onnx present"
grep -q 'already present' "$work/out" || fail "no 'already present': $(cat "$work/out")"

expect_refusal() {  # name, message
  if run "$1"; then fail "$1 was accepted"; fi
  grep -q "$2" "$work/out" || fail "$1: expected '$2' in: $(cat "$work/out")"
  [[ ! -e "$dest/$1.onnx" ]] || fail "$1.onnx was kept"
}
expect_refusal corrupt 'SHA-256 mismatch'
expect_refusal two 'expected one .onnx file in the archive, found 2'
expect_refusal unknown 'no known SHA-256'
[[ "$(ls -A "$dest")" == $'packed.onnx\nplain.onnx' ]] || fail "leftovers: $(ls -A "$dest")"

# A file of the user's under a table name is neither trusted nor overwritten.
rm "$dest/plain.onnx"
printf 'my own edits' >"$dest/plain.onnx"
if run plain; then fail "a mismatching existing plain.onnx was accepted"; fi
grep -q 'does not match' "$work/out" || fail "no mismatch message: $(cat "$work/out")"
[[ "$(cat "$dest/plain.onnx")" == 'my own edits' ]] || fail "the user's plain.onnx was overwritten"

if run nosuchmodel; then fail "an unknown name was accepted"; fi
grep -q 'none of the named models' "$work/out" || fail "unknown name: $(cat "$work/out")"
echo "download_models_test: OK"
