#!/bin/sh
# check-html.sh DEMO — render the demo space.html (written by the DEMO
# program, tests/demo_plots.c) in headless Chromium and check that the
# screenshot is not blank: the page must show ink at all, and the canvas
# must show speaker red and concept blue, which only the inline script
# draws. Skipped when Chromium is not installed (install-deps.sh does not
# install it: apt-get install chromium). As root Chromium needs
# --no-sandbox. CHECK_HTML_OUT=DIR keeps the pages and space.png there.
set -eu
DEMO=$1
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
    echo "check-html: SKIPPED (no chromium; apt-get install chromium to run it)"
    exit 0
fi
if [ -n "${CHECK_HTML_OUT:-}" ]; then
    OUT=$CHECK_HTML_OUT
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d)
    trap 'rm -rf "$OUT"' EXIT
fi
"$DEMO" "$OUT"
# virtual time lets the page's script run before the shot is taken
"$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --window-size=1000,760 --virtual-time-budget=3000 \
    --screenshot="$OUT/space.png" "file://$OUT/space.html" >"$OUT/chromium.log" 2>&1 || {
    echo "check-html: FAILED (chromium exited with an error)"; cat "$OUT/chromium.log"; exit 1; }
[ -s "$OUT/space.png" ] || { echo "check-html: FAILED (no screenshot)"; cat "$OUT/chromium.log"; exit 1; }
# Count pixels in the PNG (8-bit RGB/RGBA, not interlaced, as Chromium
# writes it): ink = not white, red = speaker markers, blue = concepts.
/usr/bin/python3 - "$OUT/space.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit('check-html: FAILED (unexpected PNG format %r)' % (hdr,))
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, p = bytearray(stride), [], 0
for y in range(h):
    ft, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
    p += 1 + stride
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if ft == 1: line[i] = (line[i] + a) & 255
        elif ft == 2: line[i] = (line[i] + b) & 255
        elif ft == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif ft == 4:
            q = a + b - c; pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
ink = red = blue = 0
for line in rows:
    for i in range(0, stride, bpp):
        r, g, b = line[i], line[i + 1], line[i + 2]
        if r < 245 or g < 245 or b < 245: ink += 1
        if r > 150 and g < 90 and b < 90: red += 1
        if b > 120 and r < 150 and b > r + 40: blue += 1
total = w * h
print('check-html: %dx%d screenshot, %.2f%% ink, %d speaker-red and %d concept-blue pixels'
      % (w, h, 100.0 * ink / total, red, blue))
if ink < total // 200 or red < 50 or blue < 200:
    sys.exit('check-html: FAILED (the page looks blank: the 3-D view was not drawn)')
print('check-html: OK')
PY
[ -n "${CHECK_HTML_OUT:-}" ] && echo "check-html: pages and screenshot kept in $OUT"
exit 0
