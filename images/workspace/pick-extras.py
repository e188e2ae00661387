"""Build helper: write /tmp/todo.txt with the lock-file pins the spark venv does not have yet.

A package that the spark venv already has must be pinned to the same version; otherwise
the build stops, so the workspace never carries two versions of one package.
"""
import re
import subprocess
import sys


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


have = {}
freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"],
                        capture_output=True, text=True, check=True).stdout
for line in freeze.splitlines():
    if "==" in line:
        n, v = line.split("==", 1)
        have[norm(n)] = v
todo, bad = [], []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    n, v = line.split("==", 1)
    if norm(n) in have:
        if have[norm(n)] != v:
            bad.append(f"{n}: spark image has {have[norm(n)]}, workspace pins {v}")
    else:
        todo.append(line)
if bad:
    sys.exit("version clash with the spark image:\n  " + "\n  ".join(bad))
with open(sys.argv[2], "w") as f:
    f.write("\n".join(todo) + "\n")
print(f"{len(todo)} packages to add, {len(have)} already in the spark venv")
