"""Train several recipes on digits at one budget with the command line, then print their digits FD as a table.

Each run is `diffusion-atlas train --data digits --recipe R --steps S --out runs/table/NAME` (resumable: rerunning
skips finished runs), evaluated with the recipe's default sampler by the atlas's measurement protocol (chapter 05):
5 seeds x 5000 samples against the training digits, digits FD as mean +- standard error, and a memorisation check.
"digits FD" is the Fréchet distance in the features of the atlas's own digits classifier (not FID). Run from the repository root inside the project's environment:

    OMP_NUM_THREADS=1 python tools/digits_table.py --steps 1000 --jobs 2

Runs of one recipe differ between training seeds by more than the sampling standard error (chapter 05), so a ranking of
recipes needs several trainings of each. `--seeds 0 1 2` trains every recipe once per seed (in `<root>/seed<k>/`) and
prints the mean over training seeds +- its standard error; there `--eval-seeds 2` (two sampling seeds of 5000 per model)
is enough, since the sampling error is then small beside the spread between trainings.

Every finished run's arguments and metrics are also written to the ledger, `nbs/ledger/<root below runs>/<name>.json`, which
is committed: on a fresh checkout the tables print from it, and a run it records is not trained again (the checkpoints are
not kept, so a chapter cell that samples from a model still needs its run folder). `ledger_eval` keeps a run's further
measurements there too, as `<name>.<key>.json` (another sampler's figures, a diagnostic); such a record is not tied to the
run's arguments, so a key names one measurement of one model: retrain a run under another name, not in its old folder.
"""
import argparse, json, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

def soft(*extra):
    """The soft recipe with `extra`; the options whose defaults chapter 20 changed are pinned to the values of its first
    experiments (residual network, the lowest frequency blurred to 0.01, uniform training times, the paper's Momentum Sampler) unless
    `extra` sets them, so that a row names one model and one sampler whatever the recipe's defaults are"""
    pins = [x for flag, value in (('--precond', 'residual'), ('--blur-keep', '0.01'), ('--t-center', '0'), ('--sde-share', '1'))
            if flag not in extra for x in (flag, value)]
    args = ['--recipe', 'soft', *extra, *pins]
    _PINNED[tuple(args)] = len(pins)
    return args

_PINNED = {}   # a soft row's arguments: how many of them, at the end, are pins

def _unpinned(args):
    """The row's arguments as recorded before some of its pins existed (when the pinned values were the recipe's defaults):
    the same model; the pins were added in the order they are listed, so an older record lacks the last ones"""
    n = _PINNED.get(tuple(args), 0)
    return [args[:len(args) - 2 * k] for k in range(1, n // 2 + 1)]

RUNS = {  # name: extra command-line arguments
    'edm': ['--recipe', 'edm'], 'vp': ['--recipe', 'vp'],
    'blur-0': ['--recipe', 'blur', '--blur-max', '0'], 'blur-1': ['--recipe', 'blur', '--blur-max', '1'],
    'blur-5': ['--recipe', 'blur', '--blur-max', '5'], 'blur-20': ['--recipe', 'blur', '--blur-max', '20'],
    'ihdm': ['--recipe', 'ihdm'],
    # chapter 19 with chapter 20's finding: v-prediction and v-MSE, so that the frequencies the blur hides are trained too
    'blur-5-v': ['--recipe', 'blur', '--blur-max', '5', '--param', 'v'], 'blur-0-v': ['--recipe', 'blur', '--blur-max', '0', '--param', 'v'],
    # ... and with chapter 20's other finding, logit-normal training times around t = 0.4 (the soft recipe's default)
    'blur-5-mid': ['--recipe', 'blur', '--blur-max', '5', '--t-center', '0.4', '--t-spread', '0.7'],
    'blur-0-mid': ['--recipe', 'blur', '--blur-max', '0', '--t-center', '0.4', '--t-spread', '0.7'],
    # chapter 20's experiments: the soft recipe's preconditioning, loss weight and noise schedule, one change at a time
    # ('soft' is the model of the first experiments: residual, unit weight, i.e. x0-MSE on every frequency). The rows that
    # name --sampler soft-momentum are scored on the Wasserstein grid; the others with the recipe's default for their model,
    # the uniform grid (chapter 20 compares the two)
    'soft': soft('--sampler', 'soft-momentum'),
    'soft-uniform': soft(),      # the same model with the recipe's default sampler (25 steps, uniform grid)
    'soft-residual-ssm': soft('--sampler', 'soft-momentum', '--precond', 'residual', '--loss-weight', 'soft'),
    'soft-frequency-snr': soft('--sampler', 'soft-momentum', '--precond', 'frequency', '--loss-weight', 'snr'),
    'soft-frequency-unit': soft('--sampler', 'soft-momentum', '--precond', 'frequency', '--loss-weight', 'unit'),
    'soft-frequency-x0': soft('--sampler', 'soft-momentum', '--precond', 'frequency', '--loss-weight', 'x0'),
    'soft-paper-noise': soft('--sampler', 'soft-momentum', '--noise-max', '0.1', '--noise-reach', '0.25'),
    'soft-residual-ssm-paper-noise': soft('--sampler', 'soft-momentum', '--precond', 'residual', '--loss-weight',
                                      'soft', '--noise-max', '0.1', '--noise-reach', '0.25'),
    # more noise at the end of the corruption (the default reaches 0.5): does the sampler need room to correct?
    'soft-noise-1': soft('--noise-max', '1'), 'soft-noise-2': soft('--noise-max', '2'),
    'soft-noise-4': soft('--noise-max', '4'),
    # less blur at the end of the corruption (the default leaves 0.01 of the lowest frequency: all but the mean colour erased)
    'soft-keep-0.1': soft('--blur-keep', '0.1'), 'soft-keep-0.3': soft('--blur-keep', '0.3'),
    'soft-keep-0.05': soft('--blur-keep', '0.05'), 'soft-keep-0.2': soft('--blur-keep', '0.2'),
    # more training where the network fails (t < 0.3): times t = u^p
    'soft-tpow-2': soft('--t-power', '2'), 'soft-tpow-3': soft('--t-power', '3'),
    # per-frequency preconditioning one part at a time, each on the default model (residual network, x0-MSE, uniform grid):
    # the loss stays the x0-MSE (for the residual network the default 'unit' weight is that too), so only the parametrisation changes
    'soft-linear-skip': soft('--precond', 'linear-skip', '--loss-weight', 'x0'),
    'soft-error-scale': soft('--precond', 'error-scale', '--loss-weight', 'x0'),
    'soft-input-scale': soft('--precond', 'input-scale', '--loss-weight', 'x0'),
    # the two changes that helped at seed 0, together
    'soft-input-keep-0.1': soft('--precond', 'input-scale', '--loss-weight', 'x0', '--blur-keep', '0.1'),
    # ... and with training times t = u^0.5: more of the training at large t, the direction t^2 and t^3 did not try
    'soft-input-keep-0.1-tpow-0.5': soft('--precond', 'input-scale', '--loss-weight', 'x0', '--blur-keep', '0.1',
                                     '--t-power', '0.5'),
    # the default (lighter blur) with logit-normal training times around t = 0.4, where the class of a sample is decided
    'soft-keep-0.1-mid': soft('--blur-keep', '0.1', '--t-center', '0.4', '--t-spread', '1'),
    'soft-keep-0.1-mid-narrow': soft('--blur-keep', '0.1', '--t-center', '0.4', '--t-spread', '0.7'),
    # ... its median moved earlier or later in the corruption
    'soft-keep-0.1-c0.3': soft('--blur-keep', '0.1', '--t-center', '0.3', '--t-spread', '0.7'),
    'soft-keep-0.1-c0.5': soft('--blur-keep', '0.1', '--t-center', '0.5', '--t-spread', '0.7'),
    # ... with a share of uniform times mixed in, so that the ends of [0, 1] (t > 0.8: 0.5% of the logit-normal times) are trained
    'soft-mix-0.2': soft('--blur-keep', '0.1', '--t-center', '0.4', '--t-spread', '0.7', '--t-uniform', '0.2'),
    'soft-mix-0.1': soft('--blur-keep', '0.1', '--t-center', '0.4', '--t-spread', '0.7', '--t-uniform', '0.1'),
}

LEDGER = Path(__file__).resolve().parent.parent / 'nbs' / 'ledger'
# The ledger keeps each finished run's arguments and metrics in the repository (a few hundred bytes a run), so that the
# tables and the chapters' comparisons outlive the run folders, which are not committed (checkpoints) and are lost with
# the machine. A run whose folder is gone but whose ledger record has the same arguments and steps is not trained again.

def ledger_file(root, name):
    "The ledger record of run `name` under `root` (e.g. runs/across/seed1 -> nbs/ledger/across/seed1/name.json)"
    parts = Path(root).parts
    return LEDGER.joinpath(*(parts[parts.index('runs') + 1:] if 'runs' in parts else parts[-1:]), f'{name}.json')

def read_metrics(root, name, steps=None):
    "The metrics of run `name` under `root`: from its folder if it is there, else from the ledger; None if neither has it"
    f = Path(root) / name / 'metrics.json'
    if f.exists(): return json.loads(f.read_text())
    if (g := ledger_file(root, name)).exists():
        rec = json.loads(g.read_text())
        if steps is None or rec['metrics']['steps'] == steps: return rec['metrics']
    return None

def ledger_eval(root, name, key, compute):
    """A further measurement `key` of run `name` (another sampler's protocol figures, a diagnostic): from the run folder's
    `<key>.json`, else from the ledger's `<name>.<key>.json`, else `compute()` (which needs the run folder); a result computed or
    found in the folder is recorded in the ledger too, with the versions it ran under"""
    f, g = Path(root) / name / f'{key}.json', ledger_file(root, name).with_name(f'{name}.{key}.json')
    if not f.exists() and g.exists(): return json.loads(g.read_text())['metrics']
    out = json.loads(f.read_text()) if f.exists() else compute()
    if not f.exists() and f.parent.exists(): f.write_text(json.dumps(out))
    if not g.exists():
        g.parent.mkdir(parents=True, exist_ok=True)
        g.write_text(json.dumps(dict(metrics=out, env=_environment()), indent=1) + '\n')
    return out

def _ledger_write(root, name, args):
    m = json.loads((Path(root) / name / 'metrics.json').read_text())
    g = ledger_file(root, name); g.parent.mkdir(parents=True, exist_ok=True)
    g.write_text(json.dumps(dict(args=args, metrics=m, env=_environment()), indent=1) + '\n')

def _environment():
    "The versions a run's numbers depend on: the same seed trains the same model only within one installation"
    import platform
    from importlib.metadata import version
    commit = subprocess.run(['git', 'describe', '--always', '--dirty'], capture_output=True, text=True, cwd=LEDGER.parent).stdout.strip()
    return dict(python=platform.python_version(), machine=platform.machine(), commit=commit,
                **{p: version(p) for p in ('torch', 'numpy', 'scipy', 'scikit-learn', 'diffusion-atlas')})

def run(name, steps, root, seed=0, eval_seeds=None):
    out = root / name
    m, args = out / 'metrics.json', root / f'{name}.args.json'
    flags = (['--seed', str(seed)] if seed else []) + (['--eval-seeds', str(eval_seeds)] if eval_seeds is not None else [])
    want = RUNS[name] + flags
    if not m.exists() and (g := ledger_file(root, name)).exists():
        rec = json.loads(g.read_text())
        if rec['args'] in [want] + [u + flags for u in _unpinned(RUNS[name])] and rec['metrics']['steps'] == steps:
            return name, 0                         # measured before, on a machine whose run folders are gone
    if args.exists() and json.loads(args.read_text()) in [u + flags for u in _unpinned(RUNS[name])]:
        args.write_text(json.dumps(want))          # recorded before the pins, with the same model: record it with them
    if m.exists() and json.loads(m.read_text())['steps'] == steps:
        if args.exists() and json.loads(args.read_text()) != want:            # the name now means another model
            print(f'{name}: {out} was made with {json.loads(args.read_text())}, not {want}: delete it or use another --root',
                  file=sys.stderr)
            return name, 2
        if not ledger_file(root, name).exists(): _ledger_write(root, name, want)
        return name, 0
    args.write_text(json.dumps(want))
    cmd = [sys.executable, '-c', 'from diffusion_atlas.cli import main; raise SystemExit(main())', 'train', '--data', 'digits', '--steps', str(steps),
           '--out', str(out), *want]
    with open(root / f'{name}.log', 'w') as log: rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc == 0 and m.exists(): _ledger_write(root, name, want)
    return name, rc

def seed_table(root, names, seeds):
    "Markdown rows: each recipe's digits FD as mean +- SE over training seeds, with every seed's own figure."
    rows = ['| run | sampler | NFE | training seeds | digits FD, mean +- SE over training seeds | per seed | digits KID | max memorisation z |',
            '|---|---|---|---|---|---|---|---|']
    def mean_se(v):
        m = sum(v) / len(v)
        return m, (sum((x - m) ** 2 for x in v) / (len(v) - 1) / len(v)) ** .5 if len(v) > 1 else float('nan')
    for name in names:
        ms = [m for k in seeds if (m := read_metrics(root / f'seed{k}', name)) is not None]
        if not ms: continue
        (fd, fd_se), (kd, kd_se) = mean_se([m['digits_fd'] for m in ms]), mean_se([m['digits_kid'] for m in ms])
        per = ' / '.join(f"{m['digits_fd']:.2f} +- {m['digits_fd_se']:.2f}" for m in ms)
        z = max(m.get('memorisation_z', float('nan')) for m in ms)
        rows.append(f"| {name} | {ms[0]['sampler']} {ms[0]['sample_steps']} | {ms[0]['nfe']} | {len(ms)} | {fd:.2f} +- {fd_se:.2f} | "
                    f"{per} | {kd:.2f} +- {kd_se:.2f} | {z:+.1f} |")
    return '\n'.join(rows)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--root', default='runs/table')
    ap.add_argument('--seed', type=int, default=0, help='training seed of every run (use its own --root per seed)')
    ap.add_argument('--seeds', type=int, nargs='*', default=None,
                    help='train every run once per seed, in <root>/seed<k>/, and print mean +- SE over the seeds')
    ap.add_argument('--eval-seeds', type=int, default=None, help='sampling seeds of each evaluation (default: the protocol\'s 5)')
    ap.add_argument('--only', nargs='*', default=None, help='names of runs to do (default: all)')
    ap.add_argument('--print-only', action='store_true', help='train nothing: print the table of the runs that have finished')
    a = ap.parse_args()
    root = Path(a.root); root.mkdir(parents=True, exist_ok=True)
    names = a.only or list(RUNS)
    if unknown := [n for n in names if n not in RUNS]: ap.error(f'unknown runs {unknown}; known: {list(RUNS)}')
    if a.eval_seeds is not None and a.eval_seeds < 2: ap.error('--eval-seeds needs at least 2 sampling seeds for a standard error')
    if a.seeds is not None and a.seed: ap.error('--seed sets one training seed and --seeds several: use one of them')
    protocol = f"{a.eval_seeds or 5} seeds x 5000 samples" 
    if a.seeds is not None:
        if len(a.seeds) < 2: ap.error('--seeds needs at least two training seeds for a standard error')
        jobs = [(n, k) for n in names for k in a.seeds]         # recipe by recipe: the first rows finish first
        for k in a.seeds: (root / f'seed{k}').mkdir(exist_ok=True)
        with ThreadPoolExecutor(a.jobs) as ex:
            for (name, k), (_, rc) in zip(jobs, ex.map(lambda j: run(j[0], a.steps, root / f'seed{j[1]}', j[1], a.eval_seeds),
                                                       [] if a.print_only else jobs)):
                if rc: print(f'{name} seed {k}: failed (exit {rc}), see {root}/seed{k}/{name}.log', file=sys.stderr)
        print(seed_table(root, names, a.seeds))
        print(f"digits FD and KID: the atlas's protocol (chapter 05) per model, {protocol} against the 1,438 training digits in the "
              "digits classifier's features (not FID); mean and SE over training seeds; a memorisation z above 3 flags copying")
        raise SystemExit(0)
    with ThreadPoolExecutor(a.jobs) as ex:
        for name, rc in ex.map(lambda n: run(n, a.steps, root, a.seed, a.eval_seeds), [] if a.print_only else names):
            if rc: print(f'{name}: failed (exit {rc}), see {root / name}.log', file=sys.stderr)
    print('| run | steps x batch | sampler | NFE | digits FD (mean +- SE) | memorisation z | train min |\n|---|---|---|---|---|---|---|')
    for name in names:
        if (m := read_metrics(root, name)) is None: continue
        fd = f"{m['digits_fd']:.2f} +- {m['digits_fd_se']:.2f}" if 'digits_fd_se' in m else f"{m['digits_fd']:.1f} (one draw, old run)"
        print(f"| {name} | {m['steps']} x {m['batch_size']} | {m['sampler']} {m['sample_steps']} | {m['nfe']} | {fd} | "
              f"{m.get('memorisation_z', float('nan')):+.1f} | {m['train_seconds'] / 60:.1f} |")
    print(f"digits FD: the atlas's protocol (chapter 05): {protocol} against the 1,438 training digits, in the digits "
          "classifier's features (not FID); a memorisation z above 3 flags copying of the training set")
