"""Builds a tiny pure-Python wheel (labs_clients_probe 1.0) into the folder given, offline:
a wheel is a zip with the module and its .dist-info (METADATA, WHEEL, RECORD)."""
import base64
import hashlib
import os
import sys
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
name, version = "labs_clients_probe", "1.0"
files = {
    f"{name}.py": "VALUE = 'installed with pip --user'\n",
    f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: bigdata-labs\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(text.encode())}")
record.append(f"{name}-{version}.dist-info/RECORD,,")
files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
wheel = os.path.join(out, f"{name}-{version}-py3-none-any.whl")
with zipfile.ZipFile(wheel, "w") as z:
    for path, text in files.items():
        z.writestr(path, text)
print(wheel)
