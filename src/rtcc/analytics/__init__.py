"""Analytics: pure numeric kernels (``kernels/``) and the thin services that turn stored rows into their inputs."""
