package io.cairn.hal.api.bmc;

/** Health of one sensor reading, as the BMC judges it against its thresholds or states. */
public enum SensorState {
    OK,
    /** A non-critical threshold is crossed, or a predictive-failure state is asserted. */
    WARNING,
    /** A critical or non-recoverable threshold is crossed, or a failure state is asserted. */
    CRITICAL,
    /** The sensor exists but gives no reading now (scanning disabled, device absent, powered off). */
    UNAVAILABLE
}
