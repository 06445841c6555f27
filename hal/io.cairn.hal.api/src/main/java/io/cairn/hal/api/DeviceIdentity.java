package io.cairn.hal.api;

import java.util.Objects;

/**
 * Who a device is: {@code id} is stable across reboots and re-enumeration (WWN, or vendor +
 * serial); {@code path} is where it is reached on this boot.
 */
public record DeviceIdentity(String id, String serial, String model, String path) {

    public DeviceIdentity {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        serial = serial == null ? "" : serial;
        model = model == null ? "" : model;
    }
}
