#!/usr/bin/env bash
# Install the Debian 12 packages Shuibao needs (skipped when all are present).
set -euo pipefail
# python3-geopandas/-openpyxl/-xlrd: the register import inside QGIS, which runs on Debian's Python.
PKGS=(qgis python3-qgis qgis-providers python3-venv python3-gdal gdal-bin
      python3-geopandas python3-openpyxl python3-xlrd
      xvfb xauth x11-utils imagemagick fonts-noto-cjk qttools5-dev-tools qttranslations5-l10n
      postgresql postgresql-15-postgis-3 make git
      python3-openpyxl poppler-utils fonts-arphic-uming fonts-wqy-zenhei)
# python3-openpyxl: Excel ledgers in QGIS's own Python. poppler-utils: PDF checks (pdftotext). The two
# font packages: Song/Hei faces whose PDF text copies and searches right (Qt maps some Noto CJK glyphs
# to CJK radicals).
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
