package io.cairn.hal.ipmi.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An IPMI 2.0 RMCP+ session with cipher suite 3: RAKP-HMAC-SHA1 authentication, HMAC-SHA1-96
 * integrity, AES-CBC-128 confidentiality (IPMI 2.0 §13). All primitives come from the JDK.
 */
final class RmcpPlusSession implements AutoCloseable {

    static final int NETFN_CHASSIS = 0x00;
    static final int NETFN_APP = 0x06;
    private static final int PRIV_ADMIN = 0x04;
    private static final byte[] RMCP = {0x06, 0x00, (byte) 0xFF, 0x07};

    private final DatagramSocket socket;
    private final String where;
    private final int retries;
    private final SecureRandom random = new SecureRandom();
    private int managedId;
    private byte[] k1;
    private byte[] aesKey;
    private int sequence;
    private int rqSeq;

    private RmcpPlusSession(DatagramSocket socket, String where, int retries) {
        this.socket = socket;
        this.where = where;
        this.retries = retries;
    }

    static RmcpPlusSession open(InetSocketAddress bmc, String user, char[] password, Duration timeout, int retries)
            throws IOException {
        DatagramSocket s = new DatagramSocket();
        s.connect(bmc);
        s.setSoTimeout((int) timeout.toMillis());
        RmcpPlusSession session = new RmcpPlusSession(s, "BMC " + bmc.getHostString() + ":" + bmc.getPort(), retries);
        try {
            session.handshake(user, new String(password).getBytes(StandardCharsets.UTF_8));
            session.command(NETFN_APP, 0x3B, new byte[] {PRIV_ADMIN}); // Set Session Privilege Level
            return session;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void handshake(String user, byte[] kuid) throws IOException {
        byte[] name = user.getBytes(StandardCharsets.US_ASCII);
        if (name.length > 16) {
            throw new IllegalArgumentException("IPMI user names have at most 16 characters: '" + user + "'");
        }
        int consoleId = random.nextInt(Integer.MAX_VALUE - 1) + 1;
        ByteBuffer open = le(32);
        open.put(0, (byte) 1).put(1, (byte) PRIV_ADMIN).putInt(4, consoleId);
        open.put(8, (byte) 0x00).put(11, (byte) 8).put(12, (byte) 0x01); // RAKP-HMAC-SHA1
        open.put(16, (byte) 0x01).put(19, (byte) 8).put(20, (byte) 0x01); // HMAC-SHA1-96
        open.put(24, (byte) 0x02).put(27, (byte) 8).put(28, (byte) 0x01); // AES-CBC-128
        ByteBuffer r = le(exchange(0x10, open.array(), 0x11));
        status(r.get(1), "open session");
        managedId = r.getInt(8);

        byte[] rm = new byte[16];
        random.nextBytes(rm);
        byte role = (byte) (0x10 | PRIV_ADMIN); // name-only lookup, admin
        ByteBuffer rakp1 = le(28 + name.length);
        rakp1.put(0, (byte) 2).putInt(4, managedId).put(8, rm).put(24, role).put(27, (byte) name.length).put(28, name);
        ByteBuffer r2 = le(exchange(0x12, rakp1.array(), 0x13));
        if (r2.get(1) != 0) {
            throw new IOException(where + ": authentication failed for user '" + user + "' (RAKP status 0x"
                    + Integer.toHexString(r2.get(1) & 0xFF) + "): unknown user or privilege not allowed");
        }
        byte[] rc = slice(r2, 8, 16);
        byte[] guid = slice(r2, 24, 16);
        byte[] authCode = slice(r2, 40, 20);
        byte[] ids = le(8).putInt(0, consoleId).putInt(4, managedId).array();
        byte[] expected = hmac(kuid, cat(ids, rm, rc, guid, new byte[] {role, (byte) name.length}, name));
        if (!MessageDigest.isEqual(expected, authCode)) {
            throw new IOException(where + ": authentication failed for user '" + user + "': wrong user name or password");
        }
        byte[] sik = hmac(kuid, cat(rm, rc, new byte[] {role, (byte) name.length}, name));
        byte[] consoleIdLe = le(4).putInt(0, consoleId).array();
        ByteBuffer rakp3 = le(28);
        rakp3.put(0, (byte) 3).putInt(4, managedId)
                .put(8, hmac(kuid, cat(rc, consoleIdLe, new byte[] {role, (byte) name.length}, name)));
        ByteBuffer r4 = le(exchange(0x14, rakp3.array(), 0x15));
        status(r4.get(1), "RAKP 3");
        byte[] managedIdLe = le(4).putInt(0, managedId).array();
        byte[] icv = Arrays.copyOf(hmac(sik, cat(rm, managedIdLe, guid)), 12);
        if (!MessageDigest.isEqual(icv, slice(r4, 8, 12))) {
            throw new IOException(where + ": RAKP 4 integrity check failed; the BMC did not prove the session key");
        }
        byte[] ones = new byte[20];
        Arrays.fill(ones, (byte) 1);
        byte[] twos = new byte[20];
        Arrays.fill(twos, (byte) 2);
        k1 = hmac(sik, ones);
        aesKey = Arrays.copyOf(hmac(sik, twos), 16);
    }

    /** Sends an IPMI command in the session; returns the response data after a successful completion code. */
    synchronized byte[] command(int netFn, int cmd, byte[] data) throws IOException {
        rqSeq = (rqSeq + 1) & 0x3F;
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        byte[] head = {0x20, (byte) (netFn << 2)};
        msg.writeBytes(head);
        msg.write(checksum(head));
        byte[] body = cat(new byte[] {(byte) 0x81, (byte) (rqSeq << 2), (byte) cmd}, data);
        msg.writeBytes(body);
        msg.write(checksum(body));
        byte[] reply = sessionExchange(msg.toByteArray());
        if (reply.length < 8) {
            throw new IOException(where + ": short IPMI response (" + reply.length + " bytes)");
        }
        int cc = reply[6] & 0xFF;
        if (cc != 0) {
            throw new IOException(where + ": command 0x" + Integer.toHexString(netFn) + "/0x" + Integer.toHexString(cmd)
                    + " failed with completion code 0x" + Integer.toHexString(cc) + describe(cc));
        }
        return Arrays.copyOfRange(reply, 7, reply.length - 1);
    }

    private byte[] sessionExchange(byte[] ipmiMessage) throws IOException {
        try {
            for (int attempt = 0; attempt <= retries; attempt++) {
                sequence++;
                byte[] packet = seal(ipmiMessage);
                socket.send(new DatagramPacket(packet, packet.length));
                try {
                    byte[] in = receive();
                    return open(in);
                } catch (SocketTimeoutException e) {
                    // retransmit with the next sequence number
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(where + ": cipher failure: " + e.getMessage(), e);
        }
        throw timeout();
    }

    private byte[] seal(byte[] msg) throws GeneralSecurityException {
        byte[] iv = new byte[16];
        random.nextBytes(iv);
        int padLen = (16 - (msg.length + 1) % 16) % 16;
        byte[] plain = new byte[msg.length + padLen + 1];
        System.arraycopy(msg, 0, plain, 0, msg.length);
        for (int i = 0; i < padLen; i++) {
            plain[msg.length + i] = (byte) (i + 1);
        }
        plain[plain.length - 1] = (byte) padLen;
        Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(iv));
        byte[] payload = cat(iv, aes.doFinal(plain));
        ByteArrayOutputStream sess = new ByteArrayOutputStream();
        ByteBuffer h = le(12);
        h.put(0, (byte) 0x06).put(1, (byte) 0xC0).putInt(2, managedId).putInt(6, sequence).putShort(10, (short) payload.length);
        sess.writeBytes(h.array());
        sess.writeBytes(payload);
        int pad = (4 - (sess.size() + 2) % 4) % 4;
        for (int i = 0; i < pad; i++) {
            sess.write(0xFF);
        }
        sess.write(pad);
        sess.write(0x07);
        byte[] covered = sess.toByteArray();
        return cat(RMCP, covered, Arrays.copyOf(hmacSha1(k1, covered), 12));
    }

    private byte[] open(byte[] in) throws IOException, GeneralSecurityException {
        ByteBuffer b = le(in);
        if (in.length < 16 || (b.get(4) & 0xFF) != 0x06) {
            throw new IOException(where + ": not an RMCP+ answer");
        }
        int len = Short.toUnsignedInt(b.getShort(14));
        int trailerStart = 16 + len;
        int pad = (4 - (12 + len + 2) % 4) % 4;
        int authStart = trailerStart + pad + 2;
        byte[] covered = Arrays.copyOfRange(in, 4, authStart);
        if (!MessageDigest.isEqual(Arrays.copyOf(hmacSha1(k1, covered), 12), Arrays.copyOfRange(in, authStart, authStart + 12))) {
            throw new IOException(where + ": response failed its integrity check");
        }
        byte[] iv = Arrays.copyOfRange(in, 16, 32);
        Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(iv));
        byte[] plain = aes.doFinal(in, 32, len - 16);
        int padLen = plain[plain.length - 1] & 0xFF;
        return Arrays.copyOf(plain, plain.length - padLen - 1);
    }

    /** Pre-session exchange (open session, RAKP): unauthenticated, unencrypted. */
    private byte[] exchange(int type, byte[] payload, int expectType) throws IOException {
        ByteBuffer h = le(12);
        h.put(0, (byte) 0x06).put(1, (byte) type).putShort(10, (short) payload.length);
        byte[] packet = cat(RMCP, h.array(), payload);
        for (int attempt = 0; attempt <= retries; attempt++) {
            socket.send(new DatagramPacket(packet, packet.length));
            try {
                byte[] in = receive();
                if (in.length >= 16 && (in[5] & 0x3F) == expectType) {
                    int len = Short.toUnsignedInt(le(in).getShort(14));
                    return Arrays.copyOfRange(in, 16, 16 + len);
                }
            } catch (SocketTimeoutException e) {
                // retry
            }
        }
        throw timeout();
    }

    private byte[] receive() throws IOException {
        byte[] buf = new byte[1024];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(p);
        } catch (java.net.PortUnreachableException e) {
            throw new IOException(where + ": unreachable (nothing listens there); check the BMC address and port");
        }
        return Arrays.copyOf(buf, p.getLength());
    }

    private IOException timeout() {
        return new IOException(where + ": no answer after " + (retries + 1) + " tries of " + socketTimeout()
                + " ms; check the address, the port and that the BMC is powered");
    }

    private int socketTimeout() {
        try {
            return socket.getSoTimeout();
        } catch (IOException e) {
            return -1;
        }
    }

    private void status(byte status, String step) throws IOException {
        if (status != 0) {
            throw new IOException(where + ": " + step + " refused with RMCP+ status 0x" + Integer.toHexString(status & 0xFF));
        }
    }

    @Override
    public void close() {
        try {
            if (k1 != null) {
                command(NETFN_APP, 0x3C, le(4).putInt(0, managedId).array()); // Close Session
            }
        } catch (IOException ignored) {
            // the BMC drops idle sessions itself
        } finally {
            socket.close();
        }
    }

    private static String describe(int cc) {
        return switch (cc) {
            case 0xC1 -> " (command not supported)";
            case 0xCC -> " (invalid data field)";
            case 0xD4 -> " (insufficient privilege)";
            case 0xD5 -> " (not supported in the present state)";
            default -> "";
        };
    }

    static byte checksum(byte[] bytes) {
        int sum = 0;
        for (byte b : bytes) {
            sum += b & 0xFF;
        }
        return (byte) (-sum & 0xFF);
    }

    private static byte[] hmac(byte[] key, byte[] data) throws IOException {
        try {
            return hmacSha1(key, data);
        } catch (GeneralSecurityException e) {
            throw new IOException("HMAC-SHA1 unavailable", e);
        }
    }

    private static byte[] hmacSha1(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[20] : key, "HmacSHA1"));
        return mac.doFinal(data);
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] slice(ByteBuffer b, int offset, int length) {
        byte[] out = new byte[length];
        b.get(offset, out);
        return out;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
