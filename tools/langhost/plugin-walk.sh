# A second change to the Node.js language host, applied at build time like run-path.sh.
#
# Before every `pulumi up`, `preview` and `destroy` the engine asks the host which plugins the
# program needs, and the host walks every directory under the program's folder to find them:
# here 3,800 directories (the checkout's .git and .labs state included, and every folder inside
# every installed package), parsing each package.json it meets below a node_modules. A package
# declares its plugin in the package.json at its root, so the walk here leaves out what cannot hold
# one: the checkout's .git and .labs folders (git's objects, the labs' state), and every folder of
# an installed package except its own node_modules. Package roots, scopes (@pulumi), nested
# node_modules and other hidden folders (Yarn's .yarn/unplugged holds packages) are walked as
# before, and each package.json read is read as before.
#
#   patch_langhost_plugin_walk <sdk module dir>   adds labs_plugin_walk.go and one check in
#                                                 getPluginsFromDir; fails unless its directory
#                                                 listing and its recursion were found once
patch_langhost_plugin_walk() {
    local dir=$1/nodejs/cmd/pulumi-language-nodejs file n m
    file=$dir/main.go
    n=$(grep -cxE '\s*files, err := os\.ReadDir\(dir\)' "$file") || true
    m=$(grep -cxE '\s*if isDir \{' "$file") || true
    [[ $n == 1 && $m == 1 ]] || { echo "language host: getPluginsFromDir's directory listing (found $n) or its 'if isDir {' (found $m) not found once in $file; update tools/langhost/plugin-walk.sh for this SDK version" >&2; return 1; }
    [[ ! -e $dir/labs_plugin_walk.go ]] || { echo "language host: $dir/labs_plugin_walk.go exists already" >&2; return 1; }
    awk '
        /^[ \t]*if isDir \{[ \t]*$/ {
            print "\t\t// bigdata-labs (tools/langhost/plugin-walk.sh): folders that cannot hold a plugin."
            print "\t\tif isDir && labsSkipPluginDir(dir, name, inNodeModules, files) {"
            print "\t\t\tcontinue"
            print "\t\t}"
        }
        { print }' "$file" >"$file.new" && mv "$file.new" "$file"
    cat >"$dir/labs_plugin_walk.go" <<'GO'
package main

// bigdata-labs (tools/langhost/plugin-walk.sh): the plugin walk leaves out folders that cannot
// hold a plugin.

import (
	"os"
	"path/filepath"
)

// labsSkipPluginDir reports whether getPluginsFromDir may leave out folder name of dir, whose
// entries are entries; inNodeModules says whether dir is inside a node_modules folder. Outside
// node_modules it leaves out .git and .labs (the labs' state); inside, every folder of a package
// (a folder with a package.json) but the package's own node_modules.
func labsSkipPluginDir(dir, name string, inNodeModules bool, entries []os.DirEntry) bool {
	if name == "node_modules" {
		return false
	}
	if !inNodeModules && filepath.Base(dir) != "node_modules" {
		return name == ".git" || name == ".labs"
	}
	for _, e := range entries {
		if e.Name() == "package.json" && !e.IsDir() {
			return true
		}
	}
	return false
}
GO
}
