#!/usr/bin/env python3
"""What the browser downloads, from the built site (target/site/pkg after scripts/site.sh).

The bundle is split by page (`cargo leptos build --split`): every page loads the main files
(clientele.wasm, .js, .css, the split loader) and its own page's files, which the manifest lists.
Prints, for a storefront page and for the back office, the bytes as files and as served (each file's
precompressed .br, as the server sends it), as a Markdown table.
"""
import glob
import json
import os
import subprocess
import sys

PKG = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target/site/pkg")
# The pages measured, by the manifest's key for their lazy code (app/src/shell/pages.rs): a
# storefront page's is `__{route}_view_…`, the back office's one group's `admin_page_…`.
PAGES = {"storefront sign-in page": "__sign_in_view_", "storefront home page": "__home_view_",
         "any back-office page (the whole back office, one group)": "admin_page_"}


def served(name):
    """(raw bytes, brotli bytes) of one file in the pkg directory, as served."""
    path = os.path.join(PKG, name)
    raw = os.path.getsize(path)
    if os.path.exists(path + ".br"):
        return raw, os.path.getsize(path + ".br")
    return raw, len(subprocess.run(["brotli", "-q", "11", "-c", path], capture_output=True, check=True).stdout)


def total(names):
    sizes = [served(n) for n in names]
    return len(names), sum(s[0] for s in sizes), sum(s[1] for s in sizes)


def main():
    manifests = glob.glob(os.path.join(PKG, "__wasm_split_manifest*.json"))
    manifest = json.load(open(manifests[0])) if manifests else {}
    base = [os.path.basename(p) for p in glob.glob(os.path.join(PKG, "*")) if p.endswith((".wasm", ".js", ".css"))
            and not os.path.basename(p).startswith(("split_", "chunk_"))]
    rows = [("main files (wasm, JS, CSS, split loader)", total(base))]
    def files_of(key):
        return [f"{c}.wasm" for c in manifest.get(key, [])]
    for label, prefix in PAGES.items():
        keys = [k for k in manifest if k.startswith(prefix)]
        rows.append((f"{label}: main + its own files", total(base + sorted({f for k in keys for f in files_of(k)}))))
    everything = [os.path.basename(p) for p in glob.glob(os.path.join(PKG, "*.wasm"))]
    rows.append(("every wasm file", total(everything)))
    print("| what | files | raw KiB | brotli KiB (as served) |")
    print("|---|---|---|---|")
    for label, (n, raw, br) in rows:
        print(f"| {label} | {n} | {raw / 1024:,.0f} | {br / 1024:,.0f} |")


if __name__ == "__main__":
    main()
