#!/usr/bin/env python3
"""Checks the import structure of app/src and server/src: no circles, no arrow back up a layer.

Reads every `use` line and every `crate::`/`super::` path in each module (test modules left out),
resolves it to the file module it names, and fails on an import circle between files or an import
that breaks the layer rules (README, "Architecture").
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Layers, bottom first: a module may import modules of its own group and of the layers below.
# The groups of one layer never import each other: the back office and the storefront stand side
# by side on the server core and the widgets, and the widgets (browser and server) know nothing of
# the server core (server only), nor it of them.
APP_LAYERS = [
    ("errors and translations", [{"error", "i18n"}]),
    ("shared types and rules", [{"domain"}]),
    ("widgets | server core", [{"components"}, {"db", "auth", "mail", "request", "state", "activity", "customers", "sales", "catalog", "segments", "content", "audiences", "promotions"}]),
    ("areas", [{"admin"}, {"storefront"}, {"api"}]),
    ("document", [{"shell"}]),
]
# server/src: the binary's entry and commands sit above the library modules they use.
SERVER_LAYERS = [
    ("library", [{"config", "csrf", "db_guard", "demo", "jobs", "mail", "rate_limit", "routes", "seed", "seed_orders", "telemetry"}]),
    ("commands", [{"bench", "main"}]),
]


def modules(src):
    """{module path tuple: file} for every .rs file below src."""
    found = {}
    for d, _, files in os.walk(src):
        for f in files:
            if f.endswith(".rs"):
                rel = os.path.relpath(os.path.join(d, f), src)[:-3].split(os.sep)
                if rel[-1] in ("mod", "lib", "main") and len(rel) > 1 or rel == ["lib"]:
                    rel = rel[:-1]
                found[tuple(rel)] = os.path.join(d, f)
    return found


def production_text(path):
    """The file without comments and without its `#[cfg(test)] mod tests` block."""
    text = open(path, encoding="utf-8").read()
    cut = re.search(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)
    if cut:
        text = text[: cut.start()]
    text = re.sub(r"//[^\n]*", "", text)
    return text


def expand(tree):
    """The paths a use tree names: `a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    tree = re.sub(r"\s+", "", tree)
    i = tree.find("{")
    if i < 0:
        return [tree.split(" as ")[0]]
    prefix, body = tree[:i], tree[i + 1 : tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for j, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:j])
            start = j + 1
    parts.append(body[start:])
    return [p for part in parts if part for p in expand(prefix + part)]


def paths_in(text, crate):
    """Every path the text names; the binary's `server::` paths name the server library's crate."""
    def own(path):
        return "crate" + path[len(crate):] if path.startswith(crate + "::") else path
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        yield from map(own, expand(m.group(1)))
    for m in re.finditer(r"(?<![\w:])((?:crate|super|%s)(?:::\w+)+)" % crate, text):
        yield own(m.group(1))


def resolve(path, here, mods):
    """The file module a path names, or None when it leaves the crate."""
    segs = [s for s in re.sub(r"as\w+$", "", path).split("::") if s]
    if not segs:
        return None
    if segs[0] == "crate":
        base, rest = (), segs[1:]
    elif segs[0] in ("super", "self"):
        base, rest = here, segs
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    else:
        return None
    best = base if base in mods else None
    for k in range(1, len(rest) + 1):
        cand = base + tuple(rest[:k])
        if cand in mods:
            best = cand
    if best is None or best == ():
        # The crate root re-exports i18n; anything else at the root is the root itself.
        return ("i18n",) if rest[:1] == ["i18n"] else None
    return best


def edges(src, crate):
    mods = modules(src)
    found = set()
    for mod, path in mods.items():
        for p in paths_in(production_text(path), crate):
            target = resolve(p, mod, mods)
            if target and target != mod and target[: len(mod)] != mod:
                found.add((mod, target))
    return mods, found


def place(mod, layers):
    """(layer, group) of a module, from its top-level name."""
    for i, (_, groups) in enumerate(layers):
        for j, names in enumerate(groups):
            if mod[:1] and mod[0] in names:
                return i, j
    return None


def cycles(nodes, found):
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {n: [] for n in nodes}
    for a, b in found:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def name(crate, mod):
    return crate + "::" + "::".join(mod) if mod else crate


def check(crate, src, layers):
    mods, found = edges(os.path.join(ROOT, src), crate)
    problems = []
    for a, b in sorted(found):
        pa, pb = place(a, layers), place(b, layers)
        if pa is None:
            problems.append(f"unlayered module {name(crate, a[:1])}")
        elif pb is None:
            problems.append(f"unlayered module {name(crate, b[:1])}")
        elif pb[0] > pa[0]:
            problems.append(f"upward {name(crate, a)} -> {name(crate, b)}")
        elif pb[0] == pa[0] and pb[1] != pa[1]:
            problems.append(f"sideways {name(crate, a)} -> {name(crate, b)}")
    for comp in cycles(mods, found):
        problems.append("circle " + " ".join(name(crate, m) for m in comp))
    return len(mods), len(found), sorted(set(problems))


def self_test():
    """The checker finds a circle, an upward arrow and a sideways one in a made-up crate."""
    import tempfile

    files = {
        "lib.rs": "pub mod domain; pub mod admin; pub mod storefront;",
        "domain/mod.rs": "use crate::admin::Page;",
        "admin/mod.rs": "use super::{domain::Rule, storefront::cart};",
        "storefront/mod.rs": "pub mod cart;",
        "storefront/cart.rs": "pub fn f() { crate::storefront::g() }\n#[cfg(test)]\nmod tests { use crate::admin::X; }",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            open(os.path.join(tmp, rel), "w").write(text)
        _, _, problems = check("t", tmp, APP_LAYERS)
    expected = [
        "circle t::domain t::admin",
        "sideways t::admin -> t::storefront::cart",
        "upward t::domain -> t::admin",
    ]
    found = sorted(p.replace("t::admin t::domain", "t::domain t::admin") for p in problems)
    assert found == sorted(expected), found


def main():
    self_test()
    problems = []
    for crate, src, layers in (("app", "app/src", APP_LAYERS), ("server", "server/src", SERVER_LAYERS)):
        n_mods, n_edges, found = check(crate, src, layers)
        print(f"{crate}: {n_mods} modules, {n_edges} imports between them")
        problems += found
    print(f"layer check: {len(problems)} problems (circles, upward or sideways imports)")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
