#!/usr/bin/env python3
"""Fails when the source files of a crate import each other in a circle.

Usage: python3 .ci/import_cycles.py SRC_DIR...   (e.g. src crates/*/src)

For each crate source directory: every name a file defines at its top level (struct,
enum, trait, const, static, type, fn) is mapped to that file, when exactly one file
defines it; a file that uses such a name defined elsewhere depends on that file. Names a
file binds itself (a variant, a field, a parameter, a local) do not count, nor do test
files (tests.rs, *_tests.rs, testing.rs, test_support.rs), comments and string
literals. A strongly connected component of two or more files is a circle; each is
printed with the names that make its edges, and the exit status is 1.
"""

import os
import re
import sys


def files_of(root):
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            if not name.endswith(".rs"):
                continue
            if name == "tests.rs" or name.endswith("_tests.rs") or name in ("testing.rs", "test_support.rs"):
                continue
            path = os.path.join(directory, name)
            text = open(path, encoding="utf-8").read()
            text = re.split(r"\n#\[cfg\(test\)\]", text)[0]
            text = "\n".join(line.split("//")[0] for line in text.split("\n"))
            files[path] = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return files


def edges_of(files):
    definitions = {}
    pattern = r"^(?:pub(?:\([a-z]+\))? )?(?:struct|enum|trait|const|type|fn|static) ([A-Za-z_][A-Za-z_0-9]*)"
    for path, text in files.items():
        for match in re.finditer(pattern, text, re.M):
            definitions.setdefault(match.group(1), set()).add(path)
    edges = {}
    for path, text in files.items():
        for token in set(re.findall(r"\b[A-Za-z_][A-Za-z_0-9]*\b", text)):
            owners = definitions.get(token, ())
            if len(owners) != 1:
                continue
            (owner,) = owners
            if owner == path:
                continue
            binds = r"(\b(let|fn|mut)\s+{0}\b|^\s+{0}\s*[({{,:]|\b{0}\s*:)".format(re.escape(token))
            if re.search(binds, text, re.M):
                continue
            edges.setdefault(path, {}).setdefault(owner, []).append(token)
    return edges


def components(nodes, edges):
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return found


def main():
    circles = 0
    for root in sys.argv[1:]:
        files = files_of(root)
        edges = edges_of(files)
        for component in components(files, edges):
            circles += 1
            print(f"{root}: files importing each other in a circle:")
            for a in sorted(component):
                for b, names in sorted(edges.get(a, {}).items()):
                    if b in component:
                        print(f"  {os.path.relpath(a, root)} -> {os.path.relpath(b, root)} ({', '.join(sorted(names))})")
    print(f"import circles: {circles} in {len(sys.argv) - 1} source directories")
    return 1 if circles else 0


if __name__ == "__main__":
    sys.exit(main())
