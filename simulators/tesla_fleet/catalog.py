"""Static catalogue the demo cars are built from: trims, paints, wheels, interiors, charging sites.

Option codes follow Tesla's `$XXnn` style as seen in /dx/vehicles/options; several codes and all
performance figures are illustrative (plausible for the model and year, not copied from Tesla).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Trim:
    key: str
    model: str
    car_type: str  # vehicle_config.car_type (tm's identify/1 table)
    trim_badging: str
    option_code: str
    display_name: str
    drive: str  # "RWD" | "AWD"
    chemistry: str  # "NMC" | "LFP" | "NCA"
    nominal_kwh: float
    usable_kwh_new: float
    rated_range_mi: float  # EPA rated range when new
    wltp_range_km: int
    max_dc_kw: int
    max_ac_kw: float
    power_kw: int
    accel_0_100_s: float
    top_speed_kmh: int
    curb_weight_kg: int
    efficiency_package: str
    rear_drive_unit: str
    performance_package: str = "Base"
    has_air_suspension: bool = False
    spoiler_type: str = "None"
    third_row_seats: str = "None"


@dataclass(frozen=True)
class Option:
    code: str
    display_name: str
    config_value: str  # the vehicle_config field value it implies (color, wheel_type, ...)


@dataclass(frozen=True)
class ChargingSite:
    name: str
    country_code: str
    timezone: str
    currency: str
    price_per_kwh: Decimal
    idle_fee_per_min: Decimal


TRIMS: dict[str, Trim] = {
    trim.key: trim
    for trim in (
        Trim(
            key="m3_sr_2019",
            model="Model 3",
            car_type="model3",
            trim_badging="50",
            option_code="$MT314",
            display_name="Standard Range Plus Rear-Wheel Drive",
            drive="RWD",
            chemistry="NCA",
            nominal_kwh=55.0,
            usable_kwh_new=50.0,
            rated_range_mi=240,
            wltp_range_km=409,
            max_dc_kw=170,
            max_ac_kw=11,
            power_kw=211,
            accel_0_100_s=5.6,
            top_speed_kmh=225,
            curb_weight_kg=1612,
            efficiency_package="M32021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="m3_lr_2021",
            model="Model 3",
            car_type="model3",
            trim_badging="74d",
            option_code="$MT337",
            display_name="Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=82.0,
            usable_kwh_new=75.0,
            rated_range_mi=353,
            wltp_range_km=602,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=366,
            accel_0_100_s=4.4,
            top_speed_kmh=233,
            curb_weight_kg=1844,
            efficiency_package="M32021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="m3_rwd_2022",
            model="Model 3",
            car_type="model3",
            trim_badging="50",
            option_code="$MT336",
            display_name="Rear-Wheel Drive",
            drive="RWD",
            chemistry="LFP",
            nominal_kwh=60.0,
            usable_kwh_new=59.0,
            rated_range_mi=272,
            wltp_range_km=491,
            max_dc_kw=170,
            max_ac_kw=11,
            power_kw=208,
            accel_0_100_s=6.1,
            top_speed_kmh=225,
            curb_weight_kg=1765,
            efficiency_package="M32021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="m3_lr_2024",
            model="Model 3",
            car_type="model3",
            trim_badging="74d",
            option_code="$MT352",
            display_name="Premium Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NMC",
            nominal_kwh=82.0,
            usable_kwh_new=75.0,
            rated_range_mi=342,
            wltp_range_km=629,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=366,
            accel_0_100_s=4.4,
            top_speed_kmh=201,
            curb_weight_kg=1828,
            efficiency_package="M32021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="m3_lr_2025",
            model="Model 3",
            car_type="model3",
            trim_badging="74",
            option_code="$MT369",
            display_name="Long Range Rear-Wheel Drive",
            drive="RWD",
            chemistry="NMC",
            nominal_kwh=82.0,
            usable_kwh_new=80.0,
            rated_range_mi=363,
            wltp_range_km=702,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=366,
            accel_0_100_s=4.4,
            top_speed_kmh=201,
            curb_weight_kg=1828,
            efficiency_package="M32024",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="my_lr_2022",
            model="Model Y",
            car_type="modely",
            trim_badging="74d",
            option_code="$MTY13",
            display_name="Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=82.0,
            usable_kwh_new=79.0,
            rated_range_mi=330,
            wltp_range_km=533,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=378,
            accel_0_100_s=5.0,
            top_speed_kmh=217,
            curb_weight_kg=1979,
            efficiency_package="MY2021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="my_p_2023",
            model="Model Y",
            car_type="modely",
            trim_badging="p74d",
            option_code="$MTY05",
            display_name="Performance All-Wheel Drive",
            drive="AWD",
            chemistry="NMC",
            nominal_kwh=82.0,
            usable_kwh_new=75.0,
            rated_range_mi=303,
            wltp_range_km=514,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=393,
            accel_0_100_s=3.7,
            top_speed_kmh=250,
            curb_weight_kg=1997,
            efficiency_package="MY2021",
            rear_drive_unit="PM216MOSFET",
            performance_package="Performance",
            spoiler_type="Passive",
        ),
        Trim(
            key="my_lr_2023",
            model="Model Y",
            car_type="modely",
            trim_badging="74d",
            option_code="$MTY13",
            display_name="Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NMC",
            nominal_kwh=82.0,
            usable_kwh_new=79.0,
            rated_range_mi=330,
            wltp_range_km=533,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=378,
            accel_0_100_s=5.0,
            top_speed_kmh=217,
            curb_weight_kg=1979,
            efficiency_package="MY2021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="my_rwd_2024",
            model="Model Y",
            car_type="modely",
            trim_badging="50",
            option_code="$MTY16",
            display_name="Rear-Wheel Drive",
            drive="RWD",
            chemistry="LFP",
            nominal_kwh=60.0,
            usable_kwh_new=57.5,
            rated_range_mi=260,
            wltp_range_km=455,
            max_dc_kw=170,
            max_ac_kw=11,
            power_kw=220,
            accel_0_100_s=6.9,
            top_speed_kmh=217,
            curb_weight_kg=1909,
            efficiency_package="MY2021",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="my_lr_2026",
            model="Model Y",
            car_type="modely",
            trim_badging="74d",
            option_code="$MTY70",
            display_name="Premium Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NMC",
            nominal_kwh=84.0,
            usable_kwh_new=78.1,
            rated_range_mi=327,
            wltp_range_km=586,
            max_dc_kw=250,
            max_ac_kw=11,
            power_kw=378,
            accel_0_100_s=4.8,
            top_speed_kmh=201,
            curb_weight_kg=1992,
            efficiency_package="MY2025",
            rear_drive_unit="PM216MOSFET",
        ),
        Trim(
            key="ms_lr_2021",
            model="Model S",
            car_type="lychee",
            trim_badging="100d",
            option_code="$MTS14",
            display_name="Model S Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=100.0,
            usable_kwh_new=96.0,
            rated_range_mi=405,
            wltp_range_km=634,
            max_dc_kw=250,
            max_ac_kw=11.5,
            power_kw=493,
            accel_0_100_s=3.2,
            top_speed_kmh=250,
            curb_weight_kg=2069,
            efficiency_package="MS2021",
            rear_drive_unit="PM216MOSFET",
            has_air_suspension=True,
        ),
        Trim(
            key="ms_plaid_2023",
            model="Model S",
            car_type="lychee",
            trim_badging="p100d",
            option_code="$MTS15",
            display_name="Model S Plaid",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=100.0,
            usable_kwh_new=96.0,
            rated_range_mi=396,
            wltp_range_km=600,
            max_dc_kw=250,
            max_ac_kw=11.5,
            power_kw=760,
            accel_0_100_s=2.1,
            top_speed_kmh=322,
            curb_weight_kg=2162,
            efficiency_package="MS2021",
            rear_drive_unit="PM216MOSFET",
            performance_package="Plaid",
            has_air_suspension=True,
            spoiler_type="Passive",
        ),
        Trim(
            key="mx_lr_2020",
            model="Model X",
            car_type="modelx",
            trim_badging="100d",
            option_code="$MTX13",
            display_name="Model X Long Range Plus",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=100.0,
            usable_kwh_new=98.0,
            rated_range_mi=351,
            wltp_range_km=507,
            max_dc_kw=200,
            max_ac_kw=16.5,
            power_kw=386,
            accel_0_100_s=4.6,
            top_speed_kmh=250,
            curb_weight_kg=2487,
            efficiency_package="MX2020",
            rear_drive_unit="PM216MOSFET",
            has_air_suspension=True,
            third_row_seats="FuturisSeats",
        ),
        Trim(
            key="mx_plaid_2022",
            model="Model X",
            car_type="tamarind",
            trim_badging="p100d",
            option_code="$MTX15",
            display_name="Model X Plaid",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=100.0,
            usable_kwh_new=96.0,
            rated_range_mi=333,
            wltp_range_km=543,
            max_dc_kw=250,
            max_ac_kw=11.5,
            power_kw=750,
            accel_0_100_s=2.6,
            top_speed_kmh=262,
            curb_weight_kg=2455,
            efficiency_package="MX2021",
            rear_drive_unit="PM216MOSFET",
            performance_package="Plaid",
            has_air_suspension=True,
            third_row_seats="FuturisSeats",
        ),
        Trim(
            key="my_lr_2023_na",
            model="Model Y",
            car_type="modely",
            trim_badging="74d",
            option_code="$MTY13",
            display_name="Long Range All-Wheel Drive",
            drive="AWD",
            chemistry="NCA",
            nominal_kwh=82.0,
            usable_kwh_new=79.0,
            rated_range_mi=330,
            wltp_range_km=533,
            max_dc_kw=250,
            max_ac_kw=11.5,
            power_kw=378,
            accel_0_100_s=5.0,
            top_speed_kmh=217,
            curb_weight_kg=1979,
            efficiency_package="MY2021",
            rear_drive_unit="PM216MOSFET",
        ),
    )
}

PAINTS: dict[str, Option] = {
    option.code: option
    for option in (
        Option("$PPSW", "Pearl White Multi-Coat", "PearlWhite"),
        Option("$PBSB", "Solid Black", "SolidBlack"),
        Option("$PMNG", "Midnight Silver Metallic", "MidnightSilver"),
        Option("$PPSB", "Deep Blue Metallic", "DeepBlue"),
        Option("$PPMR", "Red Multi-Coat", "RedMulticoat"),
        Option("$PN01", "Stealth Grey", "StealthGrey"),
        Option("$PR01", "Ultra Red", "UltraRed"),
        Option("$PN00", "Quicksilver", "Quicksilver"),
    )
}

WHEELS: dict[str, Option] = {
    option.code: option
    for option in (
        Option("$W38A", '18" Photon Wheels', "Photon18"),
        Option("$W40B", '18" Aero Wheels', "Pinwheel18"),
        Option("$W41B", '19" Sport Wheels', "Stiletto19"),
        Option("$WY19B", '19" Gemini Wheels', "Gemini19"),
        Option("$WY20P", '20" Induction Wheels', "Induction20"),
        Option("$WY21P", '21" Uberturbine Wheels', "UberTurbine21"),
        Option("$WS90", '19" Tempest Wheels', "Tempest19"),
        Option("$WX00", '20" Cyberstream Wheels', "Cyberstream20"),
        Option("$WS10", '21" Arachnid Wheels', "Arachnid21"),
    )
}

INTERIORS: dict[str, Option] = {
    option.code: option
    for option in (
        Option("$IPB0", "All Black Premium Interior", "Black2"),
        Option("$IPB1", "All Black Premium Interior", "Black2"),
        Option("$IPB3", "All Black Premium Interior", "Black2"),
        Option("$IPW1", "Black and White Premium Interior", "White2"),
        Option("$IBC00", "Cream Premium Interior", "Cream"),
    )
}

AUTOPILOT: dict[str, Option] = {
    option.code: option
    for option in (
        Option("$APBS", "Basic Autopilot", "TeslaAP3"),
        Option("$APPB", "Enhanced Autopilot", "TeslaAP3"),
        Option("$APF2", "Full Self-Driving Capability", "TeslaAP3"),
    )
}

SUPERCHARGING: dict[str, Option] = {
    option.code: option
    for option in (
        Option("$SC04", "Supercharger Network Access + Pay-as-you-go", "paid"),
        Option("$SC01", "Free Unlimited Supercharging", "free"),
    )
}

EU_SITES: tuple[ChargingSite, ...] = (
    ChargingSite(
        "Helsinki - Ruoholahti", "FI", "Europe/Helsinki", "EUR", Decimal("0.42"), Decimal("0.50")
    ),
    ChargingSite(
        "Vantaa - Jumbo", "FI", "Europe/Helsinki", "EUR", Decimal("0.39"), Decimal("0.50")
    ),
    ChargingSite(
        "Lempäälä - Ideapark", "FI", "Europe/Helsinki", "EUR", Decimal("0.36"), Decimal("0.50")
    ),
    ChargingSite(
        "Turku - Skanssi", "FI", "Europe/Helsinki", "EUR", Decimal("0.40"), Decimal("0.50")
    ),
    ChargingSite(
        "Tallinn - Ülemiste", "EE", "Europe/Tallinn", "EUR", Decimal("0.45"), Decimal("0.50")
    ),
    ChargingSite(
        "Stockholm - Barkarby", "SE", "Europe/Stockholm", "SEK", Decimal("4.89"), Decimal("5.00")
    ),
    ChargingSite("Oslo - Økern", "NO", "Europe/Oslo", "NOK", Decimal("4.52"), Decimal("5.00")),
    ChargingSite(
        "Hamburg - Stellingen", "DE", "Europe/Berlin", "EUR", Decimal("0.55"), Decimal("0.50")
    ),
)

NA_SITES: tuple[ChargingSite, ...] = (
    ChargingSite(
        "Austin, TX - Domain Northside",
        "US",
        "America/Chicago",
        "USD",
        Decimal("0.38"),
        Decimal("0.50"),
    ),
    ChargingSite(
        "Round Rock, TX - La Frontera",
        "US",
        "America/Chicago",
        "USD",
        Decimal("0.35"),
        Decimal("0.50"),
    ),
    ChargingSite(
        "San Marcos, TX - Outlets", "US", "America/Chicago", "USD", Decimal("0.33"), Decimal("0.50")
    ),
    ChargingSite(
        "Truckee, CA - Soaring Way",
        "US",
        "America/Los_Angeles",
        "USD",
        Decimal("0.46"),
        Decimal("1.00"),
    ),
    ChargingSite(
        "Toronto, ON - Yorkdale", "CA", "America/Toronto", "CAD", Decimal("0.52"), Decimal("0.50")
    ),
)

# Alert names follow the SUBSYSTEM_aNNN_description pattern of real alerts; texts are illustrative.
ALERT_CATALOG: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "VCFRONT_a192_lowVoltageBatteryLow",
        ("service-fix", "customer"),
        "Low voltage battery needs attention",
    ),
    ("BMS_a066_SW_Low_Soc", ("customer",), "Battery charge level low - Charge now"),
    (
        "CP_a043_chargePortFault",
        ("service-fix", "customer"),
        "Charge port unable to latch - Check cable",
    ),
    (
        "UMC_a016_plugOverTemp",
        ("customer",),
        "Charging speed reduced - Charge cable temperature high",
    ),
    ("TPMS_a227_lowTirePressure", ("customer",), "Tire pressure low - Check tires"),
    ("DI_a175_frontMotorTempHigh", ("service",), "Front motor temperature high"),
    ("APP_w304_cameraBlocked", ("customer",), "Camera view blocked - Clean cameras"),
    ("CC_a013_wallConnectorFault", ("customer",), "Wall connector fault - Check installation"),
    ("VCLEFT_a114_mirrorFoldFault", ("service-fix",), "Mirror fold unavailable"),
    (
        "THC_a032_hvacPerformanceDegraded",
        ("service", "customer"),
        "Cabin heating and cooling limited",
    ),
    ("BMS_a079_SW_Cell_Imbalance", ("service",), "Battery balancing in progress"),
    ("ESP_a055_tractionControlDisabled", ("customer",), "Traction control disabled"),
    ("GTW_w009_updateRequired", ("customer",), "Software update required - Install when parked"),
    ("PCS_a019_chargingDerated", ("customer",), "Charging power reduced"),
)

RELEASE_NOTE_CATALOG: tuple[tuple[str, str, str], ...] = (
    (
        "Dashcam Viewer",
        "Review recordings on the touchscreen",
        "Browse and replay Dashcam and Sentry clips.",
    ),
    (
        "Supercharger Queue",
        "Wait in line virtually",
        "Join the queue at busy Superchargers from the car.",
    ),
    (
        "Trip Planner",
        "Improved arrival estimates",
        "Arrival energy now accounts for wind and temperature.",
    ),
    (
        "Battery Preconditioning",
        "Faster charging on arrival",
        "Navigating to a fast charger warms the battery.",
    ),
    ("Charge Stats", "Understand your charging", "See energy added and cost per charging session."),
    ("Light Show", "New choreography", "Schedule a light show from the Toybox."),
    ("Minor Fixes", "Some more info", "This release contains minor fixes and improvements."),
    ("Navigation Improvements", "Smarter routing", "Routes now prefer roads with fewer stops."),
    ("Cabin Camera", "Driver attentiveness", "The cabin camera detects driver inattentiveness."),
    ("Auto Seat Climate", "Comfort without thinking", "Seat heaters now follow cabin temperature."),
    ("Sentry Mode", "Lower energy use", "Sentry Mode uses less energy while parked."),
    ("Energy App", "Consumption at a glance", "See what used energy since your last charge."),
    ("Range Display", "Percentage or distance", "Choose how remaining range is displayed."),
    (
        "Blind Spot Camera",
        "See more when changing lanes",
        "Turn signal shows the side repeater camera.",
    ),
    (
        "Child Left Alone Detection",
        "Cabin radar alerts",
        "Get notified if a child is left in the car.",
    ),
    ("Keyboard Languages", "More languages", "Finnish, Swedish and Norwegian keyboard layouts."),
)
