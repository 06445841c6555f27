package io.cairn.iscsi.internal.login;

/**
 * A login that must end with a non-zero Login Response status (RFC 7143 §11.13.5): class 0x02
 * (initiator error) or 0x03 (target error), and the reason for the log.
 */
public class LoginException extends Exception {

    private static final long serialVersionUID = 1L;

    public static final int INITIATOR_ERROR = 0x0200;
    public static final int AUTHENTICATION_FAILURE = 0x0201;
    public static final int AUTHORIZATION_FAILURE = 0x0202;
    public static final int NOT_FOUND = 0x0203;
    public static final int UNSUPPORTED_VERSION = 0x0205;
    public static final int TOO_MANY_CONNECTIONS = 0x0206;
    public static final int MISSING_PARAMETER = 0x0207;
    public static final int SESSION_TYPE_NOT_SUPPORTED = 0x0209;
    public static final int SESSION_DOES_NOT_EXIST = 0x020a;
    public static final int INVALID_DURING_LOGIN = 0x020b;
    public static final int TARGET_ERROR = 0x0300;
    public static final int SERVICE_UNAVAILABLE = 0x0301;
    public static final int OUT_OF_RESOURCES = 0x0302;

    private final int status;

    public LoginException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    /** Status-Class in the high byte, Status-Detail in the low one. */
    public int status() {
        return status;
    }
}
