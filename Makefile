# Shuibao: `make demo` runs the server with demo data and QGIS with the plugin;
# `make test` runs the linters and every test. Both set up what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test lint bench zip server-wheel translations clean

setup: $(VENV)/.installed

build/.system: tools/setup_system.sh
	bash tools/setup_system.sh
	mkdir -p build && touch $@

$(VENV)/.installed: build/.system requirements-dev.txt constraints.txt server/pyproject.toml server/hatch_build.py
	/usr/bin/python3 -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -r requirements-dev.txt -e ./server
	$(PY) tools/dev_link.py
	touch $@

lint: setup
	$(VENV)/bin/ruff check .

# resources/i18n/*.ts -> .qm (also done by the zip build); `tools/i18n.py update` adds new strings.
translations: setup
	$(PY) -c "import runpy; runpy.run_path('tools/build_zip.py')['release_translations']()"
	$(PY) tools/i18n.py check

# Under a virtual X display: QGIS attribute forms with relation editors crash on the offscreen platform.
test: lint translations
	xvfb-run -a -s "-screen 0 1600x1000x24" env -u QT_QPA_PLATFORM SHUIBAO_TEST_DISPLAY=required $(VENV)/bin/pytest -q

demo: setup translations
	$(PY) tools/demo.py

bench: setup
	$(PY) -m bench

zip: setup
	$(PY) tools/build_zip.py

# The server as one wheel with the shared model inside (installs without the plugin checkout).
server-wheel: setup
	$(PY) -m pip wheel -q --no-deps ./server -w dist

clean:
	rm -rf build dist $(VENV)
