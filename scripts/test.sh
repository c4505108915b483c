#!/bin/sh
# Set up everything the test suite needs on a fresh Debian/Ubuntu machine, then run it:
# the Debian packages of the real servers and tools the integration tests talk to
# (listed in scripts/debian-packages.txt), a virtual environment with Vedette and its
# test extra, ruff, and pytest. Arguments are passed to pytest.
set -eu
cd "$(dirname "$0")/.."

missing=""
for pkg in $(grep -v '^#' scripts/debian-packages.txt); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing Debian packages:$missing"
    $sudo apt-get update -qq
    # Services must not start as system daemons: the tests start their own instances.
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
.venv/bin/ruff check
exec .venv/bin/pytest "$@"
