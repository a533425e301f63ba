"""The lowest layer: errors (with the one error body), the table of limits and defaults, the data home,
atomic files and the weights table. Imports nothing else of ours."""
