"""Notifications: in the app (the bell), by email (at once or in digests) and to other systems by signed
webhooks, with retries, a delivery log and a dead-letter list.

Other apps call `potok.notifications.services.notify(...)` and register their kinds in
`potok.notifications.kinds`; sending always happens after commit, in the worker."""
