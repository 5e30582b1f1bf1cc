"""cocotb verification components: bus driver, crossbar agent, scoreboard and sequences."""
