"""The core of the OSS front-door bot: settings, database, services, i18n, wiring."""

import os

# Opt in now to python-telegram-bot's coming behaviour: durations such as RetryAfter.retry_after
# are timedeltas, not seconds (PTB 22.2 deprecates the int form).
os.environ.setdefault("PTB_TIMEDELTA", "1")
