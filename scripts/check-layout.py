#!/usr/bin/python3
"""Checks the layout that doc/ARCHITECTURE.md describes; exit 1 with one line per breach.

- every #include "folder/x.h" in libswgr/ is allowed by the table under "What may include
  what" in doc/ARCHITECTURE.md (a folder may always include itself);
- the programs (fcgi/<name>/, monitord/, cli/) include libswgr headers and their own files,
  never another program's;
- the include graph of the C sources has no circle;
- no source file is over MAX_LINES lines unless its opening comment says why (a line in the
  first comment containing "long:");
- no function outside a node kind's own file tests which kind it holds: the kind names
  (each kind's implementation type, short name and template name, read from the kinds'
  rows in libswgr/ln/<kind>.c) appear as string literals only in
  the kinds' own files, libswgr/ln/<kind>.c (not in ln/ln.c, the shared client).
With --symbols BUILD_DIR it also prints the circles between object files of BUILD_DIR by the
functions they call (for information: a table of plug-ins makes one by design).
"""
import collections
import glob
import os
import re
import subprocess
import sys

MAX_LINES = 600
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = ['fcgi/lnurl', 'fcgi/discovery', 'fcgi/offer', 'monitord', 'cli']


def kind_words():
    """The names of the node kinds, read from their rows (ln/<kind>.c): the implementation
    type, the short kind name and the CLI's template name, as whole string literals."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, 'libswgr/ln/*.c')):
        for m in re.finditer(r'const struct swgr_ln_kind swgr_ln_kind_\w+ = \{\s*'
                             r'"([^"]+)",\s*"([^"]+)",\s*"([^"]+)"', open(path).read()):
            names.update(m.groups())
    if not names:
        sys.exit('check-layout: no node kind rows (const struct swgr_ln_kind) in libswgr/ln/')
    return re.compile('"(%s)"' % '|'.join(re.escape(n) for n in sorted(names)))


def allowed_table():
    text = open(os.path.join(ROOT, 'doc/ARCHITECTURE.md')).read()
    m = re.search(r'### What may include what.*?```\n(.*?)```', text, re.S)
    if m is None:
        sys.exit('check-layout: no "What may include what" block in doc/ARCHITECTURE.md')
    allow = {}
    for line in m.group(1).split('\n'):
        mm = re.match(r'^(\w+)\s+->\s+(.*)$', line.strip())
        if mm:
            rhs = mm.group(2)
            allow[mm.group(1)] = set() if rhs.startswith('(') else {
                w.strip() for w in rhs.split(',') if w.strip()}
    return allow


def sources():
    out = []
    for pat in ['libswgr/*/*.[ch]'] + [p + '/*.[ch]' for p in PROGRAMS]:
        out += glob.glob(os.path.join(ROOT, pat))
    return sorted(os.path.relpath(p, ROOT) for p in out)


def includes(path):
    return re.findall(r'^#include "([^"]+)"', open(os.path.join(ROOT, path)).read(), re.M)


def resolve(path, inc):
    """The repository path an include names, or None (generated or system)."""
    for cand in (os.path.join(os.path.dirname(path), inc), os.path.join('libswgr', inc)):
        if os.path.exists(os.path.join(ROOT, cand)):
            return os.path.normpath(cand)
    return None


def program_of(path):
    for p in PROGRAMS:
        if path.startswith(p + '/'):
            return p
    return None


def main():
    allow = allowed_table()
    kind_re = kind_words()
    bad = []
    files = sources()
    graph = {}
    for f in files:
        graph[f] = []
        prog = program_of(f)
        for inc in includes(f):
            target = resolve(f, inc)
            if target is None:
                continue
            graph[f].append(target)
            if f.startswith('libswgr/'):
                mine, theirs = f.split('/')[1], target.split('/')[1] if target.startswith('libswgr/') else None
                if theirs is None:
                    bad.append('%s: includes %s, outside libswgr' % (f, inc))
                elif theirs != mine and theirs not in allow.get(mine, set()):
                    bad.append('%s: %s/ may not include %s/ (%s); see doc/ARCHITECTURE.md' %
                               (f, mine, theirs, inc))
            elif prog is not None and not target.startswith('libswgr/') and program_of(target) != prog:
                bad.append('%s: includes %s of another program' % (f, target))
        lines = open(os.path.join(ROOT, f)).read().split('\n')
        if len(lines) - 1 > MAX_LINES:
            head = []
            for l in lines:
                head.append(l)
                if '*/' in l:
                    break
            if not any('long:' in l for l in head):
                bad.append('%s: %d lines (over %d) and no reason in its opening comment' %
                           (f, len(lines) - 1, MAX_LINES))
        if f.endswith('.c') and (not f.startswith('libswgr/ln/') or f == 'libswgr/ln/ln.c'):
            for n, l in enumerate(lines, 1):
                if kind_re.search(l) and not l.lstrip().startswith(('*', '/*')):
                    bad.append('%s:%d: names a node kind outside its own file: %s' % (f, n, l.strip()))
    # circles in the include graph
    state = {}
    def visit(v, stack):
        state[v] = 1
        stack.append(v)
        for w in graph.get(v, []):
            if state.get(w) == 1:
                bad.append('include circle: ' + ' -> '.join(stack[stack.index(w):] + [w]))
            elif w not in state:
                visit(w, stack)
        stack.pop()
        state[v] = 2
    for f in files:
        if f not in state:
            visit(f, [])
    if '--symbols' in sys.argv:
        symbol_circles(sys.argv[sys.argv.index('--symbols') + 1])
    for b in bad:
        print(b)
    print('check-layout: %d files, %d problems' % (len(files), len(bad)))
    return 1 if bad else 0


def symbol_circles(build):
    objs = [o for o in glob.glob(os.path.join(build, '**/*.o'), recursive=True)
            if '/tests/' not in o and '/proto/' not in o]
    defs, refs = {}, collections.defaultdict(set)
    for o in objs:
        for l in subprocess.check_output(['nm', o]).decode().split('\n'):
            p = l.split()
            if len(p) == 3 and p[1] in 'TDBR':
                defs[p[2]] = o
            elif len(p) == 2 and p[0] == 'U':
                refs[o].add(p[1])
    g = {o: {defs[s] for s in refs[o] if s in defs and defs[s] != o} for o in objs}
    index, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)
    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(os.path.relpath(w, build))
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in objs:
        if v not in index:
            strong(v)
    for c in out:
        print('symbol circle (information): ' + ' <-> '.join(c))


if __name__ == '__main__':
    sys.exit(main())
