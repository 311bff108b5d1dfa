#!/usr/bin/env python3
"""What the browser downloads, from the built site (target/site/pkg after scripts/site.sh).

The bundle is split by page (`cargo leptos build --split`): every page loads the main files
(clientele.wasm, .js, .css, the split loader) and its own page's files, which the manifest lists.
Prints, for a page and for the whole back office, the bytes as files and as served (each file's
precompressed .br, as the server sends it), as a Markdown table.
"""
import glob
import json
import os
import subprocess
import sys

PKG = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target/site/pkg")
# The pages measured: a manifest key starts with `__{route}_view_` (app/src/shell/pages.rs).
PAGES = {"storefront sign-in page": "sign_in", "storefront home page": "home", "admin customers grid": "customers"}
ADMIN_ROUTES = ("admin", "customer", "now_online", "assistance", "groups", "segment", "block", "audiences",
                "promotion", "price_cart", "action_log", "email", "integrations", "api_reference", "settings",
                "users", "user_edit", "roles", "role_edit")


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
    for label, route in PAGES.items():
        keys = [k for k in manifest if k.startswith(f"__{route}_view_")]
        rows.append((f"{label}: main + its own files", total(base + sorted({f for k in keys for f in files_of(k)}))))
    admin = sorted({f for k in manifest if k[2:].startswith(ADMIN_ROUTES) for f in files_of(k)})
    rows.append(("the whole back office: main + every admin page's files", total(base + admin)))
    everything = [os.path.basename(p) for p in glob.glob(os.path.join(PKG, "*.wasm"))]
    rows.append(("every wasm file", total(everything)))
    print("| what | files | raw KiB | brotli KiB (as served) |")
    print("|---|---|---|---|")
    for label, (n, raw, br) in rows:
        print(f"| {label} | {n} | {raw / 1024:,.0f} | {br / 1024:,.0f} |")


if __name__ == "__main__":
    main()
