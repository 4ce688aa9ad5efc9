"""Score chapter 22's solvers on a trained digits run with the measurement protocol, and print the table.

For every solver x grid x NFE budget: `diffusion-atlas eval`'s protocol (5 seeds x 5000 samples against the training
digits, digits FD and KID as mean +- SE, chapter 05). Each result is cached in <run>/solvers/<solver>_<grid>_<nfe>.json,
so the tool resumes where it stopped and can run in several processes at once (split the work with --solvers).
The recipe's default (Heun, 18 steps = 35 NFE, EDM's grid) is the reference row; its result is taken from the run's
metrics.json when that was evaluated with the protocol. Run from the repository root inside the project's environment:

    OMP_NUM_THREADS=1 python tools/solver_table.py --run nbs/runs/digits-edm --budgets 10 --grids edm optimised
"""
import argparse, json, sys, time
from pathlib import Path

PER = {'heun': 2, 'dpm-solver-2': 2, 'dpmpp-2s': 2, 'dpm-solver-3': 3}    # evaluations per step of the single-step solvers
SOLVERS = ('euler', 'heun', 'dpm-solver-2', 'dpmpp-2s', 'dpmpp-2m', 'dpmpp-3m', 'lms', 'ipndm', 'deis', 'unipc')

def steps_for(solver:str, budget:int) -> int:
    "Grid steps that fit a budget of NFE: one per step for the multistep solvers, k(N-1)+1 <= budget for the single-step ones"
    k = PER.get(solver, 1)
    return budget if k == 1 else max(1, (budget - 1) // k + 1)

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
    from diffusion_atlas.cli import load_denoiser, evaluate
    D, meta = load_denoiser(run, device='cpu')
    todo = [(s, g, b) for b in a.budgets for s in a.solvers for g in a.grids]
    for s, g, b in ([] if a.print_only else todo):
        f = cache / f'{s}_{g}_{b}.json'
        if f.exists(): continue
        t0 = time.time()
        ev = evaluate(D, meta, s, steps_for(s, b), a.n, a.seeds, device='cpu', grid=g)
        ev.update(solver=s, grid=g, budget=b, steps=steps_for(s, b), seconds=round(time.time() - t0, 1))
        f.write_text(json.dumps(ev))
        print(f"{s} {g} {b}: digits FD {ev['digits_fd']['mean']:.3f} +- {ev['digits_fd']['se']:.3f} ({ev['seconds']:.0f} s)", flush=True)
    m = json.loads((run / 'metrics.json').read_text())
    print('| solver | grid | steps | NFE | digits FD (mean +- SE) | digits KID (mean +- SE) |\n|---|---|---|---|---|---|')
    if 'eval' in m: print(f"| {m['sampler']} (reference) | edm | {m['sample_steps']} | {m['nfe']} | {m['digits_fd']:.2f} +- {m['digits_fd_se']:.2f} | "
                          f"{m['digits_kid']:.2f} +- {m['digits_kid_se']:.2f} |")
    for s, g, b in todo:
        f = cache / f'{s}_{g}_{b}.json'
        if not f.exists(): continue
        ev = json.loads(f.read_text())
        nfe = ev['steps'] * PER.get(s, 1) - (PER.get(s, 1) - 1)
        print(f"| {s} | {g} | {ev['steps']} | {nfe} | {ev['digits_fd']['mean']:.2f} +- {ev['digits_fd']['se']:.2f} | "
              f"{ev['digits_kid']['mean']:.2f} +- {ev['digits_kid']['se']:.2f} |")
    print(f"digits FD/KID: chapter 05's protocol ({a.seeds} seeds x {a.n} samples against the 1,438 training digits, the atlas's digits "
          "classifier: not FID); the same sampling seeds for every row")

if __name__ == '__main__':
    main()
