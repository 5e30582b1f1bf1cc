"""Amaranth generators for the digital periphery of the ReRAM crossbar tile."""
