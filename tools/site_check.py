"""Check that the documentation site builds, without Quarto: run nbdev's docs processing on every notebook.

`nbdev_docs` first processes each notebook with nbdev's processors (`nbdev.serve.proc_nbs`) and only then runs Quarto,
which cannot be installed everywhere. The processing *executes* every cell that contains an import, `show_doc` or an
`#| export` directive (nbdev's `_do_eval`), whatever its test flags, so a training cell that imports something would
run during a docs build, and a cell mixing an import with code that needs an earlier, unexecuted cell fails.

This tool, run from the repository root inside the project's environment, checks each notebook in a fresh process:

1. statically, that no cell flagged `slow`, `gpu` or `notest` would be executed by the docs processing, that each
   chapter has its Colab badge and install cell, shows its exported code (`#| exports`) and weighs under MAX_KB, and
   that every relative link to a page (`[text](page.html)`) names a page some notebook produces;
2. that nbdev's processors run on a copy of the notebook without error (the processed notebooks go to --out);
3. with --html, that nbconvert renders each processed notebook to HTML (math left to MathJax), for screenshots:

    python tools/site_check.py                       # what .ci/run runs
    python tools/site_check.py nbs/12_ddpm.ipynb --html --out /tmp/site   # then screenshot with tools/screenshot.sh

It never changes the notebooks in nbs/. Exit status 1 if any notebook fails, with the cell and the error.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time, warnings
warnings.filterwarnings("ignore", message="Found cells containing imports")
from pathlib import Path

FLAGS = {'slow', 'gpu', 'notest'}

def flagged_cells_evaluated(nb_path: Path) -> list:
    "Indices and first lines of flagged cells that nbdev's docs processing would execute"
    from execnb.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import _do_eval
    nb = NBProcessor(nb=read_nb(nb_path), rm_directives=True).nb   # as the docs build sees the cells
    bad = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != 'code': continue
        if set(cell.directives_) & FLAGS and _do_eval(cell):
            bad.append((i, cell.source.splitlines()[0] if cell.source else ''))
    return bad

def mixed_import_cells(nb_path: Path) -> list:
    "Indices of cells the docs build executes because they import, although they also run other code (exports excepted)"
    import ast
    from execnb.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import _do_eval, _ast_contains
    nb = NBProcessor(nb=read_nb(nb_path), rm_directives=True).nb
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != 'code' or cell.directives_.keys() & {'export', 'exports', 'exporti'} or not _do_eval(cell): continue
        trees = cell.parsed_()
        if _ast_contains(trees, (ast.Import, ast.ImportFrom)) and _ast_contains(trees, (ast.Expr, ast.Assign)): out.append(i)
    return out

MAX_KB = 700   # "about 600 KB" a page: figures at 1x, heat maps and photographs as JPEG (core.show_jpeg)

def chapter_rules(nb_path: Path) -> list:
    "What a chapter notebook must have for readers: a Colab badge, the install cell, its code on the page, a modest weight"
    from execnb.nbio import read_nb
    nb, out = read_nb(nb_path), []
    if not nb_path.name[0].isdigit(): return out
    src = [c.source for c in nb.cells]
    prose = not any(c.cell_type == 'code' for c in nb.cells)   # a page without code needs no Colab badge nor install cell
    if not prose and not any('colab-badge.svg' in s for c, s in zip(nb.cells, src) if c.cell_type == 'markdown'):
        out.append('no "Open in Colab" badge')
    if not prose and not any(re.search(r'(?m)^%pip install -q diffusion-atlas$', s) for s in src): out.append('no hidden install cell')
    exports = [s.splitlines()[0] for c, s in zip(nb.cells, src) if c.cell_type == 'code' and s.startswith('#| export')]
    hidden = [l for l in exports[1:] if l.strip() == '#| export']
    if hidden: out.append(f'{len(hidden)} exported cells hide their code (use #| exports; only the import cell stays #| export)')
    for k, (c, s_) in enumerate(zip(nb.cells, src)):
        if c.cell_type == 'code' and re.match(r'#\|.*\bgpu\b', s_):
            cap = next((src[j] for j in range(k - 1, -1, -1) if nb.cells[j].cell_type == 'markdown'), '')
            if 'GPU' not in cap: out.append(f'the #| gpu cell {k} has no caption saying it runs on a GPU and what it prints')
    if not any(c.cell_type == 'markdown' and re.search(r'(?m)^## Summary', s_) for c, s_ in zip(nb.cells, src)):
        out.append('no "## Summary" section')
    kb = nb_path.stat().st_size / 1024
    if kb > MAX_KB: out.append(f'{kb:.0f} KB, more than {MAX_KB} KB (save figures at 1x, heat maps as JPEG)')
    return out

def site_pages(nbs_dir: Path) -> set:
    "The page names Quarto writes for the notebooks in nbs/ (nbdev sets each page's output-file: '22_fast_solvers' -> 'fast_solvers.html')"
    from nbdev.doclinks import _nbpath2html
    return {_nbpath2html(p).name for p in nbs_dir.glob('*.ipynb')}

def broken_links(nb_path: Path, pages: set) -> list:
    "Relative links to site pages ('[text](page.html#anchor)') in markdown cells whose page no notebook produces"
    from execnb.nbio import read_nb
    out = []
    for i, c in enumerate(read_nb(nb_path).cells):
        if c.cell_type != 'markdown': continue
        for target in re.findall(r'\]\(([^)\s#:]+\.html)(?:#[^)]*)?\)', c.source):
            if target not in pages: out.append(f"cell {i} links to {target}, which no notebook in nbs/ produces "
                                               f"(a page is named after its notebook without the number: {sorted(pages)[:3]}...)")
    return out

def process_one(src: str, dst: str) -> None:
    "Run nbdev's docs processors on one notebook (in this process), writing the result to dst"
    from execnb.nbio import read_nb, write_nb
    from nbdev.processors import FilterDefaults
    os.environ['IN_TEST'] = '1'
    nb = read_nb(src)
    FilterDefaults()(nb)
    write_nb(nb, dst)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', type=Path, help='default: every notebook in nbs/')
    ap.add_argument('--out', type=Path, default=None, help='folder for the processed notebooks (default: a temporary one)')
    ap.add_argument('--html', action='store_true', help='also render each processed notebook to HTML with nbconvert')
    ap.add_argument('--timeout', type=int, default=300, help='seconds allowed per notebook')
    ap.add_argument('--_one', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._one: return process_one(*a._one)
    nbs = a.notebooks or sorted(p for p in Path('nbs').glob('*.ipynb') if not p.name.startswith('_'))
    out = a.out or Path(tempfile.mkdtemp(prefix='site_check_'))
    out.mkdir(parents=True, exist_ok=True)
    failed, pages = [], site_pages(Path('nbs'))
    for nb in nbs:
        t0 = time.time()
        problems = chapter_rules(nb) + broken_links(nb, pages) + [f"cell {i} is flagged but the docs build would execute it (it contains an import "
                                         f"or an export directive; move imports to the hidden import cell): {line}"
                                         for i, line in flagged_cells_evaluated(nb)]
        problems += [f"cell {i} mixes imports with other code, and the docs build executes it: keep imports in the hidden "
                     f"import cell" for i in mixed_import_cells(nb)]
        if problems:
            for p in problems: print(f"FAIL {nb.name}: {p}")
            failed.append(nb.name); continue
        dst = (out / nb.name).resolve()
        env = {**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1')}
        try:
            r = subprocess.run([sys.executable, str(Path(__file__).resolve()), '--_one', str(nb.resolve()), str(dst)],
                               cwd=nb.parent, capture_output=True, text=True, timeout=a.timeout, env=env)
            ok, msg = r.returncode == 0, (r.stderr.strip().splitlines() or [''])[-1]
            if not ok: msg = '\n'.join(r.stderr.strip().splitlines()[-12:])
        except subprocess.TimeoutExpired:
            ok, msg = False, f'docs processing took longer than {a.timeout} s (is something slow executed?)'
        if ok and a.html:
            r = subprocess.run([sys.executable, '-m', 'nbconvert', '--to', 'html', '--output-dir', str(out), str(dst)],
                               capture_output=True, text=True)
            ok, msg = r.returncode == 0, r.stderr.strip().splitlines()[-1] if r.returncode else ''
        print(f"{'ok  ' if ok else 'FAIL'} {nb.name}: {time.time() - t0:.1f} s" + ('' if ok else f'\n{msg}'), flush=True)
        if not ok: failed.append(nb.name)
    print(f"site check: {len(nbs) - len(failed)} of {len(nbs)} notebooks processed" + (f"; failed: {', '.join(failed)}" if failed else '')
          + f"; output in {out}")
    sys.exit(1 if failed else 0)

if __name__ == '__main__':
    main()
