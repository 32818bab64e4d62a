"""Pure analytics kernels: arrays and explicit parameters in, frozen dataclasses out (no ``rtcc`` state, no I/O)."""
