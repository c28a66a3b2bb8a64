# shellcheck shell=bash
# What the scripts share; sourced, not executed. A script in scripts/ sources it with
#
#   . "$(dirname "$0")/lib/common.sh"          (from scripts/ci/: "$(dirname "$0")/../lib/common.sh")
#
# before any `cd` that would change what that path means. It sets no shell options and works
# under `set -euo pipefail`. It offers:
#
#   say MESSAGE...            "<script>: MESSAGE" on stderr; <script> is $script_name when the
#                             script set it before sourcing, else $(basename "$0")
#   die MESSAGE...            say, then exit 1
#   at_exit COMMAND...        run COMMAND (one string, evaluated then: it sees the variables as
#                             they are at exit) when the script exits, however it exits; the last
#                             registered runs first; a failing action does not stop the others or
#                             change the exit status (an action must not call exit); the same
#                             action registered twice runs once. The library's EXIT trap runs
#                             them: a script installs no EXIT trap of its own.
#   wait_for SECONDS COMMAND...
#                             true as soon as COMMAND succeeds (its output discarded), tried every
#                             0.5 s; false (1) once SECONDS (a whole number) have passed
#   http_status URL [FILE]    the status code of a GET of URL (curl, at most 5 s; 000 when nothing
#                             answers); the body goes to FILE (default /dev/null)
#   answers URL STATUS        true when a GET of URL answers STATUS:
#                                 wait_for 30 answers "$base/__lbheartbeat__" 200
#   compose ARGS...           Docker Compose v2 (`docker compose`) when it is there, else v1
#                             (`docker-compose`), with -p "$compose_project" and
#                             --profile for each word of "$compose_profile", when those are set

# Sourced twice, it would forget the actions registered so far.
[ -z "${_common_sh_loaded:-}" ] || return 0
_common_sh_loaded=1

script_name=${script_name:-$(basename "$0")}

say() { echo "$script_name: $*" >&2; }
die() {
    say "$@"
    exit 1
}

_common_exit_actions=()
at_exit() {
    local action="$*" registered
    for registered in ${_common_exit_actions[@]+"${_common_exit_actions[@]}"}; do
        [ "$registered" != "$action" ] || return 0
    done
    _common_exit_actions+=("$action")
}
# The EXIT trap. The shell exits with the status it had when the trap started (the trap does
# not call exit), whatever the actions return; errexit and nounset are off so that a failing
# action or an unset variable in one cannot end the others.
_common_run_exit_actions() {
    local i
    set +eu
    for ((i = ${#_common_exit_actions[@]} - 1; i >= 0; i--)); do
        eval "${_common_exit_actions[i]}"
    done
}
trap _common_run_exit_actions EXIT

# Microseconds on a clock that only goes forward by whole seconds without EPOCHREALTIME (bash 4),
# in _common_now: no subshell in wait_for's loop.
_common_clock() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        _common_now=${EPOCHREALTIME//[!0-9]/}
    else
        _common_now=$((SECONDS * 1000000))
    fi
}

wait_for() {
    local deadline
    _common_clock
    deadline=$((_common_now + $1 * 1000000))
    shift
    until "$@" >/dev/null 2>&1; do
        _common_clock
        [ "$_common_now" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

http_status() {
    local code
    code=$(curl -s -m 5 -o "${2:-/dev/null}" -w '%{http_code}' "$1" 2>/dev/null) || true
    echo "${code:-000}"
}
answers() { [ "$(http_status "$1")" = "$2" ]; }

# Detected at the first call (2 or 1), so that a script that never calls compose needs no Docker.
_common_compose_version=
compose() {
    if [ -z "$_common_compose_version" ]; then
        if docker compose version >/dev/null 2>&1; then
            _common_compose_version=2
        else
            _common_compose_version=1
        fi
    fi
    local options=()
    [ -z "${compose_project:-}" ] || options+=(-p "$compose_project")
    local profile
    for profile in ${compose_profile:-}; do options+=(--profile "$profile"); done
    if [ "$_common_compose_version" = 2 ]; then
        docker compose ${options[@]+"${options[@]}"} "$@"
    else
        docker-compose ${options[@]+"${options[@]}"} "$@"
    fi
}
