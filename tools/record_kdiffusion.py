"""Record k-diffusion's sampler outputs on a small exact problem, for chapter 22's differential test.

Writes nbs/fixtures/kdiffusion-<version>.json: a 4-component mixture in 16 dimensions (its parameters stored), four
starting points at sigma = 80, EDM's 10-step grid, and the endpoint of each k-diffusion sampler. Needs k-diffusion
(`pip install k-diffusion`, or `pip install --no-deps k-diffusion torchsde torchdiffeq` as this tool needs only its
`sampling` module). Run from the repository root:

    python tools/record_kdiffusion.py
"""
import importlib, importlib.metadata, importlib.util, json, sys, types
from pathlib import Path
import torch
from diffusion_atlas.core import make_generator
from diffusion_atlas.space import karras_grid
from diffusion_atlas.solvers import mixture_bench

spec = importlib.util.find_spec('k_diffusion')
if spec is None: sys.exit("k-diffusion is not installed: pip install k-diffusion")
pkg = types.ModuleType('k_diffusion'); pkg.__path__ = list(spec.submodule_search_locations)
sys.modules['k_diffusion'] = pkg                      # load k_diffusion.sampling without the package's heavy __init__
K = importlib.import_module('k_diffusion.sampling')
version = importlib.metadata.version('k-diffusion')

gmm = mixture_bench(seed=3, K=4, D=16)
class Model(torch.nn.Module):
    def forward(self, x, sigma): return gmm.denoise(x, sigma)
m = Model()
x = 80. * torch.randn(4, 16, generator=make_generator(4), dtype=torch.float64)
sig = karras_grid(10, dtype=torch.float64)
runs = {'sample_euler': lambda: K.sample_euler(m, x, sig, disable=True),
        'sample_heun': lambda: K.sample_heun(m, x, sig, disable=True),
        'sample_lms': lambda: K.sample_lms(m, x, sig, disable=True),
        'sample_dpmpp_2m': lambda: K.sample_dpmpp_2m(m, x, sig, disable=True),
        'sample_dpm_2': lambda: K.sample_dpm_2(m, x, sig, disable=True),
        'sample_dpmpp_2s_ancestral(eta=0)': lambda: K.sample_dpmpp_2s_ancestral(m, x, sig, eta=0., disable=True),
        'sample_dpmpp_3m_sde(eta=0)': lambda: K.sample_dpmpp_3m_sde(m, x, sig, eta=0., disable=True)}
out = dict(k_diffusion=version, torch=torch.__version__, means=gmm.means.tolist(), stds=gmm.var.sqrt().tolist(),
           x=x.tolist(), sigmas=sig.tolist(), endpoints={k: f().tolist() for k, f in runs.items()})
path = Path('nbs/fixtures') / f'kdiffusion-{version}.json'
path.write_text(json.dumps(out))
print(f"wrote {path} ({path.stat().st_size} bytes): {', '.join(runs)}")
