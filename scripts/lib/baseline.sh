# Sourced by the benchmarks: `baseline_worktree REV` checks out REV in .tmp/baseline (run from
# the repository's root), for a build of the code before a change to measure beside it.
# Kept between runs while it is that commit: a new worktree's files are all new to the build,
# which would then compile the baseline from nothing.
baseline_worktree() {
    local commit
    commit=$(git rev-parse --verify "$1^{commit}")
    if [ "$(git -C .tmp/baseline rev-parse HEAD 2>/dev/null)" != "$commit" ]; then
        rm -rf .tmp/baseline
        git worktree prune
        git worktree add --detach .tmp/baseline "$commit" >/dev/null 2>&1
    fi
}
