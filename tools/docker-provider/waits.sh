# Shorter fixed waits in the Terraform Docker provider, applied at build time to a copy of its
# module (the module cache stays as it is; nothing of upstream is kept in this repository).
#
# kreuzwerker's provider sleeps before it first looks at a network or volume it has just created
# or removed (`Delay: 2 * time.Second` in retry.StateChangeConf) and waits at least 5 s between
# looks (`MinTimeout`). The first look decides anyway (the refresh function inspects the object,
# or removes it and reports "in use"), so the sleeps only add time: 2 s on the critical path of
# every fresh `up` (every container waits for its network), 2 s + 2 s in `down` (volumes, then the
# network), 2 s in every refresh. Here the first look comes at once and a retry after 250 ms.
#
# A container created with `wait` is inspected once a second until Docker reports it healthy, so
# each health wait (and the Spark worker waits on the master's) ends up to 1 s after Docker saw
# the container healthy; here it is inspected every 250 ms.
#
#   patch_docker_provider_waits <module dir>   edits the copy in place; fails unless each of the
#                                              six constants and the health poll was found and
#                                              changed
patch_docker_provider_waits() {
    local dir=$1/internal/provider n e file name old new
    local -a edits=(
        "resource_docker_network_funcs.go:networkReadRefreshWaitBeforeRefreshes:5 \* time.Second:250 * time.Millisecond"
        "resource_docker_network_funcs.go:networkReadRefreshDelay:2 \* time.Second:0"
        "resource_docker_network_funcs.go:networkRemoveRefreshWaitBeforeRefreshes:5 \* time.Second:250 * time.Millisecond"
        "resource_docker_network_funcs.go:networkRemoveRefreshDelay:2 \* time.Second:0"
        "resource_docker_volume.go:volumeReadRefreshWaitBeforeRefreshes:5 \* time.Second:250 * time.Millisecond"
        "resource_docker_volume.go:volumeReadRefreshDelay:2 \* time.Second:0"
    )
    for e in "${edits[@]}"; do
        IFS=: read -r file name old new <<< "$e"
        n=$(grep -cE "^\s*${name}\s*=\s*${old}\s*$" "$dir/$file") || true
        [[ $n == 1 ]] || { echo "docker provider waits: $name = ${old//\\/} not found once in $file (found $n); update tools/docker-provider/waits.sh for this provider version" >&2; return 1; }
        sed -i -E "s/^(\s*${name}\s*=\s*)${old}\s*$/\1${new}/" "$dir/$file"
    done
    # The health poll is a statement, not a constant: the one sleep in the container's create.
    n=$(grep -cE '^\s*time\.Sleep\(time\.Second\)\s*$' "$dir/resource_docker_container_funcs.go") || true
    [[ $n == 1 ]] || { echo "docker provider waits: the health poll's time.Sleep(time.Second) not found once in resource_docker_container_funcs.go (found $n); update tools/docker-provider/waits.sh for this provider version" >&2; return 1; }
    sed -i -E 's/^(\s*)time\.Sleep\(time\.Second\)\s*$/\1time.Sleep(250 * time.Millisecond)/' "$dir/resource_docker_container_funcs.go"
}
