"""Score chapter 22's solvers on a trained digits run with the measurement protocol, and print the table.

For every solver x grid x NFE budget: `diffusion-atlas eval`'s protocol (5 seeds x 5000 samples against the training
digits, digits FD and KID as mean +- SE, chapter 05). Each result is cached in <run>/solvers/<solver>_<grid>_<nfe>.json,
so the tool resumes where it stopped and can run in several processes at once (split the work with --solvers). A cached
result is used only if it was computed from the run's present checkpoint (its SHA-256 is recorded; results written
before that was recorded count if they are newer than the checkpoint) with the same --n and --seeds: retraining a run
or changing the protocol recomputes, never mixes.
The recipe's default (Heun, 18 steps = 35 NFE, EDM's grid) is the reference row; its result is taken from the run's
metrics.json when that was evaluated with the protocol. Every row is sampled with the reference's sampling seeds, so
the last column gives the reference's FD minus the row's seed by seed (mean +- SE of the paired differences): the noise the
two rows share cancels, and a difference smaller than the rows' own standard errors can still be resolved. Run from the repository root inside the project's environment:

    OMP_NUM_THREADS=1 python tools/solver_table.py --run nbs/runs/digits-edm --budgets 10 --grids edm optimised
"""
import argparse, hashlib, json, sys, time
from pathlib import Path

PER = {'heun': 2, 'dpm-solver-2': 2, 'dpmpp-2s': 2, 'dpm-solver-3': 3}    # evaluations per step of the single-step solvers
SOLVERS = ('euler', 'heun', 'dpm-solver-2', 'dpmpp-2s', 'dpmpp-2m', 'dpmpp-3m', 'lms', 'ipndm', 'deis', 'unipc')

def steps_for(solver:str, budget:int) -> int:
    "Grid steps that fit a budget of NFE: one per step for the multistep solvers, k(N-1)+1 <= budget for the single-step ones"
    k = PER.get(solver, 1)
    return budget if k == 1 else max(1, (budget - 1) // k + 1)

def fingerprint(ckpt:Path) -> str:
    "SHA-256 of a checkpoint file: which trained weights a cached result belongs to"
    h = hashlib.sha256()
    with open(ckpt, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''): h.update(block)
    return h.hexdigest()

def cached(f:Path, ckpt:Path, sha:str, n:int, seeds:int):
    "The cached result in `f` if it belongs to this checkpoint and protocol, else None"
    if not f.exists(): return None
    ev = json.loads(f.read_text())
    p = ev.get('protocol', {})
    if p.get('n') != n or len(p.get('seeds', ())) != seeds: return None
    if 'checkpoint_sha256' in ev: return ev if ev['checkpoint_sha256'] == sha else None
    return ev if f.stat().st_mtime >= ckpt.stat().st_mtime else None

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', default='nbs/runs/digits-edm', help='run directory of `diffusion-atlas train --data digits`')
    ap.add_argument('--solvers', nargs='*', default=list(SOLVERS))
    ap.add_argument('--budgets', nargs='*', type=int, default=[5, 10, 20])
    ap.add_argument('--grids', nargs='*', default=['edm', 'optimised'])
    ap.add_argument('--seeds', type=int, default=5)
    ap.add_argument('--n', type=int, default=5000)
    ap.add_argument('--print-only', action='store_true', help='print the table of what is cached; evaluate nothing')
    a = ap.parse_args()
    run = Path(a.run)
    if not (run / 'checkpoint.pt').exists():
        sys.exit(f"no checkpoint in {run}: train the default model first (diffusion-atlas train --data digits --out {run})")
    cache = run / 'solvers'; cache.mkdir(exist_ok=True)
    ckpt = run / 'checkpoint.pt'; sha = fingerprint(ckpt)
    from diffusion_atlas.cli import load_denoiser, evaluate
    D, meta = load_denoiser(run, device='cpu')
    todo = [(s, g, b) for b in a.budgets for s in a.solvers for g in a.grids]
    for s, g, b in ([] if a.print_only else todo):
        f = cache / f'{s}_{g}_{b}.json'
        if cached(f, ckpt, sha, a.n, a.seeds): continue
        t0 = time.time()
        ev = evaluate(D, meta, s, steps_for(s, b), a.n, a.seeds, device='cpu', grid=g)
        ev.update(solver=s, grid=g, budget=b, steps=steps_for(s, b), seconds=round(time.time() - t0, 1), checkpoint_sha256=sha)
        tmp = f.with_suffix('.tmp'); tmp.write_text(json.dumps(ev)); tmp.replace(f)      # never a half-written result
        print(f"{s} {g} {b}: digits FD {ev['digits_fd']['mean']:.3f} +- {ev['digits_fd']['se']:.3f} ({ev['seconds']:.0f} s)", flush=True)
    m = json.loads((run / 'metrics.json').read_text())
    ref = m.get('eval', {}).get('digits_fd', {}).get('values')     # the reference's per-seed FDs, same sampling seeds
    print('| solver | grid | steps | NFE | digits FD (mean +- SE) | digits KID (mean +- SE) | reference - row, paired by seed |\n|---|---|---|---|---|---|---|')
    if 'eval' in m: print(f"| {m['sampler']} (reference) | edm | {m['sample_steps']} | {m['nfe']} | {m['digits_fd']:.2f} +- {m['digits_fd_se']:.2f} | "
                          f"{m['digits_kid']:.2f} +- {m['digits_kid_se']:.2f} | |")
    stale = []
    for s, g, b in todo:
        f = cache / f'{s}_{g}_{b}.json'
        ev = cached(f, ckpt, sha, a.n, a.seeds)
        if ev is None:
            if f.exists(): stale.append(f.name)
            continue
        nfe = ev['steps'] * PER.get(s, 1) - (PER.get(s, 1) - 1)
        vals = ev['digits_fd']['values']
        paired = ''
        if ref and len(ref) == len(vals) >= 2:                   # the sampling noise the two rows share cancels
            d = [a - b for a, b in zip(ref, vals)]; mu = sum(d) / len(d)
            paired = f"{mu:.2f} +- {(sum((x - mu)**2 for x in d) / (len(d) - 1) / len(d)) ** 0.5:.2f}"
        print(f"| {s} | {g} | {ev['steps']} | {nfe} | {ev['digits_fd']['mean']:.2f} +- {ev['digits_fd']['se']:.2f} | "
              f"{ev['digits_kid']['mean']:.2f} +- {ev['digits_kid']['se']:.2f} | {paired} |")
    print(f"digits FD/KID: chapter 05's protocol ({a.seeds} seeds x {a.n} samples against the 1,438 training digits, the atlas's digits "
          "classifier: not FID); the same sampling seeds for every row")
    if stale: print(f"not shown, computed from another checkpoint or protocol (rerun without --print-only to recompute): {', '.join(stale)}")

if __name__ == '__main__':
    main()
