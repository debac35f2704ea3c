#!/usr/bin/env bash
# Fetch the real photographs `matteditor train` composites onto (backgrounds and
# foreground textures), reproducibly, from package registries. Nothing is
# committed to the repository; pass the folder with --backgrounds.
#
#   scripts/fetch-training-photos.sh [DEST]      (default: ~/.cache/matteditor/photos)
#
# Sources (checked licences):
#   * Debian bookworm `mate-backgrounds` 1.26.0-1, folder nature/: 12 photographs,
#     GPL-2+ (see usr/share/doc/mate-backgrounds/copyright, copied next to them).
#   * PyPI `scikit-image` 0.26.0 wheel, skimage/data: astronaut, chelsea, coffee,
#     motorcycle_left, rocket (colour photographs) and brick, grass, gravel (gray
#     textures); public domain / CC0 / BSD as listed in skimage/data/README.txt and
#     scikit-image's LICENSE. The wheel is downloaded with --no-deps, never installed.
# Needs: apt-get (download only, no root needed for `apt-get download`), dpkg-deb,
# pip, unzip.
set -euo pipefail

DEST="${1:-$HOME/.cache/matteditor/photos}"
PIP="${PIP:-pip}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$DEST"
cd "$WORK"

apt-get download mate-backgrounds=1.26.0-1
dpkg-deb -x mate-backgrounds_1.26.0-1_all.deb deb
cp deb/usr/share/backgrounds/mate/nature/*.jpg "$DEST/"
cp deb/usr/share/doc/mate-backgrounds/copyright "$DEST/COPYRIGHT-mate-backgrounds"

"$PIP" download --no-deps --only-binary=:all: "scikit-image==0.26.0" -d wheel
unzip -q -o wheel/scikit_image-*.whl 'skimage/data/*' 'scikit_image-*.dist-info/*' -d sk
for name in astronaut.png chelsea.png coffee.png motorcycle_left.png rocket.jpg \
            brick.png grass.png gravel.png; do
    cp "sk/skimage/data/$name" "$DEST/skimage-$name"
done
cp sk/skimage/data/README.txt "$DEST/README-skimage-data.txt"
cp sk/scikit_image-*.dist-info/licenses/LICENSE.txt "$DEST/LICENSE-scikit-image.txt" 2>/dev/null \
    || find sk -name 'LICENSE*' -exec cp {} "$DEST/LICENSE-scikit-image.txt" \; -quit

echo "photographs in $DEST:"
ls "$DEST"
