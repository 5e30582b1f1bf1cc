"""Golden reference: numpy models of the CMO/HfOx ReRAM device, the crossbar with its DAC/ADC
periphery, the tile's digital semantics and the training algorithms."""
