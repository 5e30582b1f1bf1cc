// reram_xbar: behavioural model of the 1T1R ReRAM crossbar macro, for simulation only.
//
// Pin contract (docs/ARCHITECTURE.md section 3). All inputs are sampled at the rising edge of clk;
// the macro has no reset pin, every state element starts at zero (initial block).
//
//   pin        dir  width            meaning
//   clk        in   1
//   rd_dir     in   1                0 forward (word lines drive, columns sense),
//                                    1 transposed (columns drive, rows sense)
//   row_pulse  in   ROWS             read: DAC pulse per row; update: word-line gate pulse per slot
//   row_neg    in   ROWS             read: polarity of the row pulse (1 = negative)
//   col_pulse  in   COLS             read: DAC pulse per column; update: source-line pulse per slot
//   col_neg    in   COLS             read: polarity of the column pulse (1 = negative)
//   int_rst    in   1                synchronous integrator reset (one cycle before a window)
//   int_en     in   1                integration window, M cycles
//   adc_start  in   1                one-cycle strobe: convert the integrated charges
//   adc_done   out  1                one-cycle strobe: adc_code valid
//   adc_code   out  LANES*ADC_BITS   lane k = sense line k (bits k*ADC_BITS +: ADC_BITS), two's
//                                    complement, held until the next conversion; lanes at or
//                                    beyond the sense-line count (COLS forward, ROWS transposed)
//                                    are 0
//   upd_en     in   1                high for every update slot (one slot per cycle)
//   upd_set    in   1                1: SET (potentiation) slot, 0: RESET (depression) slot
//
// Behavioural view for the testbench agent (registers, reached through VPI; marked public so
// that a build without --public-flat-rw still exposes them):
//   width_row[ROWS*8], neg_row[ROWS], width_col[COLS*8], neg_col[COLS]
//       cycles each line pulsed during the last window (8-bit lanes, saturating at 255) and the
//       polarity it pulsed with; cleared by int_rst.
//   window_len[7:0]   int_en cycles of the last window (saturating); cleared by int_rst.
//   rec_rows[MAX_SLOTS*ROWS], rec_cols[MAX_SLOTS*COLS], rec_set[MAX_SLOTS], rec_count[7:0]
//       update pulse record: slot s occupies bits s*ROWS + i (rows) / s*COLS + j (cols); cleared
//       in the cycle upd_en rises, one slot per cycle with upd_en high; slots past MAX_SLOTS are
//       dropped (rec_count stops at MAX_SLOTS).
//   model_code[LANES*ADC_BITS], model_valid   written by the agent after int_en falls.
//
// ADC: adc_start begins a conversion. adc_done rises ADC_LATENCY cycles after adc_start at the
// earliest, and only once model_valid is set; adc_code then takes model_code (lanes past the
// sense-line count forced to 0) and model_valid is cleared. int_rst also clears model_valid so a
// late answer to an aborted read can never be handed to the next one. If nobody ever sets
// model_valid the conversion simply never completes (the tile reports TIMEOUT); a new adc_start
// restarts the latency count.
module reram_xbar #(
    parameter integer ROWS        = 65,
    parameter integer COLS        = 32,
    parameter integer ADC_BITS    = 9,
    parameter integer LANES       = 65,
    parameter integer MAX_SLOTS   = 124,
    parameter integer ADC_LATENCY = 10
) (
    input  wire                      clk,
    input  wire                      rd_dir    /*verilator public_flat_rd*/,
    input  wire [ROWS-1:0]           row_pulse /*verilator public_flat_rd*/,
    input  wire [ROWS-1:0]           row_neg   /*verilator public_flat_rd*/,
    input  wire [COLS-1:0]           col_pulse /*verilator public_flat_rd*/,
    input  wire [COLS-1:0]           col_neg   /*verilator public_flat_rd*/,
    input  wire                      int_rst   /*verilator public_flat_rd*/,
    input  wire                      int_en    /*verilator public_flat_rd*/,
    input  wire                      adc_start /*verilator public_flat_rd*/,
    output reg                       adc_done  /*verilator public_flat_rd*/,
    output reg  [LANES*ADC_BITS-1:0] adc_code  /*verilator public_flat_rd*/,
    input  wire                      upd_en    /*verilator public_flat_rd*/,
    input  wire                      upd_set   /*verilator public_flat_rd*/
);

    // ---------------------------------------------------------------- behavioural view
    reg [ROWS*8-1:0]         width_row   /*verilator public_flat_rd*/;
    reg [ROWS-1:0]           neg_row     /*verilator public_flat_rd*/;
    reg [COLS*8-1:0]         width_col   /*verilator public_flat_rd*/;
    reg [COLS-1:0]           neg_col     /*verilator public_flat_rd*/;
    reg [7:0]                window_len  /*verilator public_flat_rd*/;
    reg [MAX_SLOTS*ROWS-1:0] rec_rows    /*verilator public_flat_rd*/;
    reg [MAX_SLOTS*COLS-1:0] rec_cols    /*verilator public_flat_rd*/;
    reg [MAX_SLOTS-1:0]      rec_set     /*verilator public_flat_rd*/;
    reg [7:0]                rec_count   /*verilator public_flat_rd*/;
    reg [LANES*ADC_BITS-1:0] model_code  /*verilator public_flat_rw*/;
    reg                      model_valid /*verilator public_flat_rw*/;

    // ---------------------------------------------------------------- internal state
    reg        upd_en_q;    // upd_en one cycle ago: detects the first slot of an update
    reg        conv_busy;   // a conversion was started and has not completed
    reg [7:0]  conv_cnt;    // cycles since adc_start (saturating)
    reg        conv_dir;    // rd_dir at adc_start: selects the sense-line count

    // Limits compared against the 8-bit counters, kept 32 bits wide (counters zero-extended) so
    // no parameter value is silently truncated. TileConfig bounds them to ADC_LATENCY 1..255 and
    // MAX_SLOTS <= 252, so the 8-bit counters always reach them.
    localparam [31:0] LATENCY  = ADC_LATENCY;
    localparam [31:0] SLOT_LIM = MAX_SLOTS;

    integer i;

    // Whole vectors are cleared with an unsized 0: a replication {N{1'b0}} of a wide record
    // would exceed the lint replication limit (8192 bits) on large configurations.
    initial begin
        width_row   = 0;
        neg_row     = 0;
        width_col   = 0;
        neg_col     = 0;
        window_len  = 8'd0;
        rec_rows    = 0;
        rec_cols    = 0;
        rec_set     = 0;
        rec_count   = 8'd0;
        model_code  = 0;
        model_valid = 1'b0;
        adc_done    = 1'b0;
        adc_code    = 0;
        upd_en_q    = 1'b0;
        conv_busy   = 1'b0;
        conv_cnt    = 8'd0;
        conv_dir    = 1'b0;
    end

    // ---------------------------------------------------------------- integration window
    always @(posedge clk) begin
        if (int_rst) begin
            width_row  <= 0;
            neg_row    <= 0;
            width_col  <= 0;
            neg_col    <= 0;
            window_len <= 8'd0;
        end else if (int_en) begin
            if (window_len != 8'hff) window_len <= window_len + 8'd1;
            for (i = 0; i < ROWS; i = i + 1) begin
                if (row_pulse[i]) begin
                    if (width_row[i*8 +: 8] != 8'hff)
                        width_row[i*8 +: 8] <= width_row[i*8 +: 8] + 8'd1;
                    neg_row[i] <= row_neg[i];
                end
            end
            for (i = 0; i < COLS; i = i + 1) begin
                if (col_pulse[i]) begin
                    if (width_col[i*8 +: 8] != 8'hff)
                        width_col[i*8 +: 8] <= width_col[i*8 +: 8] + 8'd1;
                    neg_col[i] <= col_neg[i];
                end
            end
        end
    end

    // ---------------------------------------------------------------- update pulse record
    wire       upd_first = upd_en & ~upd_en_q;
    // Slot written this cycle: 0 on the rising edge of upd_en (the record restarts), else next.
    wire [7:0] slot      = upd_first ? 8'd0 : rec_count;

    always @(posedge clk) begin
        upd_en_q <= upd_en;
        if (upd_en) begin
            if (upd_first) begin
                rec_rows <= 0;
                rec_cols <= 0;
                rec_set  <= 0;
            end
            if ({24'd0, slot} < SLOT_LIM) begin
                // Later non-blocking assignments win, so slot 0 survives the clear above.
                for (i = 0; i < MAX_SLOTS; i = i + 1) begin
                    if ({24'd0, slot} == i) begin
                        rec_rows[i*ROWS +: ROWS] <= row_pulse;
                        rec_cols[i*COLS +: COLS] <= col_pulse;
                        rec_set[i]               <= upd_set;
                    end
                end
                rec_count <= slot + 8'd1;
            end else begin
                rec_count <= slot;
            end
        end
    end

    // ---------------------------------------------------------------- ADC
    // Lanes that carry a sense line in each direction; the others always read 0.
    wire [LANES*ADC_BITS-1:0] fwd_mask;
    wire [LANES*ADC_BITS-1:0] bwd_mask;
    genvar k;
    generate
        for (k = 0; k < LANES; k = k + 1) begin : g_lane
            assign fwd_mask[k*ADC_BITS +: ADC_BITS] = {ADC_BITS{k < COLS}};
            assign bwd_mask[k*ADC_BITS +: ADC_BITS] = {ADC_BITS{k < ROWS}};
        end
    endgenerate

    // The adc_start cycle itself counts as cycle 0 so that adc_done can come exactly
    // ADC_LATENCY cycles after adc_start.
    wire       conv_pending = adc_start | conv_busy;
    wire [7:0] conv_elapsed = adc_start ? 8'd0 : conv_cnt;
    wire       conv_dir_now = adc_start ? rd_dir : conv_dir;
    wire       conv_due     = {24'd0, conv_elapsed} + 32'd1 >= LATENCY;
    wire       conv_fire    = conv_pending & conv_due & model_valid;

    always @(posedge clk) begin
        adc_done <= conv_fire;
        if (conv_fire) begin
            adc_code    <= model_code & (conv_dir_now ? bwd_mask : fwd_mask);
            conv_busy   <= 1'b0;
            model_valid <= 1'b0;
        end else if (adc_start) begin
            conv_busy <= 1'b1;
            conv_cnt  <= 8'd1;
            conv_dir  <= rd_dir;
        end else if (conv_busy && conv_cnt != 8'hff) begin
            conv_cnt <= conv_cnt + 8'd1;
        end
        if (int_rst) model_valid <= 1'b0;
    end

endmodule
