package io.cairn.hal.ipmi.internal;

import io.cairn.hal.api.bmc.BmcException;

/** The BMC answered a command with a non-zero IPMI completion code. */
final class IpmiCommandException extends BmcException {

    private static final long serialVersionUID = 1L;

    private final int completionCode;

    IpmiCommandException(String where, String command, int completionCode) {
        super(reasonOf(completionCode), where + ": " + command + " failed with completion code 0x"
                + String.format("%02x", completionCode) + " (" + meaning(completionCode) + ")");
        this.completionCode = completionCode;
    }

    int completionCode() {
        return completionCode;
    }

    private static Reason reasonOf(int cc) {
        return switch (cc) {
            case 0xC1, 0xC9 -> Reason.UNSUPPORTED;
            case 0xD4 -> Reason.AUTHENTICATION;
            default -> Reason.REFUSED;
        };
    }

    /** IPMI 2.0 table 5-2, generic completion codes. */
    static String meaning(int cc) {
        return switch (cc) {
            case 0xC0 -> "node busy";
            case 0xC1 -> "command not supported by this BMC";
            case 0xC2 -> "invalid command for this LUN";
            case 0xC3 -> "timeout while processing the command";
            case 0xC4 -> "out of space";
            case 0xC5 -> "reservation cancelled or invalid";
            case 0xC6 -> "request data truncated";
            case 0xC7 -> "request data length invalid";
            case 0xC8 -> "request data field length limit exceeded";
            case 0xC9 -> "parameter out of range";
            case 0xCA -> "cannot return the number of requested data bytes";
            case 0xCB -> "requested sensor, data or record not present";
            case 0xCC -> "invalid data field in request";
            case 0xCD -> "command illegal for this sensor or record type";
            case 0xCE -> "command response could not be provided";
            case 0xCF -> "cannot execute a duplicated request";
            case 0xD0 -> "SDR repository in update mode";
            case 0xD1 -> "device in firmware update mode";
            case 0xD2 -> "BMC initialization in progress";
            case 0xD3 -> "destination unavailable";
            case 0xD4 -> "insufficient privilege for this command; use a user with more privilege";
            case 0xD5 -> "not supported in the present state";
            case 0xD6 -> "sub-function disabled or unavailable";
            case 0xFF -> "unspecified error";
            default -> "device-specific or OEM error";
        };
    }
}
