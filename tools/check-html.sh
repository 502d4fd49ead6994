#!/bin/sh
# check-html.sh DEMO HUEY — render three 3-D views in headless Chromium and
# check that each screenshot is not blank: the demo space.html (written by
# DEMO, tests/demo_plots.c), a real one: HUEY learns
# ../shared/data/TrumpInterview.txt (tests/data/example_conversation.txt
# where the shared data is absent) with --checkpoint, and `huey galileo
# --method torgerson --out` writes the space of that checkpoint; and the
# live view of `huey run --follow - --live DIR` on the example, opened with
# #view=yaw,pitch,zoom in its URL: the page must take that view (the one a
# reload keeps): its canvas says so (data-view) and its picture differs
# from the default view's. A page must show ink at all, and the canvas
# must show speaker red and concept blue, which only the inline script
# draws. (Whether the page reloads is not checked here: headless Chromium
# takes no screenshot across a reload.) Fails when Chromium is missing:
# make check-html installs it first (tools/install-deps.sh chromium). As
# root Chromium needs --no-sandbox. CHECK_HTML_OUT=DIR keeps
# the pages and the screenshots (demo.png, real.png) there.
set -eu
DEMO=$1
HUEY=$2
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
    echo "check-html: FAILED (no chromium; sh tools/install-deps.sh chromium installs it)"
    exit 1
fi
if [ -n "${CHECK_HTML_OUT:-}" ]; then
    OUT=$CHECK_HTML_OUT
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d)
    trap 'rm -rf "$OUT"' EXIT
fi
"$DEMO" "$OUT"
INPUT=../shared/data/TrumpInterview.txt
[ -f "$INPUT" ] || INPUT=tests/data/example_conversation.txt
"$HUEY" run "$INPUT" --progress-interval 0 --checkpoint "$OUT/real.h5" 2>"$OUT/huey.log" &&
    "$HUEY" galileo "$OUT/real.h5" --method torgerson --out "$OUT/real" 2>>"$OUT/huey.log" || {
    echo "check-html: FAILED (huey could not write the real space)"; cat "$OUT/huey.log"; exit 1; }

# the live view: reloading every 30 s, so not within the 3 s below
"$HUEY" run --follow - --live "$OUT/live" --live-every 30 --progress-interval 0 \
    <tests/data/example_conversation.txt 2>>"$OUT/huey.log" || {
    echo "check-html: FAILED (huey could not write the live view)"; cat "$OUT/huey.log"; exit 1; }

# shot PAGE PNG: the page in a 1000×760 window; virtual time lets its
# script run before the shot is taken
chromium_on() {
    "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --window-size=1000,760 --virtual-time-budget=3000 "$@" 2>"$OUT/chromium.log"
}
shot() {
    chromium_on --screenshot="$2" "file://$1" >/dev/null || {
        echo "check-html: FAILED (chromium exited with an error on $1)"; cat "$OUT/chromium.log"; exit 1; }
    [ -s "$2" ] || { echo "check-html: FAILED (no screenshot of $1)"; cat "$OUT/chromium.log"; exit 1; }
}
shot "$OUT/space.html" "$OUT/demo.png"
shot "$OUT/real/space.html" "$OUT/real.png"
VIEW=1.20000,0.50000,1.50000
shot "$OUT/live/space.html#view=$VIEW" "$OUT/live.png"
shot "$OUT/live/space.html" "$OUT/live-default.png"
got=$(chromium_on --dump-dom "file://$OUT/live/space.html#view=$VIEW" | sed -n 's/.*data-view="\([^"]*\)".*/\1/p')
if [ "$got" != "$VIEW" ] || cmp -s "$OUT/live.png" "$OUT/live-default.png"; then
    echo "check-html: FAILED (the live view did not take the view in its URL: data-view '$got', wanted $VIEW)"
    exit 1
fi
echo "check-html: live.png: the live view took the rotation and zoom in its URL ($VIEW)"
/usr/bin/python3 - "$OUT/demo.png" "$OUT/real.png" "$OUT/live.png" <<'PY'
import struct, sys, zlib
def check(path):
    name = path.rsplit('/', 1)[-1]
    data = open(path, 'rb').read()
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
    print('check-html: %s: %dx%d screenshot, %.2f%% ink, %d speaker-red and %d concept-blue pixels'
          % (name, w, h, 100.0 * ink / total, red, blue))
    if ink < total // 200 or red < 50 or blue < 200:
        sys.exit('check-html: FAILED (%s looks blank: the 3-D view was not drawn)' % name)

for path in sys.argv[1:]:
    check(path)
print('check-html: OK')
PY
[ -n "${CHECK_HTML_OUT:-}" ] && echo "check-html: pages and screenshots kept in $OUT"
exit 0
