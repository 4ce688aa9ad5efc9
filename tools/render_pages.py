"""Render chapters as a reader sees them: nbdev's docs processing, nbconvert to HTML, MathJax typeset offline, headless Chromium screenshots.

Quarto is not available everywhere; this is the closest look at the site without it. Each notebook is processed by
`tools/site_check.py --html` (nbdev's processors, then nbconvert), MathJax 2 comes from the npm registry (installed once
into .cache/mathjax), and Chromium writes a full-page screenshot of each page:

    python tools/render_pages.py nbs/12_ddpm.ipynb nbs/16_edm.ipynb --out /tmp/pages   # PNGs in /tmp/pages

Needs `npm` and Debian's `chromium` (`apt-get install chromium`).
"""
import argparse, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def mathjax() -> Path:
    "MathJax 2's entry script, installed from the npm registry into .cache/mathjax on first use"
    d = ROOT / '.cache' / 'mathjax'
    js = d / 'node_modules' / 'mathjax' / 'MathJax.js'
    if not js.exists():
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run(['npm', 'install', '--silent', '--prefix', str(d), 'mathjax@2'], check=True)
    return js

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--out', type=Path, default=Path('/tmp/pages'))
    ap.add_argument('--width', type=int, default=1100)
    ap.add_argument('--height', type=int, default=9000, help='pixels of the page to capture')
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    chrome = shutil.which('chromium') or shutil.which('chromium-browser')
    if chrome is None: sys.exit("needs Chromium: apt-get install chromium")
    js = mathjax()
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'site_check.py'), *map(str, a.notebooks), '--out', str(a.out)])
    if r.returncode: sys.exit("the docs processing failed (see above)")
    for nb in a.notebooks:
        proc = a.out / nb.name
        html = a.out / (nb.stem + '.html')
        subprocess.run([sys.executable, '-m', 'nbconvert', '--to', 'html', '--output-dir', str(a.out), str(proc),
                        f'--HTMLExporter.mathjax_url=file://{js}?config=TeX-AMS_CHTML-full'], check=True, capture_output=True)
        png = a.out / (nb.stem + '.png')
        subprocess.run([chrome, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update', '--disable-sync',
                        '--allow-file-access-from-files', '--virtual-time-budget=15000', '--hide-scrollbars',
                        f'--user-data-dir={a.out / ".chrome"}', f'--window-size={a.width},{a.height}',
                        f'--screenshot={png}', f'file://{html}'], check=True, capture_output=True)
        print(f'{nb.name}: {png}')

if __name__ == '__main__':
    main()
