#!/usr/bin/env python3
"""The `use crate::` graph between the top modules of src/, and its cycles.

Run from the repository root: `python3 scripts/module-graph.py [-v]`.
Prints every cycle (strongly connected component) with the files making
each of its edges, then with -v the whole graph, one line per module.

Reads code only, as tests/it/layers.rs does (which enforces the layering):
comments (doc comments included), string and character literals and
`#[cfg(test)]` items (and the file modules declared under it) do not count;
`crate::a`, `crate::{a, b::c}` and `super::` paths climbing to the crate
root do.
"""
import collections
import os
import re
import sys

ROOT = 'src'


def code_only(t):
    out = []
    i, n = 0, len(t)
    while i < n:
        c = t[i]
        nx = t[i + 1] if i + 1 < n else ''
        if c == '/' and nx == '/':
            while i < n and t[i] != '\n':
                i += 1
            out.append(' ')
        elif c == '/' and nx == '*':
            depth = 0
            while i < n:
                if t.startswith('/*', i):
                    depth += 1
                    i += 2
                elif t.startswith('*/', i):
                    depth -= 1
                    i += 2
                    if depth == 0:
                        break
                else:
                    i += 1
            out.append(' ')
        elif c == 'r' and nx in '"#' and not (i > 0 and (t[i - 1].isalnum() or t[i - 1] == '_')):
            j = i + 1
            hashes = 0
            while j < n and t[j] == '#':
                hashes += 1
                j += 1
            if j >= n or t[j] != '"':
                out.append(c)
                i += 1
                continue
            end = t.find('"' + '#' * hashes, j + 1)
            i = n if end < 0 else end + 1 + hashes
            out.append(' ')
        elif c == '"':
            i += 1
            while i < n and t[i] != '"':
                if t[i] == '\\':
                    i += 1
                i += 1
            i += 1
            out.append(' ')
        elif c == "'":
            if nx == '\\':
                end = t.find("'", i + 2)
                i = n if end < 0 else end + 1
                out.append(' ')
            elif i + 2 < n and t[i + 2] == "'":
                i += 3
                out.append(' ')
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def without_tests(code, test_mods):
    out = []
    rest = code
    while True:
        at = rest.find('#[cfg(test)]')
        if at < 0:
            break
        out.append(rest[:at])
        item = rest[at + len('#[cfg(test)]'):]
        while True:
            s = item.lstrip()
            if s.startswith('#['):
                end = s.find(']')
                if end < 0:
                    break
                item = s[end + 1:]
            else:
                item = s
                break
        depth = 0
        end = len(item)
        for k, ch in enumerate(item):
            if ch == '{':
                depth += 1
            elif ch == '}':
                depth = max(0, depth - 1)
                if depth == 0:
                    end = k + 1
                    break
            elif ch == ';' and depth == 0:
                end = k + 1
                m = re.match(r'\s*(?:pub(?:\(crate\))?\s+)?mod\s+(\w+)\s*$', item[:k])
                if m:
                    test_mods.append(m.group(1))
                break
        rest = item[end:]
    out.append(rest)
    return ''.join(out)


def module_path(rel):
    parts = rel.split(os.sep)
    stem = parts.pop()[:-3]
    if stem not in ('mod', 'lib', 'main'):
        parts.append(stem)
    return parts


def named_tops(code, path):
    found = set()
    for m in re.finditer(r'(?<![\w$])crate::\s*(\{|\w+)', code):
        if m.group(1) != '{':
            found.add(m.group(1))
            continue
        depth, start = 0, True
        for k in range(m.end(), len(code)):
            ch = code[k]
            if ch == '{':
                depth += 1
            elif ch == '}':
                if depth == 0:
                    break
                depth -= 1
            elif ch == ',' and depth == 0:
                start = True
            elif start and (ch.isalnum() or ch == '_'):
                found.add(re.match(r'\w+', code[k:]).group(0))
                start = False
    for m in re.finditer(r'(?<![\w:])((?:super::\s*)+)(\w+)', code):
        if m.group(1).count('super') == len(path):
            found.add(m.group(2))
    return found


def graph():
    files = []
    for dp, _, fn in os.walk(ROOT):
        files += [os.path.join(dp, f) for f in fn if f.endswith('.rs')]
    files.sort()
    tops = {module_path(os.path.relpath(f, ROOT))[0] for f in files
            if module_path(os.path.relpath(f, ROOT))}
    test_files = set()
    codes = []
    for f in files:
        mods = []
        code = without_tests(code_only(open(f, encoding='utf-8').read()), mods)
        name = os.path.basename(f)
        d = os.path.dirname(f) if name in ('mod.rs', 'lib.rs', 'main.rs') else f[:-3]
        for m in mods:
            test_files.add(os.path.join(d, m + '.rs'))
            test_files.add(os.path.join(d, m) + os.sep)
        codes.append((f, code))
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for f, code in codes:
        if f in test_files or any(t.endswith(os.sep) and f.startswith(t) for t in test_files):
            continue
        rel = os.path.relpath(f, ROOT)
        path = module_path(rel)
        if not path:
            continue
        for to in named_tops(code, path):
            if to != path[0] and to in tops:
                edges[path[0]][to].add(rel)
    return tops, edges


def sccs(nodes, g):
    idx, low, stack, on, res = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        idx[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in idx:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            res.append(comp)

    for v in sorted(nodes):
        if v not in idx:
            visit(v)
    return res


def main():
    if '-h' in sys.argv or '--help' in sys.argv:
        print(__doc__.strip())
        return
    if not os.path.isfile(os.path.join(ROOT, 'lib.rs')):
        sys.exit('module-graph.py: no src/lib.rs here: run it from the '
                 'repository root (python3 scripts/module-graph.py -v)')
    tops, edges = graph()
    g = {a: set(b) for a, b in edges.items()}
    cycles = [sorted(c) for c in sccs(tops, g) if len(c) > 1]
    for comp in sorted(cycles):
        print('CYCLE', comp)
        for a in comp:
            for b in comp:
                if b in g.get(a, ()):
                    print('  ', a, '->', b, sorted(edges[a][b])[:6])
    if not cycles:
        print('no cycle')
    if '-v' in sys.argv:
        for a in sorted(tops):
            print(a, '->', ' '.join(sorted(g.get(a, ()))) or '(nothing)')


if __name__ == '__main__':
    main()
