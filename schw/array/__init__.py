"""Host side of the pe-array: golden model, tiling driver, cycle model, contract, regression."""
