#!/usr/bin/env bash
# Runs every test of TimeMark. Installs what the tests need when it is missing
# (Debian packages; needs root or sudo), restores NuGet packages in locked mode,
# then runs the whole suite and prints one closing line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: Python interop peers (cbor2, PyNaCl, cryptography, paho-mqtt),
# openssl, Mosquitto's command-line clients, a PostgreSQL server for the evidence log's PostgreSQL store,
# git, gnupg and curl for the build-script tests (reproducible publish, signed release, rebuild check),
# and swtpm (a real TPM 2.0 emulator), its setup tools and tpm2-tools for the remote-attestation tests.
APT_PACKAGES=(python3 python3-cbor2 python3-nacl python3-cryptography python3-paho-mqtt openssl mosquitto-clients postgresql git gnupg curl
  swtpm swtpm-tools tpm2-tools)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet restore TimeMark.slnx --locked-mode
dotnet build TimeMark.slnx --no-restore -c Release

results=$(mktemp -d)
postgres=$(mktemp -d)
# Every swtpm a test starts lives under this folder; any a crashed test left running is stopped at exit.
TIMEMARK_TEST_SWTPM_ROOT=$(mktemp -d)
export TIMEMARK_TEST_SWTPM_ROOT
cleanup() {
  tests/services/postgres.sh stop "$postgres"
  pkill -f -- "--tpmstate dir=$TIMEMARK_TEST_SWTPM_ROOT/" || true
  rm -rf "$results" "$postgres" "$TIMEMARK_TEST_SWTPM_ROOT"
}
trap cleanup EXIT

# The PostgreSQL tests run against this server; without the variable they fail, never skip.
TIMEMARK_TEST_POSTGRES=$(tests/services/postgres.sh start "$postgres")
export TIMEMARK_TEST_POSTGRES
status=0
dotnet test TimeMark.slnx --no-build -c Release --logger "trx" --results-directory "$results" || status=$?

# One closing line over all test assemblies, summed from the TRX files.
python_sum='
import sys, glob, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed")); failed += int(counters.get("failed")) + int(counters.get("error"))
    skipped += int(counters.get("notExecuted"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
'
/usr/bin/python3 -c "$python_sum" "$results"
exit "$status"
