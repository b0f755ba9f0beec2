#!/usr/bin/env bash
# Builds llama.cpp's own `llama-bench` for this host's instruction set (GGML_NATIVE), from the very
# llama.cpp source that node-llama-cpp's prebuilt binaries come from: its npm package ships that source
# as a git bundle (llama/gitRelease.bundle) beside the patches it applies. The prebuilt binaries are
# compiled for a generic x86-64 level, so a native build is the strongest llama.cpp to compare with
# (issue 13, item 1); bench/compare.mjs --llama-bench PATH runs the result.
#
# Usage: bench/build-llama-bench.sh [--llama-dir DIR] [--jobs N] [BUILD_ROOT]
#   --llama-dir (or env LLAMA_BENCH_DIR): where node-llama-cpp is installed (see bench/llama-cpp.mjs);
#   BUILD_ROOT: where the source is cloned and built, outside this repository
#     (default ${XDG_CACHE_HOME:-~/.cache}/gpt-oss/llama.cpp).
#   --jobs: parallel compile jobs (default 1: the build is ~10-20 minutes on one core).
# Prints the path of the built llama-bench on the last line of stdout.
# Needs git, cmake (Debian: apt-get install cmake), a C++17 compiler and make.
set -euo pipefail

llama_dir="${LLAMA_BENCH_DIR:-}"
jobs=1
build_root=""
while [ $# -gt 0 ]; do
  case "$1" in
    --llama-dir) llama_dir="${2:?--llama-dir needs a folder}"; shift 2 ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-llama-bench: unknown option '$1'" >&2; exit 2 ;;
    *) build_root="$1"; shift ;;
  esac
done
[ -n "$llama_dir" ] || { echo "build-llama-bench: give --llama-dir DIR or set LLAMA_BENCH_DIR to the folder where node-llama-cpp is installed" >&2; exit 2; }
case "$jobs" in ''|*[!0-9]*|0) echo "build-llama-bench: --jobs must be a positive integer, got '$jobs'" >&2; exit 2 ;; esac
build_root="${build_root:-${XDG_CACHE_HOME:-$HOME/.cache}/gpt-oss/llama.cpp}"

pkg="$llama_dir/node_modules/node-llama-cpp"
bundle="$pkg/llama/gitRelease.bundle"
[ -f "$bundle" ] || { echo "build-llama-bench: $bundle not found: install node-llama-cpp in $llama_dir first (see bench/llama-cpp.mjs)" >&2; exit 2; }
for tool in git cmake make c++; do
  command -v "$tool" >/dev/null || { echo "build-llama-bench: '$tool' is not installed (Debian: apt-get install git cmake build-essential)" >&2; exit 2; }
done

src="$build_root/src"
build="$build_root/build-native"
head="$(git bundle list-heads "$bundle" | awk 'NR==1{print $1}')"
# A fresh clone when the bundle changed (another node-llama-cpp version), else reuse the build tree.
if [ ! -d "$src/.git" ] || [ "$(git -C "$src" rev-parse HEAD 2>/dev/null)" != "$head" ]; then
  rm -rf "$src" "$build"
  mkdir -p "$build_root"
  git clone --quiet "$bundle" "$src"
  git -C "$src" -c advice.detachedHead=false checkout --quiet "$head"
  # The patches node-llama-cpp applies before its own builds (they touch loading, not the kernels).
  for patch in "$pkg"/llama/patches/*.diff; do
    [ -f "$patch" ] || continue
    if git -C "$src" apply --check --ignore-whitespace "$patch" 2>/dev/null; then
      git -C "$src" apply --ignore-whitespace "$patch"
      echo "build-llama-bench: applied $(basename "$patch")" >&2
    else
      echo "build-llama-bench: $(basename "$patch") does not apply (already in the source?); skipped" >&2
    fi
  done
fi

release="$(node -e 'console.log(require(process.argv[1]).release)' "$pkg/llama/binariesGithubRelease.json" 2>/dev/null || echo unknown)"
echo "build-llama-bench: llama.cpp $head (node-llama-cpp's release $release) in $src" >&2
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF >&2
cmake --build "$build" --target llama-bench -j "$jobs" >&2
bin="$build/bin/llama-bench"
[ -x "$bin" ] || { echo "build-llama-bench: the build finished but $bin is missing" >&2; exit 1; }
echo "$bin"
