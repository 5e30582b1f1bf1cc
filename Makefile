# reram-aicore: the targets a hardware engineer expects. Every target sets up the virtual
# environment on first use (python3 -m venv + pip install -e .), so a fresh clone needs nothing
# but Python 3.11, pip, a C++ compiler, make and perl.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= out/demo
ARGS   ?=

.PHONY: help demo test test-slow rtl lint bench calibrate clean distclean

help:
	@echo "make demo       in-situ training + aged inference of the digits MLP through the RTL ($(OUT))"
	@echo "make test       pytest: unit tests, Amaranth simulations, cocotb runs under Verilator"
	@echo "make test-slow  long runs: full training through the RTL, c-TTv2 vs SGD, --waves"
	@echo "make rtl        emit the default configuration's Verilog into rtl/"
	@echo "make lint       verilator --lint-only -Wall on the emitted Verilog and the macro"
	@echo "make bench      training samples/s through the RTL, cycles per step, build time"
	@echo "make calibrate  device figures measured from the model vs the paper"
	@echo "make clean      remove build/ and out/;  make distclean also removes $(VENV)"
	@echo "Extra arguments: make demo ARGS='--epochs 3 --algorithm sgd'"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aicore train --out $(OUT) $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow $(ARGS)

rtl: $(STAMP)
	$(BIN)/aicore rtl

lint: $(STAMP)
	$(BIN)/aicore lint

bench: $(STAMP)
	$(BIN)/aicore bench $(ARGS)

calibrate: $(STAMP)
	$(BIN)/aicore calibrate

clean:
	rm -rf build out .pytest_cache

distclean: clean
	rm -rf $(VENV) *.egg-info
