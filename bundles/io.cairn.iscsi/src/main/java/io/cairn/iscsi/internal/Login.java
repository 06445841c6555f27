package io.cairn.iscsi.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.iscsi.internal.login.ChapAuthenticator;
import io.cairn.iscsi.internal.login.LoginException;
import io.cairn.iscsi.internal.login.Negotiator;
import io.cairn.iscsi.internal.login.TextKeys;
import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;
import io.cairn.iscsi.internal.pdu.PduCodec;
import io.cairn.iscsi.internal.pdu.PduException;
import io.cairn.iscsi.internal.scsi.ScsiTarget;
import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.LoginDecision;

/**
 * The login phase of one connection (RFC 7143 §6, §11.12-13): stages SecurityNegotiation (0) and
 * LoginOperationalNegotiation (1), transit to FullFeaturePhase (3), text continuation, the catalog's
 * decision on the first PDU (serve, redirect before authentication, refuse), CHAP, operational
 * negotiation and, on success, a new session with a TSIH (reinstating one with the same
 * initiator, ISID and target).
 */
final class Login {

    private static final int SECURITY = 0;
    private static final int OPERATIONAL = 1;
    private static final int FULL_FEATURE = 3;

    private final Logger logger = LoggerFactory.getLogger(Login.class);
    private final Connection connection;
    private final PortalImpl portal;
    private final InputStream in;
    private final Negotiator negotiator;

    private int stage = -1;
    private int itt;
    private byte[] isid;
    private String initiatorName = "?";
    private String targetName;
    private boolean discovery;
    private LoginDecision.Serve serve;
    /** Whether the Serve decision's LUNs now belong to a SCSI target (which closes them). */
    private boolean lunsHandedOver;
    private Optional<Chap> chap = Optional.empty();
    private ChapAuthenticator authenticator;
    private String authMethod;
    private byte[] pendingText = new byte[0];

    Login(Connection connection, PortalImpl portal, InputStream in) {
        this.connection = connection;
        this.portal = portal;
        this.in = in;
        this.negotiator = new Negotiator(portal.options().maxRecvDataSegment(), portal.options().maxBurst(), portal.options().firstBurst());
    }

    /**
     * Runs the login; the new session, or null when the login failed, was redirected or the peer left
     * (all logged). The LUNs a catalog handed over with its Serve decision belong to the session's
     * target once it exists; a login that ends without one closes their vDisk I/O here.
     */
    Session run() throws IOException {
        try {
            return negotiate();
        } finally {
            if (!lunsHandedOver && serve != null) {
                closeLuns(serve);
            }
        }
    }

    private void closeLuns(LoginDecision.Serve s) {
        for (io.cairn.storage.api.iscsi.LogicalUnit lu : s.luns()) {
            try {
                lu.io().close();
            } catch (RuntimeException e) {
                logger.info("closing the vDisk I/O of LUN {} of target {} after a failed login failed: {}", lu.lun(), s.targetName(),
                        e.toString());
            }
        }
    }

    private Session negotiate() throws IOException {
        PduCodec.Limits limits = new PduCodec.Limits(Math.max(8192, portal.options().maxRecvDataSegment()), false, false);
        while (true) {
            Pdu pdu;
            try {
                pdu = PduCodec.read(in, limits);
            } catch (SocketTimeoutException e) {
                logger.info("iSCSI login from {} on portal {} timed out", connection.remote(), portal.address());
                return null;
            } catch (PduException e) {
                logger.info("iSCSI login from {} on portal {} dropped: {}", connection.remote(), portal.address(), e.getMessage());
                return null;
            }
            if (pdu == null) {
                return null;
            }
            try {
                if (pdu.opcode() != Opcode.LOGIN_REQUEST) {
                    throw new LoginException(LoginException.INVALID_DURING_LOGIN, String.format("opcode 0x%02x during login", pdu.opcode()));
                }
                Session s = step(pdu);
                if (s != null) {
                    return s;
                }
            } catch (LoginException e) {
                fail(pdu, e);
                return null;
            }
        }
    }

    private Session step(Pdu pdu) throws LoginException, IOException {
        int flags = pdu.flags();
        boolean transit = (flags & 0x80) != 0;
        boolean continues = (flags & 0x40) != 0;
        int csg = (flags >> 2) & 3;
        int nsg = flags & 3;
        if (stage < 0) {
            first(pdu, csg);
        } else if (pdu.itt() != itt || !Arrays.equals(pdu.bytes(8, 6), isid)) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "ITT or ISID changed during login");
        }
        if (csg != stage && !(csg == OPERATIONAL && stage == SECURITY && authDone())) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "login request for stage " + csg + " in stage " + stage);
        }
        stage = csg;
        if (transit && continues || transit && (nsg <= csg || nsg == 2)) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "invalid transit to stage " + nsg + " from " + csg);
        }
        pendingText = concat(pendingText, pdu.dataBytes());
        if (pendingText.length > Connection.MAX_TEXT_BYTES) {
            throw new LoginException(LoginException.OUT_OF_RESOURCES, "login text longer than " + Connection.MAX_TEXT_BYTES);
        }
        if (continues) {
            respond(pdu, false, 0, Map.of(), 0);
            return null;
        }
        Map<String, String> request = TextKeys.parse(pendingText);
        pendingText = new byte[0];
        Map<String, String> response = new LinkedHashMap<>();
        if (pdu == firstPdu) {
            if (!discovery) {
                response.put("TargetPortalGroupTag", Integer.toString(portal.options().portalGroupTag()));
            }
        }
        if (stage == SECURITY) {
            security(request, response);
            negotiator.negotiate(request, response);
        } else {
            if (chap.isPresent() && !authDone()) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP is required but the initiator skipped authentication");
            }
            if (request.keySet().stream().anyMatch(Negotiator.SECURITY_KEYS::contains)) {
                throw new LoginException(LoginException.INITIATOR_ERROR, "security keys in the operational stage");
            }
            negotiator.negotiate(request, response);
            negotiator.declare(response);
        }
        boolean canTransit = transit && (stage == OPERATIONAL || authDone());
        if (canTransit && nsg == FULL_FEATURE) {
            return complete(pdu, response);
        }
        respond(pdu, canTransit, canTransit ? nsg : 0, response, 0);
        if (canTransit) {
            stage = nsg;
        }
        return null;
    }

    private Pdu firstPdu;

    /** The first login PDU: declarations, the catalog's decision, redirect or refusal. */
    private void first(Pdu pdu, int csg) throws LoginException, IOException {
        firstPdu = pdu;
        itt = pdu.itt();
        isid = pdu.bytes(8, 6);
        stage = csg;
        connection.startStatSn(pdu.i32(28));
        connection.window = new CmdSnWindow<>(pdu.i32(24), portal.options().cmdSnWindow());
        int versionMax = pdu.u8(2);
        int versionMin = pdu.u8(3);
        if (versionMin > 0 || versionMax < versionMin) {
            throw new LoginException(LoginException.UNSUPPORTED_VERSION, "iSCSI versions " + versionMin + ".." + versionMax + "; 0 is supported");
        }
        if (csg == 2 || csg == FULL_FEATURE) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "the first login request is in stage " + csg);
        }
        Map<String, String> keys = TextKeys.parse(pdu.dataBytes());
        String name = keys.get("InitiatorName");
        if (name == null || name.isEmpty()) {
            throw new LoginException(LoginException.MISSING_PARAMETER, "no InitiatorName");
        }
        initiatorName = name;
        String type = keys.getOrDefault("SessionType", "Normal");
        switch (type) {
            case "Discovery" -> discovery = true;
            case "Normal" -> discovery = false;
            default -> throw new LoginException(LoginException.SESSION_TYPE_NOT_SUPPORTED, "SessionType " + type);
        }
        negotiator.discovery(discovery);
        int tsih = pdu.u16(14);
        if (tsih != 0) {
            throw new LoginException(portal.hasSession(tsih) ? LoginException.TOO_MANY_CONNECTIONS : LoginException.SESSION_DOES_NOT_EXIST,
                    "adding a connection to session " + tsih + " (MaxConnections=1)");
        }
        if (discovery) {
            chap = call(() -> portal.catalog().discoveryChap(initiatorName));
            return;
        }
        targetName = keys.get("TargetName");
        if (targetName == null || targetName.isEmpty()) {
            throw new LoginException(LoginException.MISSING_PARAMETER, "no TargetName in a normal session");
        }
        LoginDecision decision = call(() -> portal.catalog().login(initiatorName, targetName, portal.address()));
        switch (decision) {
            case LoginDecision.Serve s -> {
                serve = s;
                chap = s.chap();
            }
            case LoginDecision.Redirect r -> {
                int status = r.permanent() ? 0x0102 : 0x0101;
                respond(pdu, false, 0, Map.of("TargetAddress", r.address()), status);
                logger.info("iSCSI login: initiator {} target {} on portal {} from {}: redirected {} to {}", initiatorName, targetName,
                        portal.address(), connection.remote(), r.permanent() ? "permanently" : "temporarily", r.address());
                throw new Redirected();
            }
            case LoginDecision.Refuse r -> throw new LoginException((r.statusClass() << 8) | r.statusDetail(), r.reason());
        }
    }

    private <T> T call(java.util.function.Supplier<T> catalogCall) throws LoginException {
        try {
            T value = catalogCall.get();
            if (value == null) {
                throw new IllegalStateException("the target catalog answered null");
            }
            return value;
        } catch (RuntimeException e) {
            logger.warn("the target catalog failed on a login of {}", initiatorName, e);
            throw new LoginException(LoginException.TARGET_ERROR, "target catalog failure: " + e.getMessage());
        }
    }

    private void security(Map<String, String> request, Map<String, String> response) throws LoginException {
        String methods = request.get("AuthMethod");
        if (authMethod == null) {
            if (methods == null) {
                if (request.keySet().stream().anyMatch(k -> k.startsWith("CHAP_"))) {
                    throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP keys before AuthMethod");
                }
                return;
            }
            List<String> offered = List.of(methods.split(",", -1));
            String wanted = chap.isPresent() ? "CHAP" : "None";
            if (!offered.contains(wanted)) {
                response.put("AuthMethod", "Reject");
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "the initiator offers AuthMethod " + methods + ", the target needs " + wanted);
            }
            authMethod = wanted;
            response.put("AuthMethod", wanted);
            if (chap.isPresent()) {
                authenticator = new ChapAuthenticator(chap.get(), portal.random());
            }
        } else if (methods != null) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "AuthMethod negotiated twice");
        }
        if (authenticator != null) {
            authenticator.step(request, response);
        } else if (request.keySet().stream().anyMatch(k -> k.startsWith("CHAP_"))) {
            throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP keys with AuthMethod=None");
        }
    }

    private boolean authDone() {
        if (chap.isPresent()) {
            return authenticator != null && authenticator.done();
        }
        return true; // no authentication required: the initiator may skip the security stage
    }

    /** Transit to the full-feature phase: the session exists from here on. */
    private Session complete(Pdu pdu, Map<String, String> response) throws LoginException, IOException {
        int tsih = portal.allocateTsih();
        ScsiTarget target = null;
        if (!discovery) {
            try {
                target = portal.engine().target(serve.targetName(), serve.luns(), portal.options().reservations());
                lunsHandedOver = true;
            } catch (RuntimeException e) {
                portal.releaseTsih(tsih);
                logger.warn("the SCSI layer failed to open target {}", targetName, e);
                throw new LoginException(LoginException.TARGET_ERROR, "the SCSI layer failed: " + e.getMessage());
            }
        }
        Session session = new Session(initiatorName, HexFormat.of().formatHex(isid), tsih, discovery ? null : serve.targetName(), target,
                portal.options().portalGroupTag(), negotiator.result(), connection);
        portal.addSession(session);
        try {
            respond(pdu, true, FULL_FEATURE, response, 0, tsih);
        } catch (IOException | RuntimeException e) {
            portal.removeSession(session); // the initiator never learnt of it
            if (target != null) {
                target.close();
            }
            throw e;
        }
        logger.atLevel(discovery ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.INFO).log(
                "iSCSI login: initiator {} target {} on portal {} from {}: {} session, TSIH {}{}", initiatorName,
                discovery ? "(discovery)" : targetName, portal.address(), connection.remote(), discovery ? "discovery" : "normal", tsih,
                chap.isPresent() ? ", CHAP" : "");
        return session;
    }

    private void fail(Pdu pdu, LoginException e) {
        if (e instanceof Redirected) {
            return;
        }
        int status = e.status();
        logger.info("iSCSI login: initiator {} target {} on portal {} from {}: refused 0x{}: {}", initiatorName,
                discovery ? "(discovery)" : targetName, portal.address(), connection.remote(), String.format("%04x", status), e.getMessage());
        try {
            if (stage < 0) {
                stage = 0;
                isid = pdu.bytes(8, 6);
                itt = pdu.itt();
            }
            respond(pdu, false, 0, Map.of(), status);
        } catch (IOException io) {
            logger.debug("login response to {} not sent: {}", connection.remote(), io.toString());
        }
    }

    private void respond(Pdu request, boolean transit, int nsg, Map<String, String> keys, int status) throws IOException {
        respond(request, transit, nsg, keys, status, 0);
    }

    private void respond(Pdu request, boolean transit, int nsg, Map<String, String> keys, int status, int tsih) throws IOException {
        int csg = Math.max(stage, 0);
        int flags = (transit ? 0x80 : 0) | (csg << 2) | (transit ? nsg : 0);
        Pdu response = Pdu.of(Opcode.LOGIN_RESPONSE).flags(flags).u8(2, 0).u8(3, 0).bytes(8, isid).u16(14, tsih).itt(itt)
                .u8(36, status >> 8).u8(37, status & 0xff).data(TextKeys.encode(keys));
        connection.send(response);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The login ended with a redirect (already answered). */
    private static final class Redirected extends LoginException {
        private static final long serialVersionUID = 1L;

        Redirected() {
            super(0x0101, "redirected");
        }
    }
}
