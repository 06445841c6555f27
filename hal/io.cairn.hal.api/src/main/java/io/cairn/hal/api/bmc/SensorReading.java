package io.cairn.hal.api.bmc;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One sensor of a BMC.
 *
 * @param name the BMC's name for the sensor ("CPU Temp")
 * @param type the sensor type ("Temperature", "Fan", "Voltage", "Power Supply", ...)
 * @param value the reading in {@code unit}; empty for discrete sensors and unavailable readings
 * @param unit the unit of {@code value} ("degrees C", "RPM", "Volts"); empty for discrete sensors
 * @param state the BMC's judgement of the reading
 * @param detail what is asserted, in words ("upper critical", "Presence detected"); empty when nothing is
 */
public record SensorReading(String name, String type, OptionalDouble value, String unit, SensorState state, String detail) {

    public SensorReading {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        Objects.requireNonNull(unit);
        Objects.requireNonNull(state);
        Objects.requireNonNull(detail);
    }
}
