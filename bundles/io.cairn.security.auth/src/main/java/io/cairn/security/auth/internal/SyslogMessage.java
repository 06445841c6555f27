package io.cairn.security.auth.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import io.cairn.common.error.CairnException;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;

/**
 * An audit record as an RFC 5424 syslog message:
 * {@code <PRI>1 TIMESTAMP HOSTNAME cairn-audit - MSGID - MSG} with facility 13 (log audit),
 * severity INFO for SUCCESS, NOTICE for FAILURE and WARNING for DENIED, TIMESTAMP = the record's
 * {@code ts}, MSGID = the action cut to the RFC's PRINTUSASCII (33-126, others become {@code _}) and
 * 32 characters, MSG = the stored JSON line (with its {@code hash}), without a BOM.
 */
final class SyslogMessage {

    static final String APP_NAME = "cairn-audit";
    /** RFC 5424 facility 13: log audit. */
    static final int FACILITY = 13;
    static final int MAX_MSGID = 32;
    private static final int MAX_HOSTNAME = 255;

    /** Syslog severities by name (RFC 5424 §6.2.1), for module levels. */
    static final Map<String, Integer> SEVERITIES = Map.of("EMERGENCY", 0, "ALERT", 1, "CRITICAL", 2, "ERROR", 3, "WARNING", 4, "NOTICE", 5,
            "INFO", 6, "DEBUG", 7);

    private SyslogMessage() {
    }

    static int severity(AuditResult result) {
        return switch (result) {
            case SUCCESS -> 6;
            case FAILURE -> 5;
            case DENIED -> 4;
        };
    }

    /** The severity a level name stands for; INVALID_ARGUMENT listing the names otherwise. */
    static int level(String name) {
        Integer s = name == null ? null : SEVERITIES.get(name.toUpperCase(Locale.ROOT));
        if (s == null) {
            throw CairnException.invalid("level '" + name + "' is not a syslog severity: use EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, "
                    + "NOTICE, INFO or DEBUG");
        }
        return s;
    }

    /** The MSGID for an action: printable US-ASCII without spaces, at most 32 characters, {@code -} when empty. */
    static String msgid(String action) {
        if (action == null || action.isEmpty()) {
            return "-";
        }
        String m = sanitize(action);
        return m.length() > MAX_MSGID ? m.substring(0, MAX_MSGID) : m;
    }

    /** The HOSTNAME field: printable US-ASCII, at most 255 characters, {@code -} when unknown. */
    static String hostname(String host) {
        if (host == null || host.isEmpty()) {
            return "-";
        }
        String h = sanitize(host);
        return h.length() > MAX_HOSTNAME ? h.substring(0, MAX_HOSTNAME) : h;
    }

    private static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 33 && c <= 126 ? c : '_');
        }
        return b.toString();
    }

    /** The message for a stored line ({@code record} parsed from it). */
    static byte[] format(AuditRecord record, String line, String hostname) {
        int pri = FACILITY * 8 + severity(record.result());
        String header = "<" + pri + ">1 " + record.ts() + " " + hostname(hostname) + " " + APP_NAME + " - " + msgid(record.action()) + " - ";
        return (header + line).getBytes(StandardCharsets.UTF_8);
    }
}
