"""Execute notebooks in place and keep their outputs, so the Quarto site (which never runs cells) shows them.

Cells are skipped exactly as `nbdev_test` skips them: a cell whose `#|` directives name a flag from
settings.ini's `tst_flags` (notest slow gpu) is skipped unless that flag is passed with --flags.
Run from the repository root inside the project's environment, then `nbdev_clean`:

    python tools/run_notebooks.py nbs/02_space.ipynb nbs/06_cli.ipynb --flags slow && nbdev_clean

`--cells TEXT...` also runs the flagged cells whose source contains one of the texts (one long cell of a chapter,
with the unflagged cells it depends on), so a single slow result can be refreshed without the chapter's others:

    python tools/run_notebooks.py nbs/21_guidance.ipynb --cells guided_digits(Dcond
"""
import argparse, os, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

TST_FLAGS = {'notest', 'slow', 'gpu'}

def directives(source:str) -> set:
    "Words of the leading `#|` lines of a cell (`#| slow` -> {'slow'})"
    out = set()
    for line in source.splitlines():
        if not line.startswith('#|'): break
        out |= set(line[2:].replace(':', ' ').split())
    return out

def run(fn:Path, flags:set, cells:tuple=()) -> float:
    skip = TST_FLAGS - flags
    nb = read_nb(fn)
    def preproc(cell):
        if cell.cell_type != 'code': return True
        d = directives(cell.source)
        if any(t in cell.source for t in cells): return False
        return bool(d & skip) or ('eval' in d and 'false' in d)
    t0 = time.time()
    shell = CaptureShell(fn, mpl_format='png')   # 1x figures: retina PNGs double a notebook's weight for no reader
    cwd = os.getcwd(); os.chdir(fn.parent)
    try: shell.run_all(nb, exc_stop=True, preproc=preproc)
    finally: os.chdir(cwd)
    write_nb(nb, fn)
    return time.time() - t0

if __name__ == '__main__':
    shared = Path(__file__).resolve().parents[2] / 'shared/data/cifar10-jpeg.tar.gz'   # as .ci/run does: real CIFAR-10 figures
    if not os.environ.get('DIFFUSION_ATLAS_CIFAR10') and shared.exists(): os.environ['DIFFUSION_ATLAS_CIFAR10'] = str(shared)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--flags', default='', help='space-separated flags whose cells should run too (e.g. "slow")')
    ap.add_argument('--cells', nargs='*', default=[], help='also run the flagged cells whose source contains one of these texts')
    a = ap.parse_args()
    for fn in a.notebooks:
        if a.cells:                                      # a text that names no cell is a typo, not a no-op
            srcs = [c.source for c in read_nb(fn).cells if c.cell_type == 'code']
            missing = [t for t in a.cells if not any(t in s_ for s_ in srcs)]
            if missing: sys.exit(f'{fn}: no code cell contains {missing}')
        print(f'{fn}: {run(fn, set(a.flags.split()), tuple(a.cells)):.1f} s', flush=True)
