# Sourced by the benchmarks: `baseline_worktree REV [PATCH]` checks out REV in .tmp/baseline (run
# from the repository's root), for a build of the code before a change to measure beside it, with
# PATCH applied when one is given (a build of REV without one piece of it: the piece's own cost).
# Kept between runs while it is that commit: a new worktree's files are all new to the build,
# which would then compile the baseline from nothing. A patch an earlier run applied is undone
# first, so only the files it touched are rebuilt.
baseline_worktree() {
    local commit
    commit=$(git rev-parse --verify "$1^{commit}")
    if [ "$(git -C .tmp/baseline rev-parse HEAD 2>/dev/null)" != "$commit" ]; then
        rm -rf .tmp/baseline
        git worktree prune
        git worktree add --detach .tmp/baseline "$commit" >/dev/null 2>&1
    fi
    git -C .tmp/baseline checkout -q -- .
    if [ -n "${2:-}" ]; then
        local patch=$2
        [[ "$patch" == /* ]] || patch=$PWD/$patch
        git -C .tmp/baseline apply --whitespace=nowarn "$patch" ||
            die "$2 does not apply to $1: make it again from a worktree of that revision (git diff)"
    fi
}
