#!/usr/bin/env bash
# Renders the application icon's PNG sizes (hicolor/NxN/apps/), the Windows
# .ico and the macOS .icns from io.github.linewright.Linewright.svg. The
# results are committed, so the build needs none of these tools; run this only
# after changing the SVG.
#
# Needs (Debian): librsvg2-bin (rsvg-convert), imagemagick (convert, for the
# .ico) and icnsutils (png2icns, for the .icns).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

id=io.github.linewright.Linewright
svg=$id.svg
sizes=(16 22 24 32 48 64 128 256 512)

for n in "${sizes[@]}"; do
    mkdir -p "hicolor/${n}x${n}/apps"
    rsvg-convert -w "$n" -h "$n" "$svg" -o "hicolor/${n}x${n}/apps/$id.png"
done

# Windows: one .ico with the usual sizes (256 is stored as PNG by convert).
/usr/bin/convert hicolor/{16x16,24x24,32x32,48x48,64x64,128x128,256x256}/apps/$id.png linewright.ico

# macOS: png2icns takes the sizes the .icns format has slots for.
png2icns linewright.icns hicolor/{16x16,32x32,128x128,256x256,512x512}/apps/$id.png >/dev/null

echo "rendered: ${sizes[*]} px, linewright.ico, linewright.icns"
