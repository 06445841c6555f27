package io.cairn.system.test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first Login Request of a normal session (RFC 7143 §11.12), sent by hand to see the raw
 * answer a portal gives before any authentication: its status class and detail, and its text keys
 * (a redirect's {@code TargetAddress}). libiscsi follows redirects silently, so this is the only
 * way to check which node a portal sends a login to.
 */
record IscsiLogin(int statusClass, int statusDetail, Map<String, String> keys) {

    static IscsiLogin first(InetSocketAddress portal, String initiator, String target) throws IOException {
        byte[] text = ("InitiatorName=" + initiator + "\0SessionType=Normal\0TargetName=" + target + "\0AuthMethod=None\0")
                .getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 3) & ~3;
        ByteBuffer pdu = ByteBuffer.allocate(48 + padded);
        pdu.put(0, (byte) 0x43); // immediate, Login Request
        pdu.put(1, (byte) 0x81); // Transit to operational negotiation, from security negotiation (CSG 0, NSG 1)
        pdu.putInt(4, text.length); // TotalAHSLength 0, DataSegmentLength
        pdu.put(8, (byte) 0x80).put(13, (byte) 0x07); // ISID: random format, qualifier 7
        pdu.putInt(16, 1); // ITT
        pdu.put(48, text);
        try (Socket s = new Socket()) {
            s.connect(portal, 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(pdu.array());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] bhs = new byte[48];
            in.readFully(bhs);
            if ((bhs[0] & 0x3f) != 0x23) {
                throw new IOException("the answer is opcode 0x" + Integer.toHexString(bhs[0] & 0x3f) + ", not a Login Response (0x23)");
            }
            int length = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
            byte[] data = new byte[(length + 3) & ~3];
            in.readFully(data);
            Map<String, String> keys = new LinkedHashMap<>();
            for (String kv : new String(data, 0, length, StandardCharsets.UTF_8).split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    keys.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return new IscsiLogin(bhs[36] & 0xff, bhs[37] & 0xff, keys);
        }
    }

    /** Status as the spec writes it, e.g. {@code 0x0101}. */
    String status() {
        return String.format("0x%02x%02x", statusClass, statusDetail);
    }
}
