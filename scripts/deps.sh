# shellcheck shell=bash
# Debian 12 packages vmlab needs to build and test, and the check that installs them.
# Sourced by ./vmlab; defines functions only and changes no shell options.
#
# VMLAB_DEBIAN_PACKAGES, if set, replaces the list below (space separated): for trying
# the check itself, or for a derivative whose package names differ.

# One entry per line so a diff shows which package was added and why.
vmlab_default_debian_packages=(
  cmake ninja-build g++ pkg-config ccache python3
  gcc-multilib nasm                  # guests: gcc -m32, ld -m elf_i386, nasm
  libcli11-dev                       # command-line front end
  libtomlplusplus-dev                # cost-model profiles
  nlohmann-json3-dev                 # counters and traces as JSON
  libfmt-dev
  libcapstone-dev                    # disassembly and conformance oracle
  libunicorn-dev                     # conformance oracle
  zlib1g-dev
  libgtest-dev libgmock-dev          # tests/
  catch2                             # labs/ graders
  libbenchmark-dev                   # microbenchmarks
  libsdl2-dev libimgui-dev           # the visualizer (ui/gui)
)

# vmlab_missing_debian_packages: print, space separated, the packages of the list that
# dpkg does not report as installed. Prints nothing when all are there.
vmlab_missing_debian_packages() {
  local -a wanted missing=()
  local pkg status
  if [[ -n "${VMLAB_DEBIAN_PACKAGES:-}" ]]; then
    read -r -a wanted <<<"$VMLAB_DEBIAN_PACKAGES"
  else
    wanted=("${vmlab_default_debian_packages[@]}")
  fi
  for pkg in "${wanted[@]}"; do
    # Status-Abbrev is two letters and a space, e.g. "ii " or "rc "; the second
    # letter 'i' means unpacked and configured. Unknown packages print nothing.
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ "${status:1:1}" != "i" ]]; then
      missing+=("$pkg")
    fi
  done
  echo "${missing[*]}"
}

# vmlab_ensure_debian_packages: make sure every package of the list is installed.
# As root, installs what is missing with apt-get (updating the index first, and only
# then). As anyone else, prints one line naming the command to run and returns 1.
# On a system without dpkg it warns once and leaves the check to CMake.
vmlab_ensure_debian_packages() {
  local missing
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "vmlab: dpkg-query not found, so Debian packages are not checked;" \
         "see scripts/deps.sh for what CMake will look for" >&2
    return 0
  fi
  missing=$(vmlab_missing_debian_packages)
  [[ -z "$missing" ]] && return 0
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "vmlab: missing Debian packages: $missing; install them with:" \
         "sudo apt-get install -y $missing" >&2
    return 1
  fi
  echo "vmlab: installing missing Debian packages: $missing" >&2
  # $missing is a list of package names and is split on purpose.
  # shellcheck disable=SC2086
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
}
