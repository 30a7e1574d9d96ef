#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages HER2Scope builds and tests with, only those missing.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config make
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  qt6-base-dev libgl-dev
  libopenslide-dev libtiff-dev libjpeg-dev libeigen3-dev
  libgtest-dev nlohmann-json3-dev libcli11-dev
  xvfb xauth
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
