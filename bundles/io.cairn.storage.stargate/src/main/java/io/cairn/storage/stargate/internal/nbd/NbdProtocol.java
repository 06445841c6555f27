package io.cairn.storage.stargate.internal.nbd;

/**
 * Wire constants of the NBD protocol (newstyle negotiation, simple replies), named as in the
 * protocol document so that the code can be read next to it.
 */
final class NbdProtocol {

    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454f5054L;
    static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;

    /** Handshake flags sent by the server. */
    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 1 << 1;

    /** Client flags. */
    static final int FLAG_C_FIXED_NEWSTYLE = 1;
    static final int FLAG_C_NO_ZEROES = 1 << 1;

    /** Options. */
    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_LIST = 3;
    static final int OPT_STARTTLS = 5;
    static final int OPT_INFO = 6;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;

    /** Option reply types. */
    static final int REP_ACK = 1;
    static final int REP_SERVER = 2;
    static final int REP_INFO = 3;
    static final int REP_FLAG_ERROR = 1 << 31;
    static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
    static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
    static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    /** Information types of NBD_OPT_INFO / NBD_OPT_GO. */
    static final int INFO_EXPORT = 0;
    static final int INFO_NAME = 1;
    static final int INFO_DESCRIPTION = 2;
    static final int INFO_BLOCK_SIZE = 3;

    /** Transmission flags. */
    static final int FLAG_HAS_FLAGS = 1;
    static final int FLAG_READ_ONLY = 1 << 1;
    static final int FLAG_SEND_FLUSH = 1 << 2;
    static final int FLAG_SEND_FUA = 1 << 3;
    static final int FLAG_SEND_TRIM = 1 << 5;
    static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    static final int FLAG_CAN_MULTI_CONN = 1 << 8;

    /** Commands. */
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    /** Command flags. */
    static final int CMD_FLAG_FUA = 1;
    static final int CMD_FLAG_NO_HOLE = 1 << 1;

    /** Longest string (export name, description) the protocol allows. */
    static final int MAX_STRING_LENGTH = 4096;
    /** Largest READ or WRITE payload this server accepts, and the maximum it advertises. */
    static final int MAX_PAYLOAD = 32 * 1024 * 1024;
    /** Largest option data this server reads; longer options end the connection. */
    static final int MAX_OPTION_LENGTH = 64 * 1024;

    private NbdProtocol() {
    }

    static String optionName(int option) {
        return switch (option) {
            case OPT_EXPORT_NAME -> "NBD_OPT_EXPORT_NAME";
            case OPT_ABORT -> "NBD_OPT_ABORT";
            case OPT_LIST -> "NBD_OPT_LIST";
            case 4 -> "NBD_OPT_PEEK_EXPORT";
            case OPT_STARTTLS -> "NBD_OPT_STARTTLS";
            case OPT_INFO -> "NBD_OPT_INFO";
            case OPT_GO -> "NBD_OPT_GO";
            case OPT_STRUCTURED_REPLY -> "NBD_OPT_STRUCTURED_REPLY";
            case 9 -> "NBD_OPT_LIST_META_CONTEXT";
            case 10 -> "NBD_OPT_SET_META_CONTEXT";
            case 11 -> "NBD_OPT_EXTENDED_HEADERS";
            default -> "option " + Integer.toUnsignedString(option);
        };
    }

    static String commandName(int command) {
        return switch (command) {
            case CMD_READ -> "NBD_CMD_READ";
            case CMD_WRITE -> "NBD_CMD_WRITE";
            case CMD_DISC -> "NBD_CMD_DISC";
            case CMD_FLUSH -> "NBD_CMD_FLUSH";
            case CMD_TRIM -> "NBD_CMD_TRIM";
            case 5 -> "NBD_CMD_CACHE";
            case CMD_WRITE_ZEROES -> "NBD_CMD_WRITE_ZEROES";
            case 7 -> "NBD_CMD_BLOCK_STATUS";
            case 8 -> "NBD_CMD_RESIZE";
            default -> "command " + command;
        };
    }
}
