// vl_finish() for the cocotb Verilator build (compiled with -DVL_USER_FINISH).
//
// Verilator's default prints "- <file>:<line>: Verilog $finish" for every finish, including
// the one cocotb requests through VPI when the test ends, which shows up as a stray
// "- :0: Verilog $finish" line after every run. A $finish from the design (it has a source
// location) is still reported; the testbench's own end of simulation is silent.
#include "verilated.h"

void vl_finish(const char* filename, int linenum, const char* hier) VL_MT_UNSAFE {
    (void)hier;
    if (filename && filename[0]) VL_PRINTF("- %s:%d: Verilog $finish\n", filename, linenum);
    Verilated::threadContextp()->gotFinish(true);
}
