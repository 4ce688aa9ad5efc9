"""Shrink the saved figures of notebooks whose cells are too slow to re-run (slow and GPU cells keep their outputs).

A retina PNG (saved at twice its display size, which notebook metadata records as width/height) is resampled to its
display size; an image still heavier than --jpeg-kb afterwards (heat maps, photographs) is re-encoded as a JPEG.
Displayed sizes do not change. Run from the repository root, then `nbdev_clean`:

    python tools/shrink_outputs.py nbs/10_sohl_dickstein.ipynb nbs/11_ncsn.ipynb
"""
import argparse, base64, io, json
from pathlib import Path
from PIL import Image

def shrink(fn: Path, jpeg_kb: int = 120, quality: int = 85) -> tuple[int, int]:
    "Rewrite the notebook's image outputs in place; returns (bytes before, bytes after)"
    before = fn.stat().st_size
    nb = json.loads(fn.read_text())
    for cell in nb['cells']:
        for out in cell.get('outputs', []):
            data, meta = out.get('data', {}), out.setdefault('metadata', {})
            png = data.get('image/png')
            if png is None: continue
            im = Image.open(io.BytesIO(base64.b64decode(png)))
            size = meta.get('image/png', {})
            w, h = size.get('width'), size.get('height')
            if w and h and im.width >= 1.5 * w:               # retina: resample to the display size
                im = im.resize((int(w), int(h)), Image.LANCZOS)
                meta.pop('image/png', None)
            buf = io.BytesIO(); im.save(buf, format='PNG', optimize=True)
            new = buf.getvalue() if buf.tell() < len(png) * 3 / 4 else base64.b64decode(png)   # keep whichever is smaller
            if len(new) > jpeg_kb * 1024:                     # still heavy: a heat map or a photograph
                jb = io.BytesIO(); im.convert('RGB').save(jb, format='JPEG', quality=quality)
                if jb.tell() < len(new):
                    data.pop('image/png'); data['image/jpeg'] = base64.b64encode(jb.getvalue()).decode(); continue
            data['image/png'] = base64.b64encode(new).decode()
    fn.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return before, fn.stat().st_size

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--jpeg-kb', type=int, default=120, help='re-encode images heavier than this (KB) as JPEG')
    a = ap.parse_args()
    for fn in a.notebooks:
        b, e = shrink(fn, a.jpeg_kb)
        print(f'{fn}: {b / 1024:.0f} KB -> {e / 1024:.0f} KB')
