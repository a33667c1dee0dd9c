# Two commands do all the set-up on a fresh machine (each creates .venv first if it is missing):
#   make story [IMAGE=images/cat.jpg]   tell a story about an image with the default bundle
#   make test                           run the test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
IMAGE  ?= images/cat.jpg
TORCH  := torch==2.14.1 torchvision==0.29.1

.PHONY: story test venv
story: $(VENV)/.installed
	$(PY) -m storyteller $(IMAGE)

test: $(VENV)/.installed
	$(PY) -m pytest -q

venv: $(VENV)/.installed

# torch first: the package's own requirement is a range the pinned build satisfies, so pip pulls no other build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e ".[test]"
	touch $@
