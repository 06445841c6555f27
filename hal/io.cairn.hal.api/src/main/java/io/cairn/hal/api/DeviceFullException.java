package io.cairn.hal.api;

import java.io.IOException;

/** A write found no space on the device (ENOSPC); nothing of that write is guaranteed on disk. */
public class DeviceFullException extends IOException {

    private static final long serialVersionUID = 1L;

    public DeviceFullException(String message) {
        super(message);
    }
}
