# SPDX-License-Identifier: GPL-2.0
# Shared by the shell suites: one line per check, a RESULT line that
# tests/run-all.sh sums, and cleanup of what a suite created on every exit.
#
#   . tests/lib.sh
#   check "name" cmd args...     # passes when the command exits 0
#   expect_eq "name" GOT WANT
#   finish                       # prints RESULT and sets the exit code

XR_BIN=${XR_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/xdp-reflector}
_pass=0 _fail=0 _skip=0

# `python3` may be a version manager's shim (pyenv: a chain of bash scripts,
# 0.3 s to seconds per start on a busy machine). Resolve the interpreter it
# picks once and put its directory first, so every later python3 - ours and
# those nsenter runs - starts it directly.
if _py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$_py" ]; then
	[ "${PATH%%:*}" = "${_py%/*}" ] || export PATH=${_py%/*}:$PATH
fi

ok() { _pass=$((_pass + 1)); echo "ok - $1"; }
not_ok() {
	_fail=$((_fail + 1))
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}
skip() {
	_skip=$((_skip + 1))
	echo "skip - $1 ($2)"
}

check() {
	local name=$1
	shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "command: $*" "${out:0:2000}"; fi
}

expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

# run CMD...: OUT and RC hold its output (stdout and stderr) and exit code.
run() {
	OUT=$("$@" 2>&1)
	RC=$?
}

# expect_rc NAME WANT: the last run's exit code, with its output on failure.
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1"; else not_ok "$1" "exit $RC, want $2" "${OUT:0:600}"; fi
}

# expect_out NAME ERE: the last run's output matches ERE.
expect_out() {
	if grep -Eq -- "$2" <<<"$OUT"; then ok "$1"; else not_ok "$1" "output lacks /$2/" "${OUT:0:600}"; fi
}

# expect_same NAME BEFORE AFTER: snapshots equal, else show the diff.
expect_same() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "$(diff <(echo "$2") <(echo "$3") | head -20)"; fi
}

finish() {
	echo "RESULT: $_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "RESULT: 0 passed, 0 failed, 1 skipped"
		echo "skip - this suite needs root" >&2
		exit 0
	fi
}
