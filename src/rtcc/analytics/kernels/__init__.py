"""Pure analytics kernels: numpy arrays and explicit parameters in, frozen dataclasses out (no ``rtcc`` state, no I/O)."""
