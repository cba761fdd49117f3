"""Energy and CO2 of a piece of work, measured with CodeCarbon's *offline* tracker.

Every measurement returns a :class:`Measurement` record that carries not only the
numbers (duration, CPU/RAM/GPU energy) but also *how* they were obtained: where the CPU
power came from (RAPL counter, TDP table, or a constant fallback), the power CodeCarbon
actually charged for the CPU and the RAM during that work, the tracking mode, any warning
the tracker gave, the grid, and how many repeats were made with what spread.
``record.method()`` says all of that in a few sentences.

**One tracking mode.** The course measures in CodeCarbon's ``process`` mode
(:data:`COURSE_TRACKING_MODE`): the CPU power is scaled by *this process's* share of the
CPU, so other programs on a shared build machine are not charged to our models. The
Measuring chapter compares it with ``machine`` mode. :func:`cpu_formula` states each
mode's formula once.

**Energy is measured, CO2 is derived.** A record keeps energy; its emissions are always
energy x the carbon intensity of the grid in force (:func:`set_country` or
``$MLFOOTPRINT_COUNTRY``, ISO 3166 alpha-3, default ``USA``). A record read back from a
dict (:meth:`Measurement.from_dict`, which is how stored results are read) takes the grid
in force *now*, so changing the country re-runs nothing and the identity
``emissions = energy x intensity`` holds exactly.

Why offline: CodeCarbon's online ``EmissionsTracker`` looks the country up over the
network and, when it cannot, silently uses Canada.

Short work (one inference) is far below what the tracker can resolve: CodeCarbon samples
about once a second. :func:`measure_repeated` runs a warm-up call (reported, not
counted), then repeats the work in windows that each last at least ``min_seconds``, and
reports the energy *per item* with its spread.

Everything CodeCarbon does not offer publicly (its grid table, how it chose the CPU power
source, its RAM floor) is read in :mod:`mlfootprint._codecarbon`, and only there.
"""

from .busy import BUSY_SHARE
from .grid import (COUNTRY_ENV, DEFAULT_COUNTRY, GridIntensity, carbon_intensity, get_country,
                   known_countries, kwh_to_kg, reset_country, set_country)
from .record import Measurement, spread
from .run import (MAX_MIN_SECONDS, MAX_REPEATS, MAX_TOTAL_SECONDS, combine, measure_once, measure_repeated,
                  track)
from .tracker import (COURSE_TRACKING_MODE, TRACKING_MODES, HardwareMethod, TrackerConfig,
                      cpu_formula, current_config, hardware_method, ram_model_text)

__all__ = ["BUSY_SHARE", "COUNTRY_ENV", "COURSE_TRACKING_MODE", "DEFAULT_COUNTRY", "GridIntensity", "HardwareMethod",
           "MAX_MIN_SECONDS", "MAX_REPEATS", "MAX_TOTAL_SECONDS", "Measurement", "TRACKING_MODES", "TrackerConfig",
           "carbon_intensity", "combine", "cpu_formula", "current_config", "get_country",
           "hardware_method", "known_countries", "kwh_to_kg", "measure_once", "measure_repeated",
           "ram_model_text", "reset_country", "set_country", "spread", "track"]
