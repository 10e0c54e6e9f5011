#!/usr/bin/env bash
# Runs every test of scorefield on a fresh Debian or Ubuntu machine that has a Rust toolchain
# (1.95 or newer). It first installs the system packages the tests need, if any are missing:
# Xvfb for the window test, Mesa's lavapipe for a software Vulkan adapter (the GPU tests), and
# the X11/Wayland/GL libraries that eframe loads at run time. As root it installs them with
# apt-get, otherwise through sudo; without either it says what to install and stops.
# Arguments are passed on to `cargo test` (for example a test name filter after `--`).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(xvfb xauth mesa-vulkan-drivers libvulkan1 libgl1-mesa-dri libegl1 libegl-mesa0 libgl1
  libglx-mesa0 libx11-6 libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon0
  libxkbcommon-x11-0 libwayland-client0)
MIN_RUST_MINOR=95

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not installed. Install the Rust toolchain 1.$MIN_RUST_MINOR or newer with" \
    "rustup (https://rustup.rs): rustup toolchain install stable" >&2
  exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt "$MIN_RUST_MINOR" ] 2>/dev/null; then
  echo "error: $(rustc --version) is too old: scorefield needs Rust 1.$MIN_RUST_MINOR or newer" \
    "(edition 2024). Update with: rustup update stable" >&2
  exit 1
fi

# Rust links through the system C compiler, and cargo fetches crates over TLS.
command -v cc >/dev/null 2>&1 || PACKAGES+=(gcc libc6-dev)
PACKAGES+=(ca-certificates)

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
    else
      echo "error: the tests need these system packages, which are not installed:" >&2
      echo "  ${missing[*]}" >&2
      echo "Install them as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
    echo "== installing system packages: ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
else
  echo "warning: no dpkg here, so the system packages were not checked. The tests need Xvfb" \
    "(xvfb-run), xauth, a Vulkan driver (Mesa lavapipe, or a GPU's) and the X11/GL libraries." >&2
fi

# A private runtime directory keeps the graphics libraries from complaining that none is set.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d)
  export XDG_RUNTIME_DIR
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

mkdir -p target
log=target/test-log.txt
echo "== cargo test --all-targets"
cargo test --all-targets "$@" 2>&1 | tee "$log"
grep -E '^test result:' "$log" |
  awk '{p += $4; f += $6} END {print "all suites: " p " passed, " f " failed"}'
