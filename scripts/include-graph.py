#!/usr/bin/env python3
"""include-graph.py: the #include graph of the C sources, checked against DESIGN.md's layers.

Reports
  1. include cycles between modules (a module is a .c file with its .h: conn.c + conn.h);
     conn.c including api/api.h while api/api.h includes conn.h is such a cycle;
  2. include cycles between headers;
  3. upward includes: a file including a header of a layer not below its own (table LOWER
     below, from DESIGN.md sections 1-2: common < coordinator < broker; inside broker
     store < services < replica < group/txn, net (conn) < api < the server's own files).

Quoted includes are resolved as the compiler does with the Makefile's per-directory
include paths: the including file's directory first, then LAYER_INC, then common/.
System headers and headers not in the tree are ignored.

Usage: scripts/include-graph.py [--root DIR] [--dot] [-v]   exit status 1 when anything is found.
"""
import argparse
import os
import re
import sys

SRC_DIRS = ["common", "coordinator", "broker", "cli", "connect"]

# Include paths per top directory, as the Makefile's LAYER_INC (+ -Icommon for all).
INC_PATHS = {
    "common": ["common"],
    "coordinator": ["coordinator", "common"],
    "broker": ["coordinator", "broker", "common"],
    "cli": ["cli", "common"],
    "connect": ["connect", "cli", "common"],
}

# Layers, from DESIGN.md sections 1-2: the first matching rule names a file's layer, and a
# file may include headers of its own layer and of those listed for it. broker/ top-level
# modules are the server (start-up, wiring) except the process-wide services, which the
# lower broker layers may use because they are given what they need at creation, and the
# net layer (connections and their security), which api sits on.
BROKER_SERVICES = {"broker/mdcache", "broker/tconf", "broker/metrics", "broker/quota"}
BROKER_NET = {"broker/conn", "broker/sasl", "broker/sasl_conn", "broker/sec"}

LOWER = {
    "common": set(),
    "coordinator": {"common"},
    "cli": {"common"},
    "connect": {"cli", "common"},
    "store": {"common"},
    "services": {"store", "common", "coordinator"},
    "replica": {"services", "store", "common", "coordinator"},
    "group": {"txn", "replica", "services", "store", "common", "coordinator"},
    "txn": {"group", "replica", "services", "store", "common", "coordinator"},
    "net": {"services", "common"},
    "api": {"net", "group", "txn", "replica", "services", "store", "common", "coordinator"},
    "server": {"api", "net", "group", "txn", "replica", "services", "store", "common",
               "coordinator"},
}


def layer_of(path):
    mod = module_of(path)
    if mod in BROKER_SERVICES:
        return "services"
    if mod in BROKER_NET:
        return "net"
    top, _, rest = path.partition("/")
    if top == "broker":
        sub = rest.split("/", 1)[0] if "/" in rest else ""
        return {"store": "store", "replica": "replica", "group": "group", "txn": "txn",
                "api": "api"}.get(sub, "server")
    return top if top in LOWER else None


INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(path):
    """conn.c and conn.h are module broker/conn; a private grp_int.h belongs to broker/group/grp."""
    stem = os.path.splitext(path)[0]
    return stem[: -len("_int")] if stem.endswith("_int") else stem


def scan(root):
    files = []
    for d in SRC_DIRS:
        for dirpath, _, names in os.walk(os.path.join(root, d)):
            for n in names:
                if n.endswith((".c", ".h")):
                    files.append(os.path.relpath(os.path.join(dirpath, n), root))
    files.sort()
    known = set(files)
    edges = {}  # file -> list of included files in the tree
    for f in files:
        top = f.split("/", 1)[0]
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        out = []
        for inc in INCLUDE_RE.findall(text):
            for base in [os.path.dirname(f)] + INC_PATHS[top]:
                cand = os.path.normpath(os.path.join(base, inc))
                if cand in known:
                    out.append(cand)
                    break
        edges[f] = out
    return files, edges


def sccs(nodes, succ):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(succ.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(succ.get(nxt, ())))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
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
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--dot", action="store_true", help="print the module graph as Graphviz")
    ap.add_argument("-v", "--verbose", action="store_true", help="name every upward include")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    files, edges = scan(root)

    # module graph, remembering one file-level edge per module edge for the report
    msucc, why = {}, {}
    for f, incs in edges.items():
        for g in incs:
            a, b = module_of(f), module_of(g)
            if a == b:
                continue
            msucc.setdefault(a, set()).add(b)
            why.setdefault((a, b), f"{f} -> {g}")
    mods = sorted({module_of(f) for f in files})

    if args.dot:
        print("digraph includes {")
        for a in mods:
            for b in sorted(msucc.get(a, ())):
                print(f'  "{a}" -> "{b}";')
        print("}")
        return 0

    found = 0
    comps = sccs(mods, msucc)
    print(f"include cycles between modules: {len(comps)}")
    for comp in comps:
        found += 1
        members = set(comp)
        print(f"  cycle of {len(comp)}: {' '.join(comp)}")
        for a in comp:
            for b in sorted(msucc.get(a, ())):
                if b in members:
                    print(f"    {why[(a, b)]}")

    # true cycles among headers (a header including, at some depth, itself)
    hsucc = {f: set(g for g in incs if g.endswith(".h")) for f, incs in edges.items()
             if f.endswith(".h")}
    hcomps = sccs(sorted(hsucc), hsucc)
    print(f"include cycles between headers: {len(hcomps)}")
    for comp in hcomps:
        found += 1
        print(f"  {' '.join(comp)}")

    upward = []
    for f, incs in sorted(edges.items()):
        lf = layer_of(f)
        for g in incs:
            lg = layer_of(g)
            if lf and lg and lg != lf and lg not in LOWER[lf]:
                upward.append((f, g, lf, lg))
    print(f"upward includes: {len(upward)}")
    by_target = {}
    for f, g, a, b in upward:
        by_target.setdefault((a, g, b), []).append(f)
    for (a, g, b), fs in sorted(by_target.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if args.verbose or len(fs) <= 3:
            print(f"  {a} -> {g} ({b}): {' '.join(fs)}")
        else:
            print(f"  {a} -> {g} ({b}): {len(fs)} files ({' '.join(fs[:3])} ...)")
    found += len(upward)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
