package io.cairn.hal.api;

import java.io.IOException;

/** The device is gone (pulled, failed, or its path no longer exists); no I/O to it can succeed. */
public class DeviceUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    public DeviceUnavailableException(String message) {
        super(message);
    }
}
