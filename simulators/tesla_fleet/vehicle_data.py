"""The live ``vehicle_data`` snapshot: Tesla's documented sections with per-car seeded values.

Field names follow Tesla's doc example and a real 2024 Model 3 (reference §4.5). Distances are
miles and pressures bar, whatever the GUI units, as on the real API.
"""

from __future__ import annotations

from typing import Any

from .demo_data import KM_PER_MILE, VehicleSpec, _rng

ALL_SECTIONS = (
    "charge_state",
    "climate_state",
    "closures_state",
    "drive_state",
    "gui_settings",
    "location_data",
    "charge_schedule_data",
    "preconditioning_schedule_data",
    "vehicle_config",
    "vehicle_state",
    "vehicle_data_combo",
)
# What comes back when `endpoints` is omitted (UNVERIFIED; the docs do not say). Location is
# never included implicitly because firmware 2023.38+ needs an explicit location_data.
DEFAULT_SECTIONS = (
    "charge_state",
    "climate_state",
    "drive_state",
    "gui_settings",
    "vehicle_config",
    "vehicle_state",
)
_HOME = {"eu": (60.1699, 24.9384, 7200), "na": (30.2672, -97.7431, -21600)}


def vehicle_summary(vehicle: VehicleSpec, state: str, in_service: bool) -> dict[str, Any]:
    """The object of GET /vehicles and GET /vehicles/{tag}."""
    from .demo_data import legacy_option_codes

    rng = _rng(0, "tokens", vehicle.vin)
    return {
        "id": vehicle.id,
        "vehicle_id": vehicle.vehicle_id,
        "vin": vehicle.vin,
        "color": None,
        "access_type": "OWNER",
        "display_name": vehicle.display_name,
        "option_codes": legacy_option_codes(vehicle),
        "granular_access": {"hide_private": False},
        "tokens": [f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}"],
        "state": state,
        "in_service": in_service,
        "id_s": str(vehicle.id),
        "calendar_enabled": True,
        "api_version": 81,
        "backseat_token": None,
        "backseat_token_updated_at": None,
        "ble_autopair_enrolled": False,
    }


def build_sections(
    vehicle: VehicleSpec,
    sections: set[str],
    *,
    now: float,
    include_location: bool,
    include_drive_state: bool,
) -> dict[str, Any]:
    rng = _rng(1, "snapshot", vehicle.vin)
    now_ms = int(now * 1000)
    eu = vehicle.region != "na"
    result: dict[str, Any] = {}

    level = rng.randint(38, 88)
    charging = rng.random() < 0.2
    # As on a real car, the rated range and the energy remaining follow the usable level (a
    # cold or worn pack shows a usable level a little below the displayed one).
    usable_level = level - (1 if vehicle.degradation_pct > 4 else 0)
    # The BMS's energy estimate drifts a little from the one behind the rated range.
    bms_drift = 1 + _rng(1, "bms", vehicle.vin).uniform(-0.015, 0.015)
    range_mi = round(vehicle.rated_range_now_mi * usable_level / 100, 2)
    limit = 100 if vehicle.trim.chemistry == "LFP" else rng.choice([80, 80, 85, 90])
    inside, outside = round(rng.uniform(8, 24), 1), round(rng.uniform(-8, 18), 1)
    locked = rng.random() < 0.85
    # Each section draws from its own stream so that asking for fewer sections never changes
    # the values of the others.
    if "charge_state" in sections:
        rng = _rng(1, "charge_state", vehicle.vin)
        result["charge_state"] = {
            "battery_heater_on": False,
            "battery_level": level,
            "battery_range": range_mi,
            "charge_amps": 16 if charging else 0,
            "charge_current_request": 16,
            "charge_current_request_max": 16 if eu else 48,
            "charge_enable_request": True,
            "charge_energy_added": round(rng.uniform(3, 40), 2),
            "charge_limit_soc": limit,
            "charge_limit_soc_max": 100,
            "charge_limit_soc_min": 50,
            "charge_limit_soc_std": 80 if vehicle.trim.chemistry != "LFP" else 100,
            "charge_miles_added_ideal": round(rng.uniform(10, 120), 1),
            "charge_miles_added_rated": round(rng.uniform(10, 120), 1),
            "charge_port_cold_weather_mode": False,
            "charge_port_color": "Blue" if charging else "Off",
            "charge_port_door_open": charging,
            "charge_port_latch": "Engaged",
            "charge_rate": 22.5 if charging else 0,
            "charger_actual_current": 16 if charging else 0,
            "charger_phases": 3 if charging and eu else (1 if charging else None),
            "charger_pilot_current": 16 if charging else 0,
            "charger_power": 11 if charging else 0,
            "charger_voltage": 230 if charging else 0,
            "charging_state": "Charging"
            if charging
            else rng.choice(["Disconnected", "Disconnected", "Complete"]),
            "conn_charge_cable": "IEC" if charging else "<invalid>",
            "energy_remaining": round(vehicle.usable_kwh_now * usable_level / 100 * bms_drift, 2),
            "est_battery_range": round(range_mi * rng.uniform(0.86, 0.97), 2),
            "fast_charger_brand": "<invalid>",
            "fast_charger_present": False,
            "fast_charger_type": "ACSingleWireCAN" if charging else "<invalid>",
            "ideal_battery_range": range_mi,
            "lifetime_energy_used": round(vehicle.odometer_mi * rng.uniform(0.24, 0.3), 3),
            "managed_charging_active": False,
            "managed_charging_start_time": None,
            "managed_charging_user_canceled": False,
            "max_range_charge_counter": 0,
            "minutes_to_full_charge": rng.randint(30, 240) if charging else 0,
            "module_temp_max": round(rng.uniform(14, 24), 1),
            "module_temp_min": round(rng.uniform(10, 14), 1),
            "not_enough_power_to_heat": None,
            "off_peak_charging_enabled": False,
            "off_peak_charging_times": "all_week",
            "off_peak_hours_end_time": 360,
            "preconditioning_enabled": False,
            "preconditioning_times": "all_week",
            "scheduled_charging_mode": "Off",
            "scheduled_charging_pending": False,
            "scheduled_charging_start_time": None,
            "scheduled_charging_start_time_app": 600,
            "scheduled_departure_time": 1_634_914_800,
            "scheduled_departure_time_minutes": 480,
            "supercharger_session_trip_planner": False,
            "time_to_full_charge": round(rng.uniform(0.5, 4), 2) if charging else 0,
            "timestamp": now_ms,
            "trip_charging": False,
            "usable_battery_level": usable_level,
            "user_charge_enable_request": None,
        }
    if "climate_state" in sections:
        result["climate_state"] = {
            "allow_cabin_overheat_protection": True,
            "auto_seat_climate_left": True,
            "auto_seat_climate_right": True,
            "auto_steering_wheel_heat": False,
            "battery_heater": False,
            "battery_heater_no_power": None,
            "bioweapon_mode": False,
            "cabin_overheat_protection": "On",
            "cabin_overheat_protection_actively_cooling": False,
            "climate_keeper_mode": "off",
            "cop_activation_temperature": "High",
            "defrost_mode": 0,
            "driver_temp_setting": 21,
            "fan_status": 0,
            "hvac_auto_request": "On",
            "inside_temp": inside,
            "is_auto_conditioning_on": False,
            "is_climate_on": False,
            "is_front_defroster_on": False,
            "is_preconditioning": False,
            "is_rear_defroster_on": False,
            "left_temp_direction": 0,
            "max_avail_temp": 28,
            "min_avail_temp": 15,
            "outside_temp": outside,
            "passenger_temp_setting": 21,
            "remote_heater_control_enabled": False,
            "right_temp_direction": 0,
            "seat_heater_left": 0,
            "seat_heater_rear_center": 0,
            "seat_heater_rear_left": 0,
            "seat_heater_rear_right": 0,
            "seat_heater_right": 0,
            "side_mirror_heaters": False,
            "steering_wheel_heat_level": 0,
            "steering_wheel_heater": False,
            "supports_fan_only_cabin_overheat_protection": True,
            "timestamp": now_ms,
            "wiper_blade_heater": False,
        }
    closures = {
        "df": 0,
        "dr": 0,
        "pf": 0,
        "pr": 0,
        "ft": 0,
        "rt": 0,
        "fd_window": 0,
        "fp_window": 0,
        "rd_window": 0,
        "rp_window": 0,
        "locked": locked,
        "sun_roof_state": "unknown",
        "vehicle_state_sun_roof_percent_open": 0,
    }
    if "closures_state" in sections:
        result["closures_state"] = {**closures, "timestamp": now_ms}
    if include_drive_state and ("drive_state" in sections or "location_data" in sections):
        result["drive_state"] = _drive_state(vehicle, now, include_location=include_location)
    if "gui_settings" in sections:
        result["gui_settings"] = {
            "gui_24_hour_time": eu,
            "gui_charge_rate_units": "kW" if eu else "mi/hr",
            "gui_distance_units": "km/hr" if eu else "mi/hr",
            "gui_range_display": "Rated",
            "gui_temperature_units": "C" if eu else "F",
            "gui_tirepressure_units": "Bar" if eu else "Psi",
            "show_range_units": False,
            "timestamp": now_ms,
        }
    if "charge_schedule_data" in sections:
        result["charge_schedule_data"] = {
            "charge_schedules": [],
            "charge_schedule_window": None,
            "max_num_charge_schedules": 10,
            "next_schedule": False,
            "timestamp": now_ms,
        }
    if "preconditioning_schedule_data" in sections:
        result["preconditioning_schedule_data"] = {
            "preconditioning_schedules": [],
            "max_num_precondition_schedules": 10,
            "next_schedule": False,
            "timestamp": now_ms,
        }
    trim = vehicle.trim
    if "vehicle_config" in sections:
        result["vehicle_config"] = {
            "aux_park_lamps": "Eu" if eu else "NaPremium",
            "badge_version": 1,
            "can_accept_navigation_requests": True,
            "can_actuate_trunks": True,
            "car_special_type": "base",
            "car_type": trim.car_type,
            "charge_port_type": "CCS" if eu else "US",
            "cop_user_set_temp_supported": True,
            "dashcam_clip_save_supported": True,
            "default_charge_to_max": False,
            "driver_assist": "TeslaAP4"
            if vehicle.model_year >= 2023
            else vehicle.autopilot.config_value,
            "ece_restrictions": eu,
            "efficiency_package": trim.efficiency_package,
            "eu_vehicle": eu,
            "exterior_color": vehicle.paint.config_value,
            "exterior_trim": "Black",
            "exterior_trim_override": "",
            "has_air_suspension": trim.has_air_suspension,
            "has_ludicrous_mode": False,
            "has_seat_cooling": trim.model in ("Model S", "Model X") or vehicle.model_year >= 2024,
            "headlamp_type": "Premium",
            "interior_trim_type": vehicle.interior.config_value,
            "key_version": 2,
            "motorized_charge_port": True,
            "paint_color_override": "19,20,22,0.8,0.04",
            "performance_package": trim.performance_package,
            "plg": True,
            "pws": True,
            "rear_drive_unit": trim.rear_drive_unit,
            "rear_seat_heaters": 1,
            "rear_seat_type": 0,
            "rhd": False,
            "roof_color": "RoofColorGlass",
            "seat_type": None,
            "spoiler_type": trim.spoiler_type,
            "sun_roof_installed": None,
            "supports_qr_pairing": False,
            "third_row_seats": trim.third_row_seats,
            "timestamp": now_ms,
            "trim_badging": trim.trim_badging,
            "use_range_badging": True,
            "utc_offset": _HOME["eu" if eu else "na"][2],
            "webcam_selfie_supported": True,
            "webcam_supported": True,
            "wheel_type": vehicle.wheels.config_value,
        }
    if "vehicle_state" in sections:
        result["vehicle_state"] = _vehicle_state(vehicle, closures, now)
    return result


def _drive_state(vehicle: VehicleSpec, now: float, *, include_location: bool) -> dict[str, Any]:
    now_ms = int(now * 1000)
    eu = vehicle.region != "na"
    rng = _rng(1, "drive_state", vehicle.vin)
    latitude, longitude, _utc_offset = _HOME["eu" if eu else "na"]
    drive_state: dict[str, Any] = {
        "gps_as_of": int(now) - rng.randint(5, 600),
        "power": 0,
        "shift_state": None,
        "speed": None,
        "timestamp": now_ms,
    }
    if include_location:
        lat = round(latitude + rng.uniform(-0.05, 0.05), 7)
        lon = round(longitude + rng.uniform(-0.08, 0.08), 7)
        drive_state.update(
            {
                "active_route_latitude": lat,
                "active_route_longitude": lon,
                "active_route_traffic_minutes_delay": 0,
                "heading": rng.randint(0, 359),
                "latitude": lat,
                "longitude": lon,
                "native_latitude": lat,
                "native_location_supported": 1,
                "native_longitude": lon,
                "native_type": "wgs",
            }
        )
    return drive_state


def _vehicle_state(vehicle: VehicleSpec, closures: dict[str, Any], now: float) -> dict[str, Any]:
    now_ms = int(now * 1000)
    rng = _rng(1, "vehicle_state", vehicle.vin)
    pressure = [round(rng.uniform(2.65, 3.05), 3) for _ in range(4)]
    low_tire = pressure.index(min(pressure)) if rng.random() < 0.25 else None
    if low_tire is not None:
        pressure[low_tire] = round(pressure[low_tire] - 0.55, 3)
    corners = ("fl", "fr", "rl", "rr")
    tpms: dict[str, Any] = {}
    for index, corner in enumerate(corners):
        tpms[f"tpms_pressure_{corner}"] = pressure[index]
        tpms[f"tpms_hard_warning_{corner}"] = False
        tpms[f"tpms_soft_warning_{corner}"] = index == low_tire
        tpms[f"tpms_last_seen_pressure_time_{corner}"] = int(now) - rng.randint(60, 3600)
    update_available = vehicle.pending_update is not None
    return {
        "api_version": 81,
        "autopark_state_v3": "standby",
        "autopark_style": "dead_man",
        "calendar_supported": True,
        "car_version": vehicle.firmware,
        "center_display_state": 0,
        "dashcam_clip_save_available": True,
        "dashcam_state": "Recording" if rng.random() < 0.7 else "Unavailable",
        **{key: value for key, value in closures.items() if not key.startswith("sun_roof")},
        "feature_bitmask": "fbdffbff,187f",
        "homelink_device_count": rng.randint(0, 2),
        "homelink_nearby": False,
        "is_user_present": False,
        "last_autopark_error": "no_error",
        "media_info": {
            "a2dp_source_name": "",
            "audio_volume": 2.3333,
            "audio_volume_increment": 0.333333,
            "audio_volume_max": 10.333333,
            "media_playback_status": "Stopped",
            "now_playing_album": "",
            "now_playing_artist": "",
            "now_playing_duration": 0,
            "now_playing_elapsed": 0,
            "now_playing_source": "Spotify",
            "now_playing_station": "",
            "now_playing_title": "",
        },
        "media_state": {"remote_control_enabled": True},
        "notifications_supported": True,
        "odometer": vehicle.odometer_mi,
        "parsed_calendar_supported": True,
        "remote_start": False,
        "remote_start_enabled": True,
        "remote_start_supported": True,
        "santa_mode": 0,
        "sentry_mode": rng.random() < 0.3,
        "sentry_mode_available": True,
        "service_mode": False,
        "service_mode_plus": False,
        "smart_summon_available": True,
        "software_update": {
            "download_perc": 100 if update_available else 0,
            "expected_duration_sec": 2700,
            "install_perc": 1,
            "status": "available" if update_available else "",
            "version": vehicle.pending_update if update_available else " ",
        },
        "speed_limit_mode": {
            "active": False,
            "current_limit_mph": 85,
            "max_limit_mph": 120,
            "min_limit_mph": 50,
            "pin_code_set": False,
        },
        "summon_standby_mode_enabled": False,
        "timestamp": now_ms,
        **tpms,
        "tpms_rcp_front_value": 2.9,
        "tpms_rcp_rear_value": 2.9,
        "valet_mode": False,
        "valet_pin_needed": True,
        "vehicle_name": vehicle.display_name,
        "vehicle_self_test_progress": 0,
        "vehicle_self_test_requested": False,
        "webcam_available": True,
    }


def odometer_km(vehicle: VehicleSpec) -> float:
    return vehicle.odometer_mi * KM_PER_MILE
