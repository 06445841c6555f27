package io.cairn.iscsi.internal.login;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Operational-key negotiation of one login (RFC 7143 §6.2, §13) against this target's offers
 * (spec 50 §1): answers each key the initiator proposes, remembers the outcome and produces the
 * {@link SessionParams}. Keys that are security keys (handled by {@link ChapAuthenticator}) or
 * login declarations (InitiatorName, SessionType, TargetName, handled by the login) are left to
 * the caller; anything unknown is answered NotUnderstood.
 */
public final class Negotiator {

    static final int RFC_MAX_RECV_DATA_SEGMENT = 8192;
    static final int RFC_MAX_BURST = 262144;
    static final int RFC_FIRST_BURST = 65536;
    public static final int TIME2WAIT = 2;
    public static final int TIME2RETAIN = 0;

    /** Keys the login itself handles; the negotiator neither answers nor rejects them. */
    public static final Set<String> LOGIN_KEYS = Set.of("InitiatorName", "InitiatorAlias", "SessionType", "TargetName");
    /** Security keys (security stage only). */
    public static final Set<String> SECURITY_KEYS = Set.of("AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R");
    /** Keys that do not apply to discovery sessions (RFC 7143 §13: "Irrelevant when SessionType=Discovery"). */
    private static final Set<String> NORMAL_ONLY = Set.of("MaxConnections", "InitialR2T", "ImmediateData", "MaxBurstLength",
            "FirstBurstLength", "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder");

    private final int offeredMaxRecvDataSegment;
    private final int offeredMaxBurst;
    private final int offeredFirstBurst;
    private final Set<String> seen = new HashSet<>();

    private boolean discovery;
    private boolean headerDigest;
    private boolean dataDigest;
    private boolean immediateData = true;
    private int initiatorMaxRecvDataSegment = RFC_MAX_RECV_DATA_SEGMENT;
    private int maxBurst = RFC_MAX_BURST;
    private int firstBurst = RFC_FIRST_BURST;
    private int time2Wait = TIME2WAIT;
    private int time2Retain = 20;
    private boolean declaredOurs;

    public Negotiator(int offeredMaxRecvDataSegment, int offeredMaxBurst, int offeredFirstBurst) {
        this.offeredMaxRecvDataSegment = offeredMaxRecvDataSegment;
        this.offeredMaxBurst = offeredMaxBurst;
        this.offeredFirstBurst = offeredFirstBurst;
    }

    public void discovery(boolean discovery) {
        this.discovery = discovery;
    }

    /**
     * Answers the operational keys of {@code request} into {@code response}.
     *
     * @throws LoginException when a key is negotiated a second time in this login
     */
    public void negotiate(Map<String, String> request, Map<String, String> response) throws LoginException {
        for (Map.Entry<String, String> e : request.entrySet()) {
            String key = e.getKey();
            if (LOGIN_KEYS.contains(key) || SECURITY_KEYS.contains(key)) {
                continue;
            }
            if (!seen.add(key)) {
                throw new LoginException(LoginException.INITIATOR_ERROR, "key " + key + " negotiated twice");
            }
            String answer = answer(key, e.getValue());
            if (answer != null) {
                response.put(key, answer);
            }
        }
    }

    /** Our declarations for the operational stage (MaxRecvDataSegmentLength), once per login. */
    public void declare(Map<String, String> response) {
        if (!declaredOurs) {
            declaredOurs = true;
            response.putIfAbsent("MaxRecvDataSegmentLength", Integer.toString(offeredMaxRecvDataSegment));
        }
    }

    private String answer(String key, String value) {
        if (discovery && NORMAL_ONLY.contains(key)) {
            return "Irrelevant";
        }
        switch (key) {
            case "HeaderDigest", "DataDigest" -> {
                for (String choice : value.split(",", -1)) {
                    if (choice.equals("None") || choice.equals("CRC32C")) {
                        boolean crc = choice.equals("CRC32C");
                        if (key.equals("HeaderDigest")) {
                            headerDigest = crc;
                        } else {
                            dataDigest = crc;
                        }
                        return choice;
                    }
                }
                return "Reject";
            }
            case "MaxConnections" -> {
                return TextKeys.number(value, 1, 65535) < 0 ? "Reject" : "1";
            }
            case "InitialR2T", "DataPDUInOrder", "DataSequenceInOrder" -> {
                // OR function: we need Yes, so the result is Yes whatever the initiator says
                return TextKeys.bool(value) == null ? "Reject" : "Yes";
            }
            case "ImmediateData" -> {
                Boolean b = TextKeys.bool(value);
                if (b == null) {
                    return "Reject";
                }
                immediateData = b; // AND function with our Yes
                return b ? "Yes" : "No";
            }
            case "MaxRecvDataSegmentLength" -> {
                long v = TextKeys.number(value, 512, 16777215);
                if (v < 0) {
                    return "Reject";
                }
                initiatorMaxRecvDataSegment = (int) v; // declarative: the initiator's own limit
                declaredOurs = true;
                return Integer.toString(offeredMaxRecvDataSegment);
            }
            case "MaxBurstLength" -> {
                long v = TextKeys.number(value, 512, 16777215);
                if (v < 0) {
                    return "Reject";
                }
                maxBurst = (int) Math.min(v, offeredMaxBurst);
                firstBurst = Math.min(firstBurst, maxBurst);
                return Integer.toString(maxBurst);
            }
            case "FirstBurstLength" -> {
                long v = TextKeys.number(value, 512, 16777215);
                if (v < 0) {
                    return "Reject";
                }
                firstBurst = (int) Math.min(Math.min(v, offeredFirstBurst), maxBurst);
                return Integer.toString((int) Math.min(v, offeredFirstBurst));
            }
            case "DefaultTime2Wait" -> {
                long v = TextKeys.number(value, 0, 3600);
                if (v < 0) {
                    return "Reject";
                }
                time2Wait = (int) Math.max(v, TIME2WAIT);
                return Integer.toString(time2Wait);
            }
            case "DefaultTime2Retain" -> {
                long v = TextKeys.number(value, 0, 3600);
                if (v < 0) {
                    return "Reject";
                }
                time2Retain = (int) Math.min(v, TIME2RETAIN);
                return Integer.toString(time2Retain);
            }
            case "MaxOutstandingR2T" -> {
                return TextKeys.number(value, 1, 65535) < 0 ? "Reject" : "1";
            }
            case "ErrorRecoveryLevel" -> {
                return TextKeys.number(value, 0, 2) < 0 ? "Reject" : "0";
            }
            case "OFMarker", "IFMarker" -> {
                // RFC 3720 keys, obsolete in RFC 7143: AND function with our No
                return TextKeys.bool(value) == null ? "Reject" : "No";
            }
            case "OFMarkInt", "IFMarkInt" -> {
                return "Irrelevant";
            }
            case "iSCSIProtocolLevel" -> {
                long v = TextKeys.number(value, 0, 31);
                return v < 0 ? "Reject" : Long.toString(Math.min(v, 1));
            }
            case "TaskReporter" -> {
                return "RFC3720";
            }
            case "TargetAlias", "TargetAddress", "TargetPortalGroupTag", "SendTargets" -> {
                // only the target sends these (SendTargets only in full-feature Text requests)
                return "Irrelevant";
            }
            default -> {
                return "NotUnderstood";
            }
        }
    }

    /** The outcome; call once the login reaches the full-feature phase. */
    public SessionParams result() {
        return new SessionParams(headerDigest, dataDigest, true, immediateData, initiatorMaxRecvDataSegment, offeredMaxRecvDataSegment,
                maxBurst, Math.min(firstBurst, maxBurst), time2Wait, time2Retain);
    }

    /** For tests and the FFP Text handler: the answer to one key as a fresh negotiation would give it. */
    static Map<String, String> answerAll(Negotiator n, Map<String, String> request) throws LoginException {
        Map<String, String> response = new LinkedHashMap<>();
        n.negotiate(request, response);
        return response;
    }
}
