#!/usr/bin/env bash
# Builds TimeMark reproducibly (docs/build.md).
#
#   ./build.sh publish [OUTDIR] [--commit HASH --date ISO8601]
#       Framework-dependent Release publish of `timemark` into OUTDIR (default out/) with a locked restore, plus the
#       manifest OUTDIR/timemark.build.json (every file's SHA-256, binary_hash, source_commit, build_date, sdk).
#       In a Git checkout the commit and date come from HEAD (the tree must be clean); in a source tarball (no .git)
#       give them with --commit/--date or TIMEMARK_SOURCE_COMMIT/TIMEMARK_BUILD_DATE. Never the clock.
#   ./build.sh release [OUTDIR] [--gpg-key ID]
#       From a clean Git checkout: publish, then deterministic source and binary archives, the manifest, SHA256SUMS,
#       and with --gpg-key detached ASCII-armoured signatures (.asc) of each archive and of SHA256SUMS. Default release/.
#   ./build.sh verify --source DIR|TARBALL --expect HASH [--broker URL] [--commit HASH] [--date ISO8601]
#       Rebuilds the source in a fresh temporary folder and compares its binary_hash with HASH and, given --broker,
#       with the running broker's GET /build. Exit 0 only when all agree, 1 on a disagreement, 2 when it cannot tell.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
PROJECT=src/TimeMark.Cli/TimeMark.Cli.csproj
MANIFEST=timemark.build.json
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# A fresh compiler and MSBuild for every build, and no server processes left behind.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

die() { echo "build.sh: $*" >&2; exit 2; }

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The commit's date as UTC ISO 8601 ("2026-12-03T18:00:00Z"), so a Git build and a tarball build given the same instant agree.
utc_date() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || die "not a date: $1"; }

# binary_hash of a folder, by the one-liner docs/build.md gives (BinaryListing.cs computes the same in the broker).
binary_hash() {
  (cd "$1" && find . -type f ! -path "./$MANIFEST" -printf '%P\n' | LC_ALL=C sort | xargs -r -d '\n' sha256sum | sha256sum | cut -d' ' -f1)
}

is_git_checkout() { [ -e "$1/.git" ] && git -C "$1" rev-parse --show-toplevel >/dev/null 2>&1 && [ "$(cd "$(git -C "$1" rev-parse --show-toplevel)" && pwd)" = "$(cd "$1" && pwd)" ]; }

# Sets COMMIT and BUILD_DATE for the source tree at $ROOT from Git, or from the arguments/environment for a tarball.
resolve_source() {
  local commit_arg=$1 date_arg=$2
  if is_git_checkout "$ROOT"; then
    [ -z "$(git -C "$ROOT" status --porcelain)" ] ||
      die "the working tree has uncommitted or untracked files; a manifest must name exactly the commit that was built (commit first, or build from a git archive with --commit/--date)"
    COMMIT=$(git -C "$ROOT" rev-parse HEAD)
    [ -z "$commit_arg" ] || [ "$commit_arg" = "$COMMIT" ] || die "--commit $commit_arg is not HEAD ($COMMIT)"
    BUILD_DATE=$(utc_date "$(git -C "$ROOT" log -1 --format=%cI HEAD)")
  else
    COMMIT=${commit_arg:-${TIMEMARK_SOURCE_COMMIT:-}}
    local date=${date_arg:-${TIMEMARK_BUILD_DATE:-}}
    [ -n "$COMMIT" ] && [ -n "$date" ] ||
      die "no .git here: give the source's commit and its commit date with --commit HASH --date ISO8601 (or TIMEMARK_SOURCE_COMMIT, TIMEMARK_BUILD_DATE)"
    BUILD_DATE=$(utc_date "$date")
  fi
  [[ $COMMIT =~ ^([0-9a-f]{40}|[0-9a-f]{64})$ ]] || die "source commit must be a full lowercase commit hash, got '$COMMIT'"
}

# publish OUTDIR: the published files and the manifest. Uses COMMIT and BUILD_DATE.
publish_to() {
  local out=$1
  rm -rf "$out"
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  local sdk
  sdk=$(cd "$ROOT" && dotnet --version)
  (cd "$ROOT" && dotnet restore "$PROJECT" --locked-mode >&2 &&
    dotnet publish "$PROJECT" --no-restore -c Release -p:SourceRevisionId="$COMMIT" -p:UseSharedCompilation=false -o "$out" >&2)
  local path
  while IFS= read -r path; do
    [[ $path =~ ^[A-Za-z0-9._+/-]+$ ]] || die "published file name outside [A-Za-z0-9._+/-], refusing to write it into JSON unescaped: $path"
  done < <(cd "$out" && find . -type f -printf '%P\n')
  local hash
  hash=$(binary_hash "$out")
  {
    printf '{\n  "format": "timemark-build/1",\n  "binary_hash": "%s",\n  "source_commit": "%s",\n  "build_date": "%s",\n  "sdk": "%s",\n  "files": [\n' \
      "$hash" "$COMMIT" "$BUILD_DATE" "$sdk"
    (cd "$out" && find . -type f ! -path "./$MANIFEST" -printf '%P\n' | LC_ALL=C sort | xargs -r -d '\n' sha256sum) |
      awk '{ printf "%s    { \"path\": \"%s\", \"sha256\": \"%s\" }", (NR > 1 ? ",\n" : ""), substr($0, 67), $1 } END { printf "\n" }'
    printf '  ]\n}\n'
  } > "$out/$MANIFEST"
  BINARY_HASH=$hash
}

cmd_publish() {
  local out="$ROOT/out" commit="" date=""
  while (($#)); do
    case $1 in
      --commit) commit=${2:?}; shift 2 ;;
      --date) date=${2:?}; shift 2 ;;
      -*) usage ;;
      *) out=$1; shift ;;
    esac
  done
  resolve_source "$commit" "$date"
  local started=$SECONDS
  publish_to "$out"
  echo "published $COMMIT ($BUILD_DATE) to $out in $((SECONDS - started)) s"
  echo "binary_hash $BINARY_HASH"
}

# A deterministic tar.gz of folder $2 under $1: sorted names, the commit's mtime, uid/gid 0, normalised modes, no atime/ctime.
deterministic_tar() {
  local parent=$1 name=$2 archive=$3 epoch=$4
  tar --sort=name --format=posix --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$parent" -cf - "$name" | gzip -n -9 > "$archive"
}

cmd_release() {
  local out="$ROOT/release" key=""
  while (($#)); do
    case $1 in
      --gpg-key) key=${2:?}; shift 2 ;;
      -*) usage ;;
      *) out=$1; shift ;;
    esac
  done
  is_git_checkout "$ROOT" || die "release needs a Git checkout: the source archive is git archive of the commit"
  resolve_source "" ""
  local started=$SECONDS epoch name stage
  epoch=$(git -C "$ROOT" log -1 --format=%ct HEAD)
  name="timemark-${COMMIT:0:12}"
  rm -rf "$out"
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  publish_to "$stage/$name"
  # git archive of a commit already gives every entry the commit's time and fixed owners; gzip -n drops name and time.
  git -C "$ROOT" archive --format=tar --prefix="$name-src/" "$COMMIT" | gzip -n -9 > "$out/$name-src.tar.gz"
  deterministic_tar "$stage" "$name" "$out/$name-bin.tar.gz" "$epoch"
  cp "$stage/$name/$MANIFEST" "$out/$name.build.json"
  (cd "$out" && sha256sum "$name-src.tar.gz" "$name-bin.tar.gz" "$name.build.json" > SHA256SUMS)
  if [ -n "$key" ]; then
    local file
    for file in "$name-src.tar.gz" "$name-bin.tar.gz" "$name.build.json" SHA256SUMS; do
      gpg --batch --yes --local-user "$key" --armor --detach-sign --output "$out/$file.asc" "$out/$file"
    done
  fi
  echo "released $COMMIT ($BUILD_DATE) to $out in $((SECONDS - started)) s"
  echo "binary_hash $BINARY_HASH"
  (cd "$out" && ls -l)
}

cmd_verify() {
  local source="" expect="" broker="" commit="" date=""
  while (($#)); do
    case $1 in
      --source) source=${2:?}; shift 2 ;;
      --expect) expect=${2:?}; shift 2 ;;
      --broker) broker=${2:?}; shift 2 ;;
      --commit) commit=${2:?}; shift 2 ;;
      --date) date=${2:?}; shift 2 ;;
      *) usage ;;
    esac
  done
  [ -n "$source" ] && [ -n "$expect" ] || usage
  [[ $expect =~ ^[0-9a-f]{64}$ ]] || die "--expect must be a binary_hash: 64 lowercase hex digits"
  local work tree
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  tree="$work/src"
  mkdir -p "$tree"
  if [ -d "$source" ] && is_git_checkout "$source"; then
    # The committed tree of HEAD, without the checkout's build outputs or uncommitted changes.
    commit=${commit:-$(git -C "$source" rev-parse HEAD)}
    date=${date:-$(git -C "$source" log -1 --format=%cI "$commit")}
    git -C "$source" archive --format=tar "$commit" | tar -x -C "$tree"
  elif [ -d "$source" ]; then
    (cd "$source" && tar --exclude=./out --exclude='*/bin' --exclude='*/obj' -cf - .) | tar -x -C "$tree"
  elif [ -f "$source" ]; then
    # git archive writes the commit into a pax global header; git get-tar-commit-id reads it back.
    [ -n "$commit" ] || commit=$( (gzip -dc -f "$source" | git get-tar-commit-id) 2>/dev/null || true)
    # git archive gives every entry the commit's time: use it when no --date is given.
    [ -n "$date" ] || date=$(TZ=UTC tar -tvf "$source" --full-time 2>/dev/null | awk 'NR == 1 { print $4 "T" $5 "Z" }')
    tar -xf "$source" -C "$tree"
    local entries
    entries=$(find "$tree" -mindepth 1 -maxdepth 1)
    if [ "$(printf '%s\n' "$entries" | wc -l)" -eq 1 ] && [ -d "$entries" ]; then tree=$entries; fi
  else
    die "--source $source is neither a folder nor a file"
  fi
  [ -x "$tree/build.sh" ] || die "$source holds no build.sh at its top"
  local computed
  "$tree/build.sh" publish "$work/out" ${commit:+--commit "$commit"} ${date:+--date "$date"} >&2 || die "the rebuild failed"
  computed=$(binary_hash "$work/out")
  local verdict=0
  echo "computed binary_hash  $computed"
  echo "expected binary_hash  $expect"
  [ "$computed" = "$expect" ] || verdict=1
  if [ -n "$broker" ]; then
    local answer running verified
    answer=$(curl -fsS --max-time 10 "${broker%/}/build") || die "no answer from ${broker%/}/build"
    running=$(printf '%s' "$answer" | grep -o '"binary_hash":"[0-9a-f]*"' | cut -d'"' -f4 || true)
    verified=$(printf '%s' "$answer" | grep -o '"verified":[a-z]*' | cut -d: -f2 || true)
    echo "broker   binary_hash  ${running:-none} (verified: ${verified:-unknown})"
    [ "$running" = "$computed" ] && [ "$verified" = "true" ] || verdict=1
  fi
  if ((verdict == 0)); then echo "verdict: OK, all agree"; else echo "verdict: MISMATCH"; fi
  return "$verdict"
}

case ${1:-} in
  publish) shift; cmd_publish "$@" ;;
  release) shift; cmd_release "$@" ;;
  verify) shift; cmd_verify "$@" ;;
  *) usage ;;
esac
