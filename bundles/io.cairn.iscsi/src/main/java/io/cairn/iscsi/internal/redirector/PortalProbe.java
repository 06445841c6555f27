package io.cairn.iscsi.internal.redirector;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.cairn.iscsi.internal.login.TextKeys;
import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;
import io.cairn.iscsi.internal.pdu.PduCodec;
import io.cairn.iscsi.internal.pdu.PduException;

/**
 * One health probe of a Stargate portal (spec 40 §7): TCP connect, a discovery-session login
 * without authentication (security stage straight to full feature), one NOP-Out ping answered by
 * its NOP-In, and a logout, all within one timeout. Thread-safe (stateless); each call blocks for
 * at most about the timeout.
 */
public final class PortalProbe {

    /** How a probe ended. */
    public enum Outcome {
        /** The portal answered the login, the ping and the logout. */
        OK,
        /** The connection was refused: nothing listens (the portal is down at once). */
        REFUSED,
        /** Anything else: timeout, reset, a wrong answer (a miss). */
        MISS
    }

    /** The outcome and, for a miss, what went wrong. */
    public record Result(Outcome outcome, String detail) {
        public Result {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(detail, "detail");
        }

        public boolean ok() {
            return outcome == Outcome.OK;
        }
    }

    private static final byte[] ISID = {0x40, 0x00, 0x00, 0x52, 0x45, 0x44}; // random-type qualifier, "RED"
    private static final int PING_ITT = 1;
    private static final int LOGOUT_ITT = 2;
    private static final PduCodec.Limits LIMITS = new PduCodec.Limits(65536, false, false);

    private final String initiatorName;
    private final int timeoutMillis;

    /**
     * @param initiatorName the InitiatorName of the probe's discovery sessions
     * @param timeoutMillis the bound on one whole probe (connect, login, ping, logout)
     */
    public PortalProbe(String initiatorName, int timeoutMillis) {
        this.initiatorName = Objects.requireNonNull(initiatorName, "initiatorName");
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("probe timeout must be positive, not " + timeoutMillis);
        }
        this.timeoutMillis = timeoutMillis;
    }

    /** Probes {@code portal}; never throws. */
    public Result probe(InetSocketAddress portal) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Socket socket = new Socket()) {
            try {
                socket.connect(portal, timeoutMillis);
            } catch (ConnectException e) {
                return new Result(Outcome.REFUSED, "connection refused");
            }
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();

            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("InitiatorName", initiatorName);
            keys.put("SessionType", "Discovery");
            keys.put("AuthMethod", "None");
            keys.put("HeaderDigest", "None");
            keys.put("DataDigest", "None");
            keys.put("MaxRecvDataSegmentLength", Integer.toString(LIMITS.maxDataSegment()));
            // security stage (0), transit straight to full feature (3): no authentication
            send(out, Pdu.of(Opcode.LOGIN_REQUEST).immediate(true).flags(0x80 | 3).bytes(8, ISID).itt(0).i32(24, 0).i32(28, 0)
                    .data(TextKeys.encode(keys)));
            Pdu login = read(in, socket, deadline, Opcode.LOGIN_RESPONSE, "login");
            int status = login.u16(36);
            if (status != 0) {
                return miss(String.format("discovery login refused with status 0x%04x", status));
            }
            if ((login.flags() & 0x83) != 0x83) {
                return miss(String.format("discovery login did not reach the full-feature phase (flags 0x%02x)", login.flags()));
            }
            int expStatSn = login.i32(24) + 1;
            int cmdSn = login.i32(28); // ExpCmdSN

            send(out, Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).itt(PING_ITT).i32(20, Opcode.RESERVED_TAG).i32(24, cmdSn)
                    .i32(28, expStatSn));
            Pdu nopIn = read(in, socket, deadline, Opcode.NOP_IN, "ping");
            if (nopIn.itt() != PING_ITT) {
                return miss(String.format("NOP-In with ITT 0x%08x answers no ping", nopIn.itt()));
            }

            send(out, Pdu.of(Opcode.LOGOUT_REQUEST).immediate(true).flags(0x80).itt(LOGOUT_ITT).i32(24, cmdSn).i32(28, expStatSn));
            Pdu logout = read(in, socket, deadline, Opcode.LOGOUT_RESPONSE, "logout");
            if (logout.u8(2) != 0) {
                return miss("logout answered with response " + logout.u8(2));
            }
            return new Result(Outcome.OK, "");
        } catch (SocketTimeoutException e) {
            return miss("no answer within " + timeoutMillis + " ms");
        } catch (IOException | PduException e) {
            return miss(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static Result miss(String detail) {
        return new Result(Outcome.MISS, detail);
    }

    private static void send(OutputStream out, Pdu pdu) throws IOException {
        out.write(PduCodec.toBytes(pdu, false, false));
        out.flush();
    }

    /** The next PDU, which must have {@code opcode} (a Reject or anything else is a wrong answer). */
    private static Pdu read(InputStream in, Socket socket, long deadline, int opcode, String step) throws IOException, PduException {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left < 1) {
            throw new SocketTimeoutException(step);
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        Pdu pdu = PduCodec.readFromTarget(in, LIMITS);
        if (pdu == null) {
            throw new IOException("the portal closed the connection during the " + step);
        }
        if (pdu.opcode() != opcode) {
            throw new IOException(String.format("the portal answered the %s with opcode 0x%02x", step, pdu.opcode()));
        }
        return pdu;
    }
}
