"""Tesla packs when new: usable capacity and rated range per model, trim badge and model year.

Pure data and one lookup. Each row names its sources and says in its note which figures were
read there; a row with a figure not read from a cited source (or whose sources disagree beyond
its tolerance, or whose rating changed within its years) carries ``verified=False`` and a wider
tolerance, and docs/battery-health.md lists it as UNVERIFIED.

A car is identified from ``vehicle_config.car_type`` (model), ``vehicle_config.trim_badging``
(pack and motors: "74d" = Long Range dual motor, "p100d" = Performance/Plaid…), the model year
(VIN position 10) and, to break ties, words of the trim name from the options or specs modules.
Pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PACKS", "SOURCES", "PackRow", "find_pack"]

_EVKX = "https://github.com/evkx/evkx.github.io/blob/master/content/models/tesla/"

# Sources, by key (docs/battery-health.md prints this list). evkx_* are the spec pages of
# evkx.net as stored in its public repository (read there: "Battery net", WLTP and EPA rows).
SOURCES: dict[str, str] = {
    "evkx_m3_lr": "https://evkx.net/models/tesla/model_3/model_3_long_range/",
    "evkx_tesla": "https://github.com/evkx/evkx.github.io/tree/master/content/models/tesla",
    "evkx_m3_gen1": _EVKX + "model_3/Model_3_GEN1/specifications.md",
    "evkx_m3": _EVKX + "model_3/Model_3/specifications.md",
    "evkx_m3_lr_gen1": _EVKX + "model_3/Model_3_Long_Range_GEN1/specifications.md",
    "evkx_m3_lr_rwd": _EVKX + "model_3/model_3_long_range_rwd/specifications.md",
    "evkx_m3_p": _EVKX + "model_3/Model_3_Performance/specifications.md",
    "evkx_m3_p_gen1": _EVKX + "model_3/model_3_performance_gen1/specifications.md",
    "evkx_my_lr": _EVKX + "model_y/Model_Y_Long_Range/specifications.md",
    "evkx_my_sr": _EVKX + "model_y/Model_Y_Standard_Range/specifications.md",
    "evkx_ms": _EVKX + "model_s/Model_S/specifications.md",
    "evkx_ms_plaid": _EVKX + "model_s/Model_S_Plaid/specifications.md",
    "evkx_mx": _EVKX + "model_x/Model_X/specifications.md",
    "evkx_mx_plaid": _EVKX + "model_x/Model_X_Plaid/specifications.md",
    "tesladriver": "https://tesladriver.net/what-is-the-real-life-battery-size-of-my-tesla/",
    "gcc_s85": "https://www.greencarcongress.com/2012/06/models-20120621.html",
    "autoblog_s60": (
        "http://green.autoblog.com/2012/12/10/tesla-model-s-60-kwh-gets-95-mpge-208-mile-range-"
        "from-epa/"
    ),
    "insideevs_p85d": "https://insideevs.com/tesla-model-s-p85d-gets-rated-242-miles-range/",
    "altenergy_s_2015": (
        "http://altenergyautos.blogspot.com/2015/01/tesla-model-s-driving-range-estimates.html"
    ),
    "insideevs_s90d_2016": (
        "https://insideevs.com/official-epa-ratings-for-refreshed-tesla-model-s-90d-range-is-"
        "303-2-miles-highway/"
    ),
    "teslarati_s90d_2016": "http://teslarati.com/new-tesla-model-s-90d-gets-300-mile-epa-rating",
    "teslarati_sp100d": "https://www.teslarati.com/tesla-modest-model-s-p100d-epa-rated-range/",
    "dday_sp100d": (
        "https://www.dday.it/redazione/21095/la-tesla-model-s-p100d-da-guinness-e-la-vettura-"
        "elettrica-la-maggiore-autonomia"
    ),
    "motortrader_my": "https://motortradernews.com/?p=28009",
    "tbuddy_m3_2024": "https://github.com/garanda21/t-buddy/issues/25",
    "fueleconomy": "https://www.fueleconomy.gov/feg/bymodel/Tesla.shtml",
    "insideevs_m3_2021": "https://insideevs.com/news/496812/2021-Tesla-Model-3-SRP-EPA-Rating/",
    "insideevs_m3_2024": (
        "https://insideevs.com/news/719013/2024-tesla-model3-epa-range-consumption/"
    ),
    "thecooldown_m3p_2024": "https://thecooldown.com/?p=271476",
    "blogordie_m3_2019": "https://blogordie.com/2019/03/whats-with-tesla-model-3-range",
    "carsradars_m3_2020": (
        "https://carsradars.com/electric-cars/for-2020-all-tesla-model-3-versions-get-new-epa-"
        "ratings"
    ),
    "zaston_my_2020": (
        "https://www.zastonmartin.com/2020/02/21/tesla-model-y-gets-official-epa-range-ratings-"
        "meeting-the-expectations/"
    ),
    "insideevs_my_2020": "https://insideevs.com/news/397072/tesla-model-y-epa-range/",
    "edmunds_my_2021": (
        "https://www.edmunds.com/car-news/tested-2021-tesla-model-y-long-range-falls-short-of-"
        "epa-range-estimate.html"
    ),
    "insideevs_my_2024": (
        "https://insideevs.com/news/719143/2024-tesla-modely-epa-range-consumption/"
    ),
    "slashgear_ms_2023": (
        "https://www.slashgear.com/1169572/heres-how-much-range-the-tesla-model-s-really-has/"
    ),
    "gcc_ms_2020": "https://www.greencarcongress.com/2020/06/20200617-tesla.html",
    "transportevolved_x90d": (
        "https://transportevolved.com/2015/09/29/official-epa-rates-tesla-model-x-90d-suv-with-"
        "257-mile-range-at-92-mpge/"
    ),
    "afleet_x90d": "https://www.automotive-fleet.com/131692/epa-releases-tesla-model-x-fuel-economy",
    "highwaytale_x_2019": (
        "https://highwaytale.com/electric-cars/2019-tesla-model-x-epa-ratings-compared-lr-"
        "performance/"
    ),
    "insideevs_x_2021": "https://insideevs.com/news/451212/epa-range-efficiency-2021-tesla-model-x/",
    "insideevs_x_2022": "https://insideevs.com/news/556353/2022-tesla-modelx-epa-range/",
    "insideevs_x_2024": (
        "https://insideevs.com/news/719349/2024-tesla-modelx-epa-range-consumption/"
    ),
    "caranddriver_ct": (
        "https://autos.yahoo.com/tesla-cybertrucks-battery-capacity-based-174900544.html"
    ),
    "caranddriver_cyberbeast": (
        "https://uk.style.yahoo.com/2024-tesla-cybertruck-beast-goes-181900398.html"
    ),
    "insideevs_ct_test": (
        "https://fabcars.us/2024/04/26/2024-tesla-cybertruck-the-insideevs-70-mph-range-test"
    ),
    "teslalogger": (
        "https://github.com/bassmaster187/TeslaLogger/blob/master/TeslaLogger/WebHelper.cs"
    ),
}


@dataclass(frozen=True)
class PackRow:
    """One pack as sold: what a car of this model, badge and model year had when new."""

    model: str  # "Model 3", … as shared.cars.vehicles.model_name names it
    badges: tuple[str, ...]  # vehicle_config.trim_badging values (lower case); () = any
    first_year: int
    last_year: int
    label: str  # marketing name, English
    usable_kwh: float | None  # usable capacity when new
    epa_mi: float | None  # EPA rated range when new (North-American cars)
    wltp_km: float | None  # WLTP range when new (European cars)
    sources: tuple[str, ...]  # keys of SOURCES
    verified: bool  # every figure read from a cited source
    tolerance_pct: float = 3.0  # how far the true figure of one car may be from the row's
    words: tuple[str, ...] = ()  # trim-name words that pick this row among equals
    note: str = ""

    def covers(self, model: str, year: int) -> bool:
        return self.model == model and self.first_year <= year <= self.last_year


_U = 4.0  # tolerance of a row not read from a source (UNVERIFIED)

PACKS: tuple[PackRow, ...] = (
    # --- Model 3 ---------------------------------------------------------------------------------
    PackRow("Model 3", ("50",), 2017, 2019, "Standard Range Plus RWD", 50.0, 240, 409,
         ("blogordie_m3_2019", "fueleconomy"), False, _U,
         note="EPA 240 mi read (2019 Standard Range Plus); usable kWh and WLTP not read."),
    PackRow("Model 3", ("50",), 2020, 2020, "Standard Range Plus RWD", 50.0, 250, 409,
         ("evkx_tesla", "fueleconomy"), False, _U,
         note="Nothing read: the 2020 EPA article found gives no range for this trim."),
    PackRow("Model 3", ("50",), 2021, 2021, "Standard Range Plus RWD", 53.0, 263, 448,
         ("insideevs_m3_2021", "evkx_tesla"), False, 5.0,
         note="EPA 263 mi read (InsideEVs); 2021 cars came with NCA or LFP packs."),
    PackRow("Model 3", ("50",), 2022, 2023, "Rear-Wheel Drive (LFP)", 59.0, 272, 491,
         ("evkx_m3_gen1", "insideevs_m3_2024"), True,
         note="59 kWh net and WLTP 491 km (top trim) read (evkx); EPA 272 mi read (InsideEVs, "
         "2022-2023). EV-database-derived lists give 57.5 kWh (2.5 % lower)."),
    PackRow("Model 3", ("50",), 2024, 2026, "Rear-Wheel Drive (LFP, Highland)", 59.0, 272, 513,
         ("evkx_m3", "insideevs_m3_2024"), True,
         note="59 kWh net and WLTP 513 km read (evkx); EPA 272 mi read (InsideEVs, 2024)."),
    PackRow("Model 3", ("62",), 2018, 2019, "Mid Range RWD", 62.0, 264, None,
         ("blogordie_m3_2019", "fueleconomy"), False, 5.0,
         note="EPA 264 mi read (re-rated from 249); usable kWh not read."),
    PackRow("Model 3", ("74",), 2017, 2019, "Long Range RWD", 75.0, 310, None,
         ("blogordie_m3_2019", "carsradars_m3_2020"), False, _U,
         note="EPA 310 mi read (2018-2019; the 2020 listing says 330); usable kWh not read."),
    PackRow("Model 3", ("74",), 2025, 2026, "Long Range RWD (Highland)", 80.0, 363, 702,
         ("evkx_m3_lr_rwd",), True,
         note="80 kWh net, EPA 363 mi and WLTP 702 km read (evkx; one source)."),
    PackRow("Model 3", ("74d",), 2018, 2019, "Long Range AWD", 75.0, 310, 560,
         ("blogordie_m3_2019", "fueleconomy"), False, _U,
         note="EPA 310 mi read; usable kWh and WLTP not read."),
    PackRow("Model 3", ("74d",), 2020, 2020, "Long Range AWD", 75.0, 322, 560,
         ("zaston_my_2020", "carsradars_m3_2020"), False, _U,
         note="EPA 322 mi read (2020); usable kWh and WLTP not read."),
    PackRow("Model 3", ("74d",), 2021, 2023, "Long Range AWD", 75.0, 353, 602,
         ("evkx_m3_lr_gen1", "insideevs_m3_2024"), False, _U,
         note="75 kWh net and WLTP 602 km read (evkx); EPA 358 mi read for 2022-2023 and 333 mi "
         "for cars sold from spring 2023 (InsideEVs); 353 mi (2021) not read."),
    PackRow("Model 3", ("74d",), 2024, 2026, "Long Range AWD (Highland)", 75.0, 342, 629,
         ("evkx_m3_lr", "tbuddy_m3_2024", "insideevs_m3_2024"), True),
    PackRow("Model 3", ("p74d",), 2018, 2023, "Performance AWD", 75.0, 315, 547,
         ("evkx_m3_p_gen1", "insideevs_m3_2024", "zaston_my_2020"), True,
         note="75 kWh net, EPA 315 mi, WLTP 547 km read (evkx); 315 mi (2023) also InsideEVs. "
         "Earlier years: 310 mi (2018-2019, not read), 322 mi (2020, read)."),
    PackRow("Model 3", ("p74d",), 2024, 2026, "Performance AWD (Highland)", 75.0, 303, 547,
         ("evkx_m3_p", "thecooldown_m3p_2024"), True,
         note="75 kWh net and WLTP 547 km read (evkx); EPA 303 mi read (Tesla had estimated "
         "296-297)."),
    # --- Model Y ---------------------------------------------------------------------------------
    PackRow("Model Y", ("74d",), 2020, 2021, "Long Range AWD", 75.0, 320, 505,
         ("insideevs_my_2020", "edmunds_my_2021", "fueleconomy"), False, _U,
         note="EPA 315 mi (2020 Performance listing, read), 326 mi (2021, read); kWh not read."),
    PackRow("Model Y", ("74d",), 2022, 2024, "Long Range AWD", 79.0, 330, 533,
         ("evkx_my_lr", "teslalogger", "insideevs_my_2024"), False, _U,
         note="79 kWh net, EPA 330 mi, WLTP 533 km read (evkx); TeslaLogger notes 79 kWh (LG, "
         "2022); EPA 330 mi (2023) and 310 mi (2024, new method) read (InsideEVs)."),
    PackRow("Model Y", ("74d",), 2025, 2026, "Long Range AWD (Juniper)", 78.1, 327, 586,
         ("evkx_tesla", "fueleconomy"), False, _U),
    PackRow("Model Y", ("p74d",), 2020, 2024, "Performance AWD", 75.0, 303, 514,
         ("insideevs_my_2020", "insideevs_my_2024", "fueleconomy"), False, _U,
         note="EPA 315 mi (2020), 303 mi (2023), 285 then 279 mi (2024) read; kWh, WLTP not read."),
    PackRow("Model Y", ("50",), 2022, 2024, "Rear-Wheel Drive (LFP)", 57.5, 260, 455,
         ("motortrader_my", "evkx_my_sr", "fueleconomy"), False, _U,
         note="WLTP 455 km read (motortradernews); evkx says 55 kWh net and 430 km; EPA not read."),
    # --- Model S ---------------------------------------------------------------------------------
    PackRow("Model S", ("60",), 2012, 2015, "Model S 60", 58.5, 208, None,
         ("tesladriver", "autoblog_s60", "altenergy_s_2015"), True),
    PackRow("Model S", ("85", "p85", "p85+"), 2012, 2015, "Model S 85 / P85", 77.5, 265, None,
         ("tesladriver", "gcc_s85", "altenergy_s_2015"), True),
    PackRow("Model S", ("85d",), 2014, 2016, "Model S 85D", 77.5, 270, None,
         ("tesladriver", "altenergy_s_2015", "insideevs_s90d_2016"), True),
    PackRow("Model S", ("p85d",), 2014, 2016, "Model S P85D", 77.5, 250, None,
         ("tesladriver", "insideevs_p85d", "altenergy_s_2015"), True, 3.5,
         note="EPA 242 mi on 21-inch wheels; 253 mi in Tesla's later list (read)."),
    PackRow("Model S", ("70", "70d"), 2015, 2016, "Model S 70 / 70D", 68.8, 240, None,
         ("tesladriver", "fueleconomy"), False, 5.0,
         note="68.8 kWh (original 70) read; software-limited 70/70D (75 pack) 65.9 kWh; EPA not "
         "read."),
    PackRow("Model S", ("60", "60d"), 2016, 2017, "Model S 60 / 60D (software-limited 75)", 62.4,
         218, None, ("tesladriver", "fueleconomy"), False, 5.0,
         note="62.4 kWh read; EPA not read."),
    PackRow("Model S", ("75", "75d"), 2016, 2019, "Model S 75 / 75D", 72.6, 259, None,
         ("tesladriver", "fueleconomy"), False, _U, note="72.6 kWh read; EPA not read."),
    PackRow("Model S", ("90", "90d"), 2015, 2017, "Model S 90D", 81.8, 294, None,
         ("tesladriver", "insideevs_s90d_2016", "teslarati_s90d_2016"), False, _U,
         note="81.8 kWh read; EPA 294 mi (2016 refresh) read, 270 mi before it (read)."),
    PackRow("Model S", ("p90", "p90d"), 2015, 2017, "Model S P90D", 81.8, 262, None,
         ("tesladriver", "insideevs_s90d_2016", "teslarati_sp100d"), False, 4.5,
         note="81.8 kWh read; EPA 253 mi (2015) and 270 mi (2016 refresh) read: 262 is between."),
    PackRow("Model S", ("100d",), 2017, 2020, "Model S 100D / Long Range", 98.4, 335, None,
         ("tesladriver", "gcc_ms_2020", "fueleconomy"), False, 5.0,
         note="98.4 kWh read. 2019 Long Range 370 mi, 2020 Long Range Plus 402 mi (read): such "
         "cars send no badge or need the specs; this row is the 100D (335 mi, not read)."),
    PackRow("Model S", ("p100d",), 2017, 2020, "Model S P100D / Performance", 98.4, 315, None,
         ("tesladriver", "dday_sp100d", "teslarati_sp100d"), True,
         note="98.4 kWh and EPA 315 mi (P100D) read; later Performance re-ratings not read."),
    PackRow("Model S", ("100d",), 2021, 2026, "Model S Long Range", 96.0, 405, 634,
         ("evkx_ms", "slashgear_ms_2023"), True,
         note="96 kWh net and WLTP 634 km (top trim; 649 basic) read (evkx); EPA 405 mi read "
         "(SlashGear)."),
    PackRow("Model S", ("p100d",), 2021, 2026, "Model S Plaid", 96.0, 396, 600,
         ("evkx_ms_plaid", "slashgear_ms_2023"), True,
         note="96 kWh net and WLTP 600 km read (evkx); EPA 396 mi read (SlashGear)."),
    # --- Model X ---------------------------------------------------------------------------------
    PackRow("Model X", ("75d",), 2016, 2019, "Model X 75D", 72.6, 238, None,
         ("tesladriver", "fueleconomy"), False, _U, note="72.6 kWh read; EPA not read."),
    PackRow("Model X", ("90d",), 2016, 2017, "Model X 90D", 81.8, 257, None,
         ("tesladriver", "transportevolved_x90d", "afleet_x90d"), True),
    PackRow("Model X", ("p90d",), 2016, 2017, "Model X P90D", 81.8, 250, None,
         ("tesladriver", "transportevolved_x90d", "afleet_x90d"), True),
    PackRow("Model X", ("100d",), 2017, 2019, "Model X 100D", 98.4, 295, None,
         ("tesladriver", "highwaytale_x_2019"), False, _U,
         note="98.4 kWh and EPA 295 mi (100D) read; 2019 Long Range re-rated 325 mi (read)."),
    PackRow("Model X", ("p100d",), 2017, 2019, "Model X P100D", 98.4, 289, None,
         ("tesladriver", "fueleconomy"), False, _U, note="98.4 kWh read; EPA not read."),
    PackRow("Model X", ("100d",), 2020, 2021, "Model X Long Range Plus", 98.0, 351, 507,
         ("insideevs_x_2021", "fueleconomy"), False, _U,
         note="EPA 351 mi (2020) and 371 mi (2021) read (InsideEVs); kWh and WLTP not read."),
    PackRow("Model X", ("100d",), 2022, 2026, "Model X Long Range", 96.0, 348, 576,
         ("evkx_mx", "insideevs_x_2022", "insideevs_x_2024"), False, _U,
         note="96 kWh net read (evkx); EPA 348 mi (2022-2023) and 335 mi (2024, new method) "
         "read; evkx's WLTP (543 km) repeats its Plaid page, 576 not read."),
    PackRow("Model X", ("p100d",), 2022, 2026, "Model X Plaid", 96.0, 333, 543,
         ("evkx_mx_plaid", "insideevs_x_2022", "insideevs_x_2024"), True,
         note="96 kWh net and WLTP 543 km read (evkx); EPA 333 mi (2022-2023) read; 326 mi from "
         "2024 (new method, read) is inside the band."),
    # --- Cybertruck ------------------------------------------------------------------------------
    PackRow("Cybertruck", (), 2024, 2026, "Cybertruck AWD / Cyberbeast", 122.4, 318, None,
         ("caranddriver_ct", "caranddriver_cyberbeast", "insideevs_ct_test"), False, 5.0,
         note="122.4 kWh from Tesla's EPA documents (read; usable or total not stated; Car and "
         "Driver also says 123.0 kWh). Not EPA-certified (heavy duty): 318 mi AWD and 301 mi "
         "Cyberbeast are Tesla's own estimates (read)."),
)  # fmt: skip


def find_pack(
    model: str | None,
    badge: str | None,
    year: int | None,
    trim_words: Sequence[str] = (),
) -> PackRow | None:
    """The row of this car, or None when the reference cannot tell its pack.

    ``badge`` is ``vehicle_config.trim_badging``; without it a model year with a single row
    still identifies the pack. ``trim_words`` (from the option or specs trim name) only choose
    among rows that match equally well.
    """
    if not model or year is None:
        return None
    wanted = (badge or "").strip().lower() or None
    candidates = [row for row in PACKS if row.covers(model, year)]
    if wanted is not None:
        candidates = [row for row in candidates if not row.badges or wanted in row.badges]
    if len(candidates) > 1 and trim_words:
        words = {word.lower() for word in trim_words}
        preferred = [row for row in candidates if words & set(row.words)]
        candidates = preferred or candidates
    return candidates[0] if len(candidates) == 1 else None
