"""Settings of the processes the scale-out harness starts: the product's own, with a webhook retry schedule
short enough that deliveries failed during a fault are retried while the harness waits for quiescence. Its
whole length stays longer than a delivery's lease (2 minutes), as the default's does: a delivery whose
worker was killed mid-attempt is taken back after the lease and retried, not given up."""

from potok.config.settings import *  # noqa: F403

POTOK_DELIVERY_RETRY_DELAYS = (1, 2, 4, 8, 15, 30, 60, 120, 300)
