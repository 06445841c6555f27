package io.cairn.hal.api.bmc;

/** Chassis power as reported by a BMC. */
public enum PowerState {
    ON,
    OFF,
    /** The BMC answered but could not tell (for example during a power transition). */
    UNKNOWN
}
