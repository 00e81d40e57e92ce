"""Fast stream harness shared by the units driven one operation per cycle through a plain
in_valid/out_valid pipeline (hfp8-conv, hfp8-mac, fp32-sfu): a whole schedule of cycles through
the DUT.

* Verilator: a C++ driver (written here for the unit's ports) reads a binary file with one
  line per clock cycle (``valid`` and up to four input ports, uint32 each), drives it and writes
  one record (cycle, up to three outputs) per cycle in which ``out_valid`` is high.
* Icarus: a Verilog top does the same with ``$fscanf``/``$fwrite`` on text files.

Lines with ``valid = 0`` are bubbles (random data on the inputs). Builds are cached like every
other simulator build (``schw.sim.runner.build_slot``, under the harness's ``kind``). A family
makes one :class:`StreamHarness`: its build-cache kind, its name in messages and the Icarus
top's module name (the top scope of a waveform recorded through it).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schw import tools
from schw.errors import ToolError
from schw.sim import runner

DRAIN = 8

def _cpp(label: str, inputs: list[str], outputs: list[str]) -> str:
    drive = " ".join(f"dut.{p} = l.v[{i}];" for i, p in enumerate(inputs))
    zero = " ".join(f"dut.{p} = 0;" for p in inputs)
    sample = ", ".join(f"(uint32_t)dut.{p}" for p in outputs)
    return f"""// schw {label} stream harness (generated): IN OUT DRAIN
#include "Vdut.h"
#include "verilated.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>
struct Line {{ uint32_t valid; uint32_t v[4]; }};
struct Rec {{ uint32_t cycle; uint32_t v[3]; }};
int main(int argc, char** argv) {{
    if (argc != 4) return 2;
    FILE* fi = std::fopen(argv[1], "rb");
    if (!fi) return 2;
    std::fseek(fi, 0, SEEK_END); long bytes = std::ftell(fi); std::fseek(fi, 0, SEEK_SET);
    std::vector<Line> lines(bytes / sizeof(Line));
    if (std::fread(lines.data(), sizeof(Line), lines.size(), fi) != lines.size()) return 2;
    std::fclose(fi);
    long drain = std::atol(argv[3]);
    VerilatedContext ctx;
    Vdut dut{{&ctx}};
    std::vector<Rec> outs;
    dut.clk = 0; dut.rst = 1; dut.in_valid = 0; {zero}
    for (int i = 0; i < 2; ++i) {{ dut.clk = 0; dut.eval(); dut.clk = 1; dut.eval(); }}
    dut.clk = 0; dut.rst = 0; dut.eval();
    uint32_t total = (uint32_t)(lines.size() + drain);
    for (uint32_t cyc = 0; cyc < total; ++cyc) {{
        if (cyc < lines.size()) {{ const Line& l = lines[cyc]; dut.in_valid = l.valid; {drive} }}
        else dut.in_valid = 0;
        dut.clk = 0; dut.eval();
        if (dut.out_valid) outs.push_back(Rec{{cyc, {{{sample}}}}});
        dut.clk = 1; dut.eval();
    }}
    dut.final();
    FILE* fo = std::fopen(argv[2], "wb");
    if (!fo) return 2;
    std::fwrite(outs.data(), sizeof(Rec), outs.size(), fo);
    std::fclose(fo);
    return 0;
}}
"""


def _verilog(label: str, module: str, top: str, inputs: dict[str, int], outputs: dict[str, int]) -> str:
    regs = "\n".join(f"  reg [{w - 1}:0] {p} = 0;" for p, w in inputs.items())
    wires = "\n".join(f"  wire [{w - 1}:0] {p};" for p, w in outputs.items())
    conn = ", ".join(f".{p}({p})" for p in [*inputs, *outputs])
    rd = " ".join("%h" for _ in range(1 + len(inputs)))
    args = ", ".join(["v_in", *inputs])
    wr = " ".join("%h" for _ in outputs)
    return f"""// schw {label} stream harness (generated) for Icarus
`timescale 1ns/1ps
module {module};
  reg clk = 1'b0, rst = 1'b1, in_valid = 1'b0;
  reg [3:0] v_in;
{regs}
  wire out_valid;
{wires}
  integer fin, fout, n, cyc, drain;
  reg [8*1024-1:0] vec_file, res_file;
  reg done;
  {top} dut (.clk(clk), .rst(rst), .in_valid(in_valid), .out_valid(out_valid), {conn});
  always #5 clk = ~clk;
  initial begin
    if (!$value$plusargs("vectors=%s", vec_file) || !$value$plusargs("results=%s", res_file)) $finish;
    if (!$value$plusargs("drain=%d", drain)) drain = 8;
    fin = $fopen(vec_file, "r");
    fout = $fopen(res_file, "w");
    repeat (2) @(posedge clk);
    @(negedge clk);
    rst = 1'b0; cyc = 0; done = 1'b0;
    while (!done) begin
      n = $fscanf(fin, "{rd}\\n", {args});
      if (n != {1 + len(inputs)}) done = 1'b1;
      else begin
        in_valid = v_in[0];
        #1;
        if (out_valid) $fwrite(fout, "%0d {wr}\\n", cyc, {", ".join(outputs)});
        cyc = cyc + 1;
        @(negedge clk);
      end
    end
    in_valid = 1'b0;
    repeat (drain) begin
      #1;
      if (out_valid) $fwrite(fout, "%0d {wr}\\n", cyc, {", ".join(outputs)});
      cyc = cyc + 1;
      @(negedge clk);
    end
    $fclose(fout);
    $finish;
  end
endmodule
"""


@dataclass(frozen=True)
class StreamHarness:
    """One family's stream harness: ``kind`` (build cache), ``label`` (messages, generated
    headers), ``module`` (the Icarus harness top)."""

    kind: str
    label: str
    module: str

    def build(self, sim: str, sources: list[Path], top: str, inputs: dict[str, int], outputs: dict[str, int]) -> Path:
        sources = [Path(s).resolve() for s in sources]
        tool = tools.require(sim)
        if sim == "verilator":
            text, exe_name = _cpp(self.label, list(inputs), list(outputs)), "obj/harness"
        elif sim == "icarus":
            text, exe_name = _verilog(self.label, self.module, top, inputs, outputs), "harness.vvp"
        else:
            raise ToolError(f"unknown simulator {sim!r} (verilator or icarus)")
        parts = [sim.encode(), top.encode(), str(tool.version).encode(), text.encode(),
                 *(s.read_bytes() for s in sources)]
        with runner.build_slot(self.kind, sim, top, parts) as (d, done):
            exe = d / exe_name
            if done and exe.exists():
                return exe
            if sim == "verilator":
                (d / "harness.cpp").write_text(text)
                runner.run_tool(runner.verilator_harness_command(top, "harness.cpp", sources), d,
                                f"verilator build of the {self.label} harness around {top}")
            else:
                (d / "harness.v").write_text(text)
                runner.run_tool(["iverilog", "-g2012", "-o", str(exe), "-s", self.module, "harness.v",
                                 *[str(s) for s in sources]], d, f"iverilog build of the {self.label} harness around {top}")
            runner.mark_built(d)
        return exe


    def simulate(self, sim: str, sources: list[Path], top: str, inputs: dict[str, int], outputs: dict[str, int],
                 values: dict[str, np.ndarray], bubbles: float = 0.1, seed: int = 1) -> dict:
        """Drive ``values`` (one array per input port, one entry per valid cycle) with seeded
        bubbles. Returns ``at`` (cycle of each valid line), ``cycle`` and one array per output port
        for every cycle with out_valid high, ``seconds``."""
        exe = self.build(sim, sources, top, inputs, outputs)
        names = list(inputs)
        n = len(values[names[0]])
        rng = np.random.default_rng([seed, 0x8F8])
        gaps = np.where(rng.random(n) < bubbles, rng.integers(1, 4, n), 0)
        at = np.arange(n, dtype=np.int64) + np.cumsum(gaps)
        cycles = int(at[-1]) + 1 if n else 0
        lines = np.zeros((cycles, 5), dtype=np.uint32)
        for i, p in enumerate(names):
            lines[:, 1 + i] = rng.integers(0, 1 << inputs[p], cycles)
            lines[at, 1 + i] = np.asarray(values[p]).astype(np.uint32)
        lines[at, 0] = 1
        outs = list(outputs)
        with tempfile.TemporaryDirectory(prefix=f"schw-{self.kind}-{sim}-") as tmp:
            tmp = Path(tmp)
            t0 = time.perf_counter()
            if sim == "verilator":
                lines.tofile(tmp / "in.bin")
                runner.run_tool([str(exe), str(tmp / "in.bin"), str(tmp / "out.bin"), str(DRAIN)], tmp,
                                f"{self.label} harness (verilator)")
                rec = np.fromfile(tmp / "out.bin", dtype=np.uint32).reshape(-1, 4).astype(np.int64)
            else:
                cols = [lines[:, 0]] + [lines[:, 1 + i] for i in range(len(names))]
                np.savetxt(tmp / "in.txt", np.column_stack(cols).astype(np.int64), fmt="%x")
                runner.run_tool(["vvp", "-n", str(exe), f"+vectors={tmp / 'in.txt'}", f"+results={tmp / 'out.txt'}",
                                 f"+drain={DRAIN}"], tmp, f"{self.label} harness (icarus)")
                text = (tmp / "out.txt").read_text().split()
                if any(("x" in t or "z" in t) for t in text):
                    raise ToolError(f"{self.label} harness (icarus): X or Z on an output while out_valid was high")
                vals = np.array(text, dtype=object).reshape(-1, 1 + len(outs)) if text else np.zeros((0, 1 + len(outs)))
                rec = np.zeros((len(vals), 4), dtype=np.int64)
                rec[:, 0] = [int(v) for v in vals[:, 0]]
                for j in range(len(outs)):
                    rec[:, 1 + j] = [int(v, 16) for v in vals[:, 1 + j]]
            seconds = time.perf_counter() - t0
        res = {"at": at, "cycle": rec[:, 0], "seconds": seconds, "cycles": cycles}
        for j, o in enumerate(outs):
            res[o] = rec[:, 1 + j]
        return res
