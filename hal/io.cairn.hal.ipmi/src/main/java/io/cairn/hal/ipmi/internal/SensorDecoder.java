package io.cairn.hal.ipmi.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import io.cairn.hal.api.bmc.SensorReading;
import io.cairn.hal.api.bmc.SensorState;

/** Turns an SDR record and a Get Sensor Reading answer into a {@link SensorReading} (IPMI 2.0 §35.14, §42, §43). */
final class SensorDecoder {

    private static final String[] TYPES = {"Reserved", "Temperature", "Voltage", "Current", "Fan", "Physical Security",
        "Platform Security", "Processor", "Power Supply", "Power Unit", "Cooling Device", "Other", "Memory", "Drive Slot",
        "POST Memory Resize", "System Firmware Progress", "Event Logging Disabled", "Watchdog 1", "System Event",
        "Critical Interrupt", "Button/Switch", "Module/Board", "Microcontroller", "Add-in Card", "Chassis", "Chip Set",
        "Other FRU", "Cable/Interconnect", "Terminator", "System Boot Initiated", "Boot Error", "OS Boot",
        "OS Critical Stop", "Slot/Connector", "System ACPI Power State", "Watchdog 2", "Platform Alert",
        "Entity Presence", "Monitor ASIC", "LAN", "Management Subsystem Health", "Battery", "Session Audit",
        "Version Change", "FRU State"};

    private static final String[] UNITS = {"unspecified", "degrees C", "degrees F", "degrees K", "Volts", "Amps",
        "Watts", "Joules", "Coulombs", "VA", "Nits", "lumen", "lux", "Candela", "kPa", "PSI", "Newton", "CFM", "RPM", "Hz",
        "microsecond", "millisecond", "second", "minute", "hour", "day", "week", "mil", "inches", "feet", "cu in",
        "cu feet", "mm", "cm", "m", "cu cm", "cu m", "liters", "fluid ounce", "radians", "steradians", "revolutions",
        "cycles", "gravities", "ounce", "pound", "ft-lb", "oz-in", "gauss", "gilberts", "henry", "millihenry", "farad",
        "microfarad", "ohms", "siemens", "mole", "becquerel", "PPM", "reserved", "Decibels", "DbA", "DbC", "gray",
        "sievert", "color temp deg K", "bit", "kilobit", "megabit", "gigabit", "byte", "kilobyte", "megabyte", "gigabyte",
        "word", "dword", "qword", "line", "hit", "miss", "retry", "reset", "overrun/overflow", "underrun", "collision",
        "packets", "messages", "characters", "error", "correctable error", "uncorrectable error", "fatal error", "grams"};

    private static final String[] THRESHOLDS = {"lower non-critical", "lower critical", "lower non-recoverable",
        "upper non-critical", "upper critical", "upper non-recoverable"};

    private SensorDecoder() {
    }

    static String typeName(int type) {
        return type < TYPES.length ? TYPES[type] : type >= 0xC0 ? "OEM 0x" + Integer.toHexString(type) : "Unknown";
    }

    static String unit(SdrRecord r) {
        if (!r.analog()) {
            return "";
        }
        String base = unitName(r.baseUnit());
        String unit = switch ((r.units1() >> 1) & 0x3) {
            case 1 -> base + "/" + unitName(r.modifierUnit());
            case 2 -> base + "*" + unitName(r.modifierUnit());
            default -> base;
        };
        return (r.units1() & 0x01) != 0 ? "% " + unit : unit;
    }

    private static String unitName(int code) {
        return code < UNITS.length ? UNITS[code] : "unit 0x" + Integer.toHexString(code);
    }

    static SensorReading unavailable(SdrRecord r, String why) {
        return new SensorReading(r.name(), typeName(r.sensorType()), OptionalDouble.empty(), unit(r),
                SensorState.UNAVAILABLE, why);
    }

    /** {@code data}: the Get Sensor Reading response data (reading, flags, states 0-7, states 8-14). */
    static SensorReading decode(SdrRecord r, byte[] data) {
        if (data.length < 2) {
            return unavailable(r, "short answer");
        }
        int flags = data[1] & 0xFF;
        if ((flags & 0x40) == 0) {
            return unavailable(r, "scanning disabled");
        }
        if ((flags & 0x20) != 0) {
            return unavailable(r, "reading unavailable");
        }
        int states = (data.length > 2 ? data[2] & 0xFF : 0) | (data.length > 3 ? (data[3] & 0x7F) << 8 : 0);
        String type = typeName(r.sensorType());
        if (r.threshold()) {
            OptionalDouble value = r.analog() ? OptionalDouble.of(round(r.convert(data[0] & 0xFF))) : OptionalDouble.empty();
            SensorState state = SensorState.OK;
            String detail = "";
            for (int bit : new int[] {0, 3, 1, 4, 2, 5}) { // least severe first; the last one set wins
                if ((states & (1 << bit)) != 0) {
                    state = bit == 0 || bit == 3 ? SensorState.WARNING : SensorState.CRITICAL;
                    detail = THRESHOLDS[bit];
                }
            }
            return new SensorReading(r.name(), type, value, unit(r), state, detail);
        }
        List<String> asserted = new ArrayList<>();
        SensorState state = SensorState.OK;
        for (int bit = 0; bit < 15; bit++) {
            if ((states & (1 << bit)) != 0) {
                Discrete d = discrete(r.readingType(), r.sensorType(), bit);
                asserted.add(d.text());
                if (d.state().compareTo(state) > 0) {
                    state = d.state();
                }
            }
        }
        return new SensorReading(r.name(), type, OptionalDouble.empty(), "", state, String.join(", ", asserted));
    }

    private record Discrete(String text, SensorState state) {
    }

    /** Names for the discrete states Cairn cares about; others are reported by number. */
    private static Discrete discrete(int readingType, int sensorType, int bit) {
        String generic = switch (readingType) {
            case 0x03 -> bit == 0 ? "State Deasserted" : "State Asserted";
            case 0x04 -> bit == 0 ? "Predictive Failure Deasserted" : "Predictive Failure Asserted";
            case 0x05 -> bit == 0 ? "Limit Not Exceeded" : "Limit Exceeded";
            case 0x07 -> new String[] {"Transition to OK", "Transition to Non-critical from OK",
                "Transition to Critical from less severe", "Transition to Non-recoverable from less severe",
                "Transition to Non-critical from more severe", "Transition to Critical from Non-recoverable",
                "Transition to Non-recoverable", "Monitor", "Informational"}[Math.min(bit, 8)];
            case 0x08 -> bit == 0 ? "Device Absent" : "Device Present";
            case 0x09 -> bit == 0 ? "Device Disabled" : "Device Enabled";
            default -> null;
        };
        if (generic != null) {
            SensorState s = readingType == 0x05 && bit == 1 || readingType == 0x04 && bit == 1 ? SensorState.WARNING
                    : readingType == 0x07 && (bit == 2 || bit == 3 || bit == 5 || bit == 6) ? SensorState.CRITICAL
                    : readingType == 0x07 && (bit == 1 || bit == 4) ? SensorState.WARNING : SensorState.OK;
            return new Discrete(generic, s);
        }
        if (readingType == 0x6F) {
            switch (sensorType) {
                case 0x07: // processor
                    return switch (bit) {
                        case 0 -> new Discrete("IERR", SensorState.CRITICAL);
                        case 1 -> new Discrete("Thermal Trip", SensorState.CRITICAL);
                        case 7 -> new Discrete("Presence detected", SensorState.OK);
                        case 8 -> new Discrete("Disabled", SensorState.WARNING);
                        case 10 -> new Discrete("Throttled", SensorState.WARNING);
                        default -> new Discrete("state " + bit, SensorState.OK);
                    };
                case 0x08: // power supply
                    return switch (bit) {
                        case 0 -> new Discrete("Presence detected", SensorState.OK);
                        case 1 -> new Discrete("Failure detected", SensorState.CRITICAL);
                        case 2 -> new Discrete("Predictive failure", SensorState.WARNING);
                        case 3 -> new Discrete("Power Supply AC lost", SensorState.CRITICAL);
                        case 4 -> new Discrete("AC lost or out-of-range", SensorState.CRITICAL);
                        case 5 -> new Discrete("AC out-of-range, but present", SensorState.WARNING);
                        case 6 -> new Discrete("Config Error", SensorState.WARNING);
                        default -> new Discrete("state " + bit, SensorState.OK);
                    };
                case 0x0D: // drive slot
                    return switch (bit) {
                        case 0 -> new Discrete("Drive Present", SensorState.OK);
                        case 1 -> new Discrete("Drive Fault", SensorState.CRITICAL);
                        case 2 -> new Discrete("Predictive Failure", SensorState.WARNING);
                        default -> new Discrete("state " + bit, SensorState.OK);
                    };
                case 0x25: // entity presence
                    return switch (bit) {
                        case 0 -> new Discrete("Entity Present", SensorState.OK);
                        case 1 -> new Discrete("Entity Absent", SensorState.OK);
                        case 2 -> new Discrete("Entity Disabled", SensorState.OK);
                        default -> new Discrete("state " + bit, SensorState.OK);
                    };
                default:
                    break;
            }
        }
        return new Discrete("state " + bit, SensorState.OK);
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
