#!/usr/bin/env bash
# Install the Debian 12 packages Shuibao needs (skipped when all are present).
set -euo pipefail
PKGS=(qgis python3-qgis qgis-providers python3-venv python3-gdal gdal-bin
      xvfb xauth x11-utils imagemagick fonts-noto-cjk qttools5-dev-tools qttranslations5-l10n
      postgresql postgresql-15-postgis-3 make git)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
