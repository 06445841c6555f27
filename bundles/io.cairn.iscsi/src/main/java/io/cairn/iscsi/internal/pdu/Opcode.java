package io.cairn.iscsi.internal.pdu;

/** PDU opcodes (RFC 7143 §11.1.1) and the reason codes of a Reject (§11.17.1). */
public final class Opcode {

    // initiator → target
    public static final int NOP_OUT = 0x00;
    public static final int SCSI_COMMAND = 0x01;
    public static final int TASK_MGMT_REQUEST = 0x02;
    public static final int LOGIN_REQUEST = 0x03;
    public static final int TEXT_REQUEST = 0x04;
    public static final int DATA_OUT = 0x05;
    public static final int LOGOUT_REQUEST = 0x06;
    public static final int SNACK_REQUEST = 0x10;

    // target → initiator
    public static final int NOP_IN = 0x20;
    public static final int SCSI_RESPONSE = 0x21;
    public static final int TASK_MGMT_RESPONSE = 0x22;
    public static final int LOGIN_RESPONSE = 0x23;
    public static final int TEXT_RESPONSE = 0x24;
    public static final int DATA_IN = 0x25;
    public static final int LOGOUT_RESPONSE = 0x26;
    public static final int R2T = 0x31;
    public static final int ASYNC_MESSAGE = 0x32;
    public static final int REJECT = 0x3f;

    // Reject reasons
    public static final int REJECT_DATA_DIGEST = 0x02;
    public static final int REJECT_SNACK = 0x03;
    public static final int REJECT_PROTOCOL_ERROR = 0x04;
    public static final int REJECT_COMMAND_NOT_SUPPORTED = 0x05;
    public static final int REJECT_IMMEDIATE_COMMAND = 0x06;
    public static final int REJECT_TASK_IN_PROGRESS = 0x07;
    public static final int REJECT_INVALID_DATA_ACK = 0x08;
    public static final int REJECT_INVALID_PDU_FIELD = 0x09;
    public static final int REJECT_OUT_OF_RESOURCES = 0x0a;
    public static final int REJECT_WAITING_FOR_LOGOUT = 0x0c;

    /** The reserved tag value (ITT/TTT 0xffffffff). */
    public static final int RESERVED_TAG = 0xffffffff;

    private Opcode() {
    }

    /** Whether an initiator may send {@code opcode}. */
    public static boolean isInitiatorOpcode(int opcode) {
        return switch (opcode) {
            case NOP_OUT, SCSI_COMMAND, TASK_MGMT_REQUEST, LOGIN_REQUEST, TEXT_REQUEST, DATA_OUT, LOGOUT_REQUEST, SNACK_REQUEST -> true;
            default -> false;
        };
    }

    /** Target opcodes whose StatSN field is a status sequence number that advances. */
    public static boolean carriesStatus(int opcode) {
        return switch (opcode) {
            case SCSI_RESPONSE, TASK_MGMT_RESPONSE, LOGIN_RESPONSE, TEXT_RESPONSE, LOGOUT_RESPONSE, REJECT -> true;
            default -> false;
        };
    }
}
