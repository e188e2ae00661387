# One change to the Node.js language host, applied at build time to a copy of its module (the
# module cache stays as it is; nothing of upstream is kept in this repository).
#
# Before it starts a program, the host asks node where its runner is: `node -e
# "console.log(require.resolve('<run path>'))"`, a node start of its own (0.1 s) on every `pulumi
# up`, `preview` and `destroy`. labctl gives it an absolute path to a file
# (PULUMI_LANGUAGE_NODEJS_RUN_PATH=scripts/lib/pulumi-run.cjs), which require.resolve returns as it
# is; here such a path is taken without asking node. Any other run path is resolved as before.
#
#   patch_langhost_run_path <sdk module dir>   edits the copy in place; fails unless locateModule
#                                               was found once
patch_langhost_run_path() {
    local file=$1/nodejs/cmd/pulumi-language-nodejs/main.go n
    local sig='func locateModule(ctx context.Context, mod string, nodeBin string) (string, error) {'
    n=$(grep -cxF "$sig" "$file") || true
    [[ $n == 1 ]] || { echo "language host: locateModule not found once in $file (found $n); update tools/langhost/run-path.sh for this SDK version" >&2; return 1; }
    grep -q '"path/filepath"' "$file" && grep -q '"os"' "$file" ||
        { echo "language host: $file no longer imports os and path/filepath; update tools/langhost/run-path.sh" >&2; return 1; }
    awk -v sig="$sig" '
        { print }
        $0 == sig {
            print "\t// bigdata-labs (tools/langhost/run-path.sh): an absolute path to a file resolves to itself."
            print "\tif filepath.IsAbs(mod) {"
            print "\t\tif fi, err := os.Stat(mod); err == nil && fi.Mode().IsRegular() {"
            print "\t\t\treturn mod, nil"
            print "\t\t}"
            print "\t}"
        }' "$file" >"$file.new" && mv "$file.new" "$file"
}
