#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with libFuzzer, through SharpFuzz.
#
#   tests/SlurmNative.Fuzz/libfuzzer/run.sh TARGET [libFuzzer flags...]
#   e.g. run.sh frame -runs=200000      run.sh jwt -max_total_time=600
#
# Builds the fuzz project, instruments the SlurmNative assemblies with the sharpfuzz tool
# (SharpFuzz.CommandLine), links driver.c with Debian's libFuzzer.a, and runs libFuzzer with
# artifacts/libfuzzer/corpus/TARGET as its working corpus, seeded from tests/fuzz-corpus/TARGET.
# Crashes are written to artifacts/libfuzzer/ as crash-*; copy one into
# tests/fuzz-corpus/TARGET/ to make it a regression test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
HERE="$ROOT/tests/SlurmNative.Fuzz/libfuzzer"
OUT="$ROOT/artifacts/libfuzzer"
TOOLS="$ROOT/artifacts/fuzz-tools"
LIBFUZZER=/usr/lib/llvm-14/lib/libFuzzer.a
# Everything SlurmNative that the targets parse with; the test harness itself is left out.
INSTRUMENTED=(SlurmNative.Credentials.dll SlurmNative.Plugin.dll slurmnatived.dll SlurmNative.Jwt.dll slurmnative-gateway.dll)

die() { printf 'libfuzzer/run.sh: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 TARGET [libFuzzer flags...]; targets: dotnet $OUT/app/SlurmNative.Fuzz.dll list"
target=$1
shift

if [ ! -f "$LIBFUZZER" ] || ! command -v clang-14 >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "needs clang-14 and libfuzzer-14-dev; run as root to install them"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-14 libfuzzer-14-dev >/dev/null
fi
[ -x "$TOOLS/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$TOOLS" >/dev/null

# A fresh publish each time: the tool rewrites assemblies in place and must not do it twice.
rm -rf "$OUT/app"
dotnet publish "$ROOT/tests/SlurmNative.Fuzz/SlurmNative.Fuzz.csproj" -c Release -o "$OUT/app" -nologo -v quiet -clp:NoSummary
# Asked before instrumenting: instrumented code runs only under the driver, which maps its counters.
dotnet "$OUT/app/SlurmNative.Fuzz.dll" list | grep -q "^$target " || die "no target '$target'; see: dotnet $OUT/app/SlurmNative.Fuzz.dll list"
for assembly in "${INSTRUMENTED[@]}"; do
    "$TOOLS/sharpfuzz" "$OUT/app/$assembly" >/dev/null
done

clang-14 -O1 -Wall -Wextra -Werror -c "$HERE/driver.c" -o "$OUT/driver.o"
clang++-14 "$OUT/driver.o" "$LIBFUZZER" -lpthread -o "$OUT/driver"

corpus="$OUT/corpus/$target"
mkdir -p "$corpus"
[ -d "$ROOT/tests/fuzz-corpus/$target" ] && cp -n "$ROOT/tests/fuzz-corpus/$target"/* "$corpus"/ 2>/dev/null || true
cd "$OUT"
SLURMNATIVE_FUZZ_CHILD="exec dotnet '$OUT/app/SlurmNative.Fuzz.dll' libfuzzer '$target'" \
    exec "$OUT/driver" -max_len=65536 -timeout=5 -rss_limit_mb=4096 "$@" "$corpus"
