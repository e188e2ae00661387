"""classpath-jar.py JARS_DIR OUT_JAR

Writes a jar that holds only a manifest whose Class-Path lists every jar in JARS_DIR, sorted by
name, as paths relative to OUT_JAR. Spark's JVMs put it first on their classpath
(spark.driver/executor.extraClassPath, SPARK_DAEMON_CLASSPATH), which gives the class-data
sharing archive a fixed classpath to match at start: the JVM expands Spark's own `jars/*` in
directory order, which need not be the same on every machine, and Spark's configuration
directory, which comes next, is not empty (the JDK shares classes only from empty directories).
"""
import os
import sys
import zipfile

MAX_LINE = 72  # bytes per manifest line, continuation lines included (JAR File Specification)


def manifest(entries):
    header = b"Class-Path: " + " ".join(entries).encode("utf-8")
    lines, rest = [header[:MAX_LINE]], header[MAX_LINE:]
    while rest:
        lines.append(b" " + rest[: MAX_LINE - 1])
        rest = rest[MAX_LINE - 1:]
    return b"\r\n".join([b"Manifest-Version: 1.0", *lines, b"Created-By: bigdata-labs", b"", b""])


def main(jars_dir, out_jar):
    base = os.path.dirname(os.path.abspath(out_jar))
    jars = sorted(f for f in os.listdir(jars_dir) if f.endswith(".jar"))
    if not jars:
        sys.exit(f"classpath-jar.py: no jars in {jars_dir}")
    entries = [os.path.relpath(os.path.join(jars_dir, j), base) for j in jars]
    with zipfile.ZipFile(out_jar, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", manifest(entries))
    print(f"{out_jar}: Class-Path of {len(jars)} jars")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[0])
    main(sys.argv[1], sys.argv[2])
