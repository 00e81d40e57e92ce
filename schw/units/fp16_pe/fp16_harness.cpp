// schw fp16-pe fast-path harness for Verilator (compiled with --prefix Vdut against any top with
// the fp16-pe ports). Streams a schedule of cycles from a binary file through the DUT, one line
// per clock cycle (a line with valid = 0 is a bubble: in_valid low, the data are don't-cares),
// and writes one record per cycle in which out_valid is high: result, flags, cycle number.
// Usage: harness IN OUT DRAIN [WAVES]   (DRAIN = idle cycles run after the last line; WAVES: a
// waveform file of every signal, for a build with --trace or --trace-fst; a 10 ns clock)
#include "Vdut.h"
#include "verilated.h"
#if VM_TRACE
#if VM_TRACE_FST
#include "verilated_fst_c.h"
using Trace = VerilatedFstC;
#else
#include "verilated_vcd_c.h"
using Trace = VerilatedVcdC;
#endif
#endif
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

struct Line { uint8_t valid, op, rm, pad; uint16_t a, b; uint32_t c; };  // 12 bytes, little-endian
struct Out { uint32_t result, flags, cycle; };                             // 12 bytes

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) { std::fprintf(stderr, "usage: %s IN OUT DRAIN [WAVES]\n", argv[0]); return 2; }
    FILE* fi = std::fopen(argv[1], "rb");
    if (!fi) { std::perror(argv[1]); return 2; }
    std::fseek(fi, 0, SEEK_END);
    long bytes = std::ftell(fi);
    std::fseek(fi, 0, SEEK_SET);
    std::vector<Line> lines(bytes / sizeof(Line));
    if (std::fread(lines.data(), sizeof(Line), lines.size(), fi) != lines.size()) { std::perror("read"); return 2; }
    std::fclose(fi);
    long drain = std::atol(argv[3]);

    VerilatedContext ctx;
    Vdut dut{&ctx};
    uint64_t now = 0;  // time in ps (the build's --timescale 1ns/1ps)
#if VM_TRACE
    Trace* tfp = nullptr;
    if (argc == 5) {
        ctx.traceEverOn(true);
        tfp = new Trace;
        dut.trace(tfp, 99);
        tfp->open(argv[4]);
    }
    auto step = [&](int clk) { dut.clk = clk; dut.eval(); if (tfp) tfp->dump(now); now += 5000; };
#else
    if (argc == 5) { std::fprintf(stderr, "harness: built without --trace, cannot write %s\n", argv[4]); return 2; }
    auto step = [&](int clk) { dut.clk = clk; dut.eval(); now += 5000; };
#endif
    std::vector<Out> outs;
    outs.reserve(lines.size());
    dut.rst = 1; dut.in_valid = 0;
    dut.op = 0; dut.rm = 0; dut.a = 0; dut.b = 0; dut.c = 0;
    for (int i = 0; i < 2; ++i) { step(0); step(1); }
    dut.rst = 0;
    uint32_t total = (uint32_t)(lines.size() + drain);
    for (uint32_t cyc = 0; cyc < total; ++cyc) {
        if (cyc < lines.size()) {
            const Line& l = lines[cyc];
            dut.in_valid = l.valid; dut.op = l.op; dut.rm = l.rm; dut.a = l.a; dut.b = l.b; dut.c = l.c;
        } else {
            dut.in_valid = 0;
        }
        step(0);
        if (dut.out_valid) outs.push_back(Out{(uint32_t)dut.result, (uint32_t)dut.flags, cyc});
        step(1);
    }
    dut.final();
#if VM_TRACE
    if (tfp) { tfp->close(); delete tfp; }
#endif
    FILE* fo = std::fopen(argv[2], "wb");
    if (!fo) { std::perror(argv[2]); return 2; }
    std::fwrite(outs.data(), sizeof(Out), outs.size(), fo);
    std::fclose(fo);
    return 0;
}
