"""Train several recipes on digits at one budget with the command line, then print their digits FD as a table.

Each run is `diffusion-atlas train --data digits --recipe R --steps S --out runs/table/NAME` (resumable: rerunning
skips finished runs), evaluated with the recipe's default sampler by the atlas's measurement protocol (chapter 05):
5 seeds x 5000 samples against the training digits, digits FD as mean +- standard error, and a memorisation check.
"digits FD" is the Fréchet distance in the features of the atlas's own digits classifier (not FID). Run from the repository root inside the project's environment:

    OMP_NUM_THREADS=1 python tools/digits_table.py --steps 1000 --jobs 2
"""
import argparse, json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RUNS = {  # name: extra command-line arguments
    'edm': ['--recipe', 'edm'], 'vp': ['--recipe', 'vp'],
    'blur-0': ['--recipe', 'blur', '--blur-max', '0'], 'blur-1': ['--recipe', 'blur', '--blur-max', '1'],
    'blur-5': ['--recipe', 'blur', '--blur-max', '5'], 'blur-20': ['--recipe', 'blur', '--blur-max', '20'],
    'ihdm': ['--recipe', 'ihdm'],
    # chapter 20's experiments: the soft recipe's preconditioning, loss weight and noise schedule, one change at a time
    # ('soft' is the recipe's default model: residual, unit weight, i.e. x0-MSE on every frequency), all scored with the
    # Momentum Sampler on the Wasserstein grid (the recipe now samples on a uniform grid by default; chapter 20 compares them)
    'soft': ['--recipe', 'soft', '--sampler', 'soft-momentum'],
    'soft-residual-ssm': ['--recipe', 'soft', '--sampler', 'soft-momentum', '--precond', 'residual', '--loss-weight', 'soft'],
    'soft-frequency-snr': ['--recipe', 'soft', '--sampler', 'soft-momentum', '--precond', 'frequency', '--loss-weight', 'snr'],
    'soft-frequency-unit': ['--recipe', 'soft', '--sampler', 'soft-momentum', '--precond', 'frequency', '--loss-weight', 'unit'],
    'soft-frequency-x0': ['--recipe', 'soft', '--sampler', 'soft-momentum', '--precond', 'frequency', '--loss-weight', 'x0'],
    'soft-paper-noise': ['--recipe', 'soft', '--sampler', 'soft-momentum', '--noise-max', '0.1', '--noise-reach', '0.25'],
    'soft-residual-ssm-paper-noise': ['--recipe', 'soft', '--sampler', 'soft-momentum', '--precond', 'residual', '--loss-weight',
                                      'soft', '--noise-max', '0.1', '--noise-reach', '0.25'],
}

def run(name, steps, root, seed=0):
    out = root / name
    m, args = out / 'metrics.json', root / f'{name}.args.json'
    want = RUNS[name] + (['--seed', str(seed)] if seed else [])
    if m.exists() and json.loads(m.read_text())['steps'] == steps:
        if args.exists() and json.loads(args.read_text()) != want:            # the name now means another model
            print(f'{name}: {out} was made with {json.loads(args.read_text())}, not {want}: delete it or use another --root',
                  file=sys.stderr)
            return name, 2
        return name, 0
    args.write_text(json.dumps(want))
    cmd = [sys.executable, '-c', 'from diffusion_atlas.cli import main; raise SystemExit(main())', 'train', '--data', 'digits', '--steps', str(steps),
           '--out', str(out), *want]
    with open(root / f'{name}.log', 'w') as log: rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    return name, rc

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--root', default='runs/table')
    ap.add_argument('--seed', type=int, default=0, help='training seed of every run (use its own --root per seed)')
    ap.add_argument('--only', nargs='*', default=None, help='names of runs to do (default: all)')
    a = ap.parse_args()
    root = Path(a.root); root.mkdir(parents=True, exist_ok=True)
    names = a.only or list(RUNS)
    with ThreadPoolExecutor(a.jobs) as ex:
        for name, rc in ex.map(lambda n: run(n, a.steps, root, a.seed), names):
            if rc: print(f'{name}: failed (exit {rc}), see {root / name}.log', file=sys.stderr)
    print('| run | steps x batch | sampler | NFE | digits FD (mean +- SE) | memorisation z | train min |\n|---|---|---|---|---|---|---|')
    for name in names:
        f = root / name / 'metrics.json'
        if not f.exists(): continue
        m = json.loads(f.read_text())
        fd = f"{m['digits_fd']:.2f} +- {m['digits_fd_se']:.2f}" if 'digits_fd_se' in m else f"{m['digits_fd']:.1f} (one draw, old run)"
        print(f"| {name} | {m['steps']} x {m['batch_size']} | {m['sampler']} {m['sample_steps']} | {m['nfe']} | {fd} | "
              f"{m.get('memorisation_z', float('nan')):+.1f} | {m['train_seconds'] / 60:.1f} |")
    print("digits FD: the atlas's protocol (chapter 05): 5 seeds x 5000 samples against the 1,438 training digits, in the digits "
          "classifier's features (not FID); a memorisation z above 3 flags copying of the training set")
