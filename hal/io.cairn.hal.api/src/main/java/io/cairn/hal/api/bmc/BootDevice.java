package io.cairn.hal.api.bmc;

/** Where the server boots next (IPMI boot flags, parameter 5). */
public enum BootDevice {
    /** No override: the firmware's own boot order. */
    NONE(0x0),
    PXE(0x1),
    DISK(0x2),
    CDROM(0x5),
    /** Stay in the firmware setup. */
    BIOS(0x6);

    private final int code;

    BootDevice(int code) {
        this.code = code;
    }

    /** The boot device selector of the IPMI boot flags (bits 5:2 of data byte 2). */
    public int code() {
        return code;
    }
}
