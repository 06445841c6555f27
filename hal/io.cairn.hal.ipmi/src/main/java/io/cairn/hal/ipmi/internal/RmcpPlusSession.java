package io.cairn.hal.ipmi.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;

/**
 * One IPMI 2.0 RMCP+ session over UDP with cipher suite 3: RAKP-HMAC-SHA1 authentication,
 * HMAC-SHA1-96 integrity, AES-CBC-128 confidentiality (IPMI 2.0 §13). Every primitive is the JDK's
 * ({@link Mac}, {@link Cipher}). Each request is retransmitted up to {@code retries} times, waiting
 * {@code timeout} (measured on the {@link Clock}) for an answer that matches it: stray or late
 * datagrams (other sessions, earlier requests, failed integrity checks) are dropped.
 */
final class RmcpPlusSession implements AutoCloseable {

    static final int NETFN_CHASSIS = 0x00;
    static final int NETFN_SENSOR = 0x04;
    static final int NETFN_APP = 0x06;
    static final int NETFN_STORAGE = 0x0A;
    static final int BMC_ADDRESS = 0x20;
    private static final int CONSOLE_ADDRESS = 0x81;
    private static final byte[] RMCP = {0x06, 0x00, (byte) 0xFF, 0x07};
    private static final int MAX_NAME = 16;
    private static final int MAX_PASSWORD = 20;

    private final DatagramChannel channel;
    private final Selector selector;
    private final String where;
    private final Duration timeout;
    private final int retries;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ByteBuffer inbound = ByteBuffer.allocate(4096);
    private int consoleId;
    private int managedId;
    private byte[] k1;
    private byte[] aesKey;
    private int sequence;
    private int rqSeq;
    private int tag;
    private int integrityFailures;

    private RmcpPlusSession(DatagramChannel channel, Selector selector, String where, Duration timeout, int retries,
            Clock clock) {
        this.channel = channel;
        this.selector = selector;
        this.where = where;
        this.timeout = timeout;
        this.retries = retries;
        this.clock = clock;
    }

    /** Opens and authenticates a session at {@code privilege}. */
    static RmcpPlusSession open(InetSocketAddress bmc, String user, char[] password, Privilege privilege, Duration timeout,
            int retries, Clock clock) throws BmcException {
        String where = "BMC " + bmc.getHostString() + ":" + bmc.getPort();
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] kuid = new String(password).getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_NAME) {
            throw new BmcException(Reason.AUTHENTICATION, where + ": IPMI user names have at most " + MAX_NAME
                    + " bytes, '" + user + "' has " + name.length);
        }
        if (kuid.length > MAX_PASSWORD) {
            throw new BmcException(Reason.AUTHENTICATION, where + ": IPMI 2.0 passwords have at most " + MAX_PASSWORD
                    + " bytes; the one given for '" + user + "' has " + kuid.length);
        }
        if (bmc.isUnresolved()) {
            throw new BmcException(Reason.UNREACHABLE, where + ": cannot resolve host name '" + bmc.getHostString() + "'");
        }
        DatagramChannel channel = null;
        Selector selector = null;
        try {
            channel = DatagramChannel.open();
            channel.connect(bmc);
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | UnresolvedAddressException e) {
            closeQuietly(channel, selector);
            throw new BmcException(Reason.UNREACHABLE, where + ": cannot open a UDP socket to it: " + e, e);
        }
        RmcpPlusSession session = new RmcpPlusSession(channel, selector, where, timeout, Math.max(0, retries), clock);
        try {
            session.checkIpmi20Support(privilege);
            session.handshake(user, name, kuid, privilege);
            session.command(NETFN_APP, 0x3B, new byte[] {(byte) privilege.level}); // Set Session Privilege Level
            return session;
        } catch (BmcException | RuntimeException e) {
            session.close();
            throw e;
        } finally {
            Arrays.fill(kuid, (byte) 0);
        }
    }

    /** Get Channel Authentication Capabilities (outside a session, IPMI 1.5 framing): is RMCP+ there at all? */
    private void checkIpmi20Support(Privilege privilege) throws BmcException {
        int seq = nextRqSeq();
        byte[] msg = ipmiRequest(NETFN_APP, 0, seq, 0x38, new byte[] {(byte) 0x8E, (byte) privilege.level});
        ByteBuffer h = le(10);
        h.put(9, (byte) msg.length); // auth type none, sequence 0, session 0
        byte[] packet = cat(RMCP, h.array(), msg);
        byte[] reply = exchange("Get Channel Authentication Capabilities", () -> packet, in -> {
            if (in.length < 14 || in[4] != 0x00) {
                return null;
            }
            byte[] m = Arrays.copyOfRange(in, 14, Math.min(in.length, 14 + (in[13] & 0xFF)));
            return matches(m, NETFN_APP, seq, 0x38) ? m : null;
        });
        int cc = reply[6] & 0xFF;
        if (cc == 0 && reply.length >= 12 && ((reply[8] & 0x80) == 0 || (reply[10] & 0x02) == 0)) {
            throw new BmcException(Reason.UNSUPPORTED, where + " does not offer IPMI 2.0 (RMCP+) on this channel;"
                    + " enable IPMI 2.0 / lanplus in the BMC's network settings");
        }
        // A non-zero completion code here is tolerated: some BMCs refuse the IPMI 2.0 form of the
        // request yet open RMCP+ sessions; the open-session step gives the definite answer.
    }

    private void handshake(String user, byte[] name, byte[] kuid, Privilege privilege) throws BmcException {
        consoleId = random.nextInt(Integer.MAX_VALUE - 1) + 1;
        int openTag = nextTag();
        ByteBuffer open = le(32);
        open.put(0, (byte) openTag).put(1, (byte) privilege.level).putInt(4, consoleId);
        open.put(8, (byte) 0x00).put(11, (byte) 8).put(12, (byte) 0x01); // authentication: RAKP-HMAC-SHA1
        open.put(16, (byte) 0x01).put(19, (byte) 8).put(20, (byte) 0x01); // integrity: HMAC-SHA1-96
        open.put(24, (byte) 0x02).put(27, (byte) 8).put(28, (byte) 0x01); // confidentiality: AES-CBC-128
        ByteBuffer r = le(preSession("RMCP+ Open Session", 0x10, open.array(), 0x11, openTag));
        int status = r.get(1) & 0xFF;
        if (status != 0) {
            throw openSessionRefused(status, user);
        }
        if (r.capacity() < 36) {
            throw new BmcException(Reason.PROTOCOL, where + ": short RMCP+ Open Session answer");
        }
        managedId = r.getInt(8);
        if (r.get(16) != 0x01 || r.get(24) != 0x01 || r.get(32) != 0x01) {
            throw new BmcException(Reason.UNSUPPORTED, where + " did not accept cipher suite 3"
                    + " (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128); enable cipher suite 3 on the BMC");
        }

        byte[] rm = new byte[16];
        random.nextBytes(rm);
        byte role = (byte) (0x10 | privilege.level); // name-only lookup
        byte[] roleAndName = cat(new byte[] {role, (byte) name.length}, name);
        int rakp1Tag = nextTag();
        ByteBuffer rakp1 = le(28 + name.length);
        rakp1.put(0, (byte) rakp1Tag).putInt(4, managedId).put(8, rm).put(24, role).put(27, (byte) name.length).put(28, name);
        ByteBuffer r2 = le(preSession("RAKP message 1", 0x12, rakp1.array(), 0x13, rakp1Tag));
        status = r2.get(1) & 0xFF;
        if (status != 0) {
            throw openSessionRefused(status, user);
        }
        if (r2.capacity() < 60) {
            throw new BmcException(Reason.PROTOCOL, where + ": short RAKP message 2");
        }
        byte[] rc = slice(r2, 8, 16);
        byte[] guid = slice(r2, 24, 16);
        byte[] ids = le(8).putInt(0, consoleId).putInt(4, managedId).array();
        byte[] expected = hmac(kuid, cat(ids, rm, rc, guid, roleAndName));
        if (!MessageDigest.isEqual(expected, slice(r2, 40, 20))) {
            abandonRakp();
            throw new BmcException(Reason.AUTHENTICATION, where + ": authentication failed for user '" + user
                    + "': wrong password (the BMC's RAKP 2 proof does not match it)");
        }
        byte[] sik = hmac(kuid, cat(rm, rc, roleAndName)); // no BMC key (Kg): K_G = K_UID
        byte[] consoleIdLe = le(4).putInt(0, consoleId).array();
        int rakp3Tag = nextTag();
        ByteBuffer rakp3 = le(28);
        rakp3.put(0, (byte) rakp3Tag).putInt(4, managedId).put(8, hmac(kuid, cat(rc, consoleIdLe, roleAndName)));
        ByteBuffer r4 = le(preSession("RAKP message 3", 0x14, rakp3.array(), 0x15, rakp3Tag));
        status = r4.get(1) & 0xFF;
        if (status != 0) {
            throw openSessionRefused(status, user);
        }
        byte[] managedIdLe = le(4).putInt(0, managedId).array();
        byte[] icv = Arrays.copyOf(hmac(sik, cat(rm, managedIdLe, guid)), 12);
        if (r4.capacity() < 20 || !MessageDigest.isEqual(icv, slice(r4, 8, 12))) {
            throw new BmcException(Reason.AUTHENTICATION, where + ": RAKP 4 integrity check failed: the BMC did not"
                    + " prove it holds the session key (a BMC key/Kg may be configured on it)");
        }
        byte[] ones = new byte[20];
        Arrays.fill(ones, (byte) 1);
        byte[] twos = new byte[20];
        Arrays.fill(twos, (byte) 2);
        k1 = hmac(sik, ones);
        aesKey = Arrays.copyOf(hmac(sik, twos), 16);
    }

    /** Tells the BMC we give up on this handshake, so it frees the pending session at once (no answer awaited). */
    private void abandonRakp() {
        ByteBuffer rakp3 = le(8);
        rakp3.put(0, (byte) nextTag()).put(1, (byte) 0x0F).putInt(4, managedId); // invalid integrity check value
        ByteBuffer h = le(12);
        h.put(0, (byte) 0x06).put(1, (byte) 0x14).putShort(10, (short) 8);
        try {
            channel.write(ByteBuffer.wrap(cat(RMCP, h.array(), rakp3.array())));
        } catch (IOException e) {
            // best effort: the BMC times the session out anyway
        }
    }

    private BmcException openSessionRefused(int status, String user) {
        String what = switch (status) {
            case 0x01, 0x0B -> "no free session on the BMC (too many open sessions); retry later";
            case 0x04, 0x05, 0x10, 0x11 -> "the BMC does not offer cipher suite 3; enable it on the BMC";
            case 0x09, 0x0A -> "user '" + user + "' may not have the requested privilege level; use a user with"
                    + " administrator or operator privilege, or configure a lower privilege";
            case 0x0C, 0x0D -> "unknown user '" + user + "' (or the user is disabled)";
            case 0x0E -> "unauthorized GUID";
            case 0x0F -> "invalid integrity check value: wrong password for user '" + user + "'";
            default -> "RMCP+ status 0x" + String.format("%02x", status);
        };
        Reason reason = switch (status) {
            case 0x09, 0x0A, 0x0C, 0x0D, 0x0E, 0x0F -> Reason.AUTHENTICATION;
            case 0x04, 0x05, 0x10, 0x11 -> Reason.UNSUPPORTED;
            default -> Reason.REFUSED;
        };
        return new BmcException(reason, where + ": session refused: " + what);
    }

    /** Sends an IPMI request in the session (LUN 0); returns the response data after a zero completion code. */
    byte[] command(int netFn, int cmd, byte[] data) throws BmcException {
        return command(netFn, 0, cmd, data, retries);
    }

    synchronized byte[] command(int netFn, int lun, int cmd, byte[] data, int tries) throws BmcException {
        if (k1 == null) {
            throw new IllegalStateException(where + ": session is closed");
        }
        int seq = nextRqSeq();
        byte[] msg = ipmiRequest(netFn, lun, seq, cmd, data);
        String name = "IPMI command " + String.format("0x%02x/0x%02x", netFn, cmd);
        byte[] reply = exchange(name, () -> seal(msg), in -> {
            byte[] m = unseal(in);
            return m != null && matches(m, netFn, seq, cmd) ? m : null;
        }, tries);
        int cc = reply[6] & 0xFF;
        if (cc != 0) {
            throw new IpmiCommandException(where, name, cc);
        }
        return Arrays.copyOfRange(reply, 7, reply.length - 1);
    }

    private static boolean matches(byte[] m, int netFn, int seq, int cmd) {
        return m.length >= 8 && ((m[1] & 0xFF) >> 2) == (netFn | 1) && ((m[4] & 0xFF) >> 2) == seq && (m[5] & 0xFF) == cmd;
    }

    private static byte[] ipmiRequest(int netFn, int lun, int seq, int cmd, byte[] data) {
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        byte[] head = {(byte) BMC_ADDRESS, (byte) (netFn << 2 | (lun & 3))};
        msg.writeBytes(head);
        msg.write(checksum(head));
        byte[] body = cat(new byte[] {(byte) CONSOLE_ADDRESS, (byte) (seq << 2), (byte) cmd}, data);
        msg.writeBytes(body);
        msg.write(checksum(body));
        return msg.toByteArray();
    }

    /** An unauthenticated pre-session exchange (open session, RAKP); returns the answer's payload. */
    private byte[] preSession(String what, int type, byte[] payload, int answerType, int expectTag) throws BmcException {
        ByteBuffer h = le(12);
        h.put(0, (byte) 0x06).put(1, (byte) type).putShort(10, (short) payload.length);
        byte[] packet = cat(RMCP, h.array(), payload);
        return exchange(what, () -> packet, in -> {
            if (in.length < 24 || in[4] != 0x06 || (in[5] & 0x3F) != answerType) {
                return null;
            }
            int len = Short.toUnsignedInt(le(in).getShort(14));
            if (in.length < 16 + len || len < 8) {
                return null;
            }
            byte[] p = Arrays.copyOfRange(in, 16, 16 + len);
            return (p[0] & 0xFF) == expectTag && le(p).getInt(4) == consoleId ? p : null;
        });
    }

    private byte[] exchange(String what, Supplier<byte[]> packet, Function<byte[], byte[]> answer) throws BmcException {
        return exchange(what, packet, answer, retries);
    }

    /**
     * Sends {@code packet} and waits for a datagram {@code answer} accepts (non-null), retransmitting
     * (a fresh packet each time) up to {@code tries} more times.
     */
    private byte[] exchange(String what, Supplier<byte[]> packet, Function<byte[], byte[]> answer, int tries)
            throws BmcException {
        for (int attempt = 0; attempt <= tries; attempt++) {
            send(packet.get());
            long deadline = clock.nanoTime() + timeout.toNanos();
            for (long left = timeout.toNanos(); left > 0; left = deadline - clock.nanoTime()) {
                byte[] in = receive(left);
                if (in != null) {
                    byte[] accepted = answer.apply(in);
                    if (accepted != null) {
                        return accepted;
                    }
                }
            }
        }
        if (integrityFailures > 0) {
            throw new BmcException(Reason.PROTOCOL, where + ": " + integrityFailures + " answers to " + what
                    + " failed their integrity check and none passed; the BMC or the network corrupts packets");
        }
        throw new BmcException(Reason.TIMEOUT, where + ": no answer to " + what + " after " + (tries + 1) + " tries of "
                + timeout.toMillis() + " ms; check the address and port, that IPMI over LAN is enabled on the BMC"
                + " and that no firewall drops UDP");
    }

    private void send(byte[] packet) throws BmcException {
        try {
            channel.write(ByteBuffer.wrap(packet));
        } catch (PortUnreachableException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new BmcException(Reason.UNREACHABLE, where + ": cannot send to it: " + e.getMessage(), e);
        }
    }

    /** The next datagram within {@code nanos}, or null. */
    private byte[] receive(long nanos) throws BmcException {
        try {
            long millis = Math.max(1, (nanos + 999_999) / 1_000_000);
            selector.select(millis);
            selector.selectedKeys().clear();
            if (Thread.currentThread().isInterrupted()) {
                throw new BmcException(Reason.TIMEOUT, where + ": interrupted while waiting for an answer");
            }
            inbound.clear();
            int n = channel.read(inbound);
            return n <= 0 ? null : Arrays.copyOf(inbound.array(), n);
        } catch (PortUnreachableException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new BmcException(Reason.UNREACHABLE, where + ": receive failed: " + e.getMessage(), e);
        }
    }

    private BmcException unreachable() {
        return new BmcException(Reason.UNREACHABLE, where + ": nothing listens there (ICMP port unreachable);"
                + " check the BMC address and port (IPMI uses UDP 623)");
    }

    private byte[] seal(byte[] msg) {
        try {
            sequence = sequence == -1 ? 1 : sequence + 1; // 0 is reserved for messages outside a session
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
            h.put(0, (byte) 0x06).put(1, (byte) 0xC0).putInt(2, managedId).putInt(6, sequence)
                    .putShort(10, (short) payload.length);
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
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CBC-128 or HMAC-SHA1 unavailable in this JDK", e);
        }
    }

    /** The IPMI message inside an authenticated, encrypted answer of this session, or null if it is not one. */
    private byte[] unseal(byte[] in) {
        if (in.length < 16 + 32 + 2 + 12 || in[4] != 0x06 || (in[5] & 0xFF) != 0xC0 || le(in).getInt(6) != consoleId) {
            return null;
        }
        int len = Short.toUnsignedInt(le(in).getShort(14));
        int authStart = in.length - 12;
        int pad = in[authStart - 2] & 0xFF;
        if (len < 32 || (len - 16) % 16 != 0 || 16 + len + pad + 2 != authStart) {
            return null;
        }
        try {
            byte[] covered = Arrays.copyOfRange(in, 4, authStart);
            if (!MessageDigest.isEqual(Arrays.copyOf(hmacSha1(k1, covered), 12), Arrays.copyOfRange(in, authStart, in.length))) {
                integrityFailures++;
                return null;
            }
            Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(in, 16, 16));
            byte[] plain = aes.doFinal(in, 32, len - 16);
            int padLen = plain[plain.length - 1] & 0xFF;
            return padLen >= plain.length ? null : Arrays.copyOf(plain, plain.length - padLen - 1);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private int nextRqSeq() {
        rqSeq = (rqSeq + 1) & 0x3F;
        return rqSeq;
    }

    private int nextTag() {
        tag = (tag + 1) & 0xFF;
        return tag;
    }

    /** Closes the session on the BMC (one try, errors ignored: BMCs drop idle sessions themselves) and the socket. */
    @Override
    public void close() {
        try {
            if (k1 != null) {
                command(NETFN_APP, 0, 0x3C, le(4).putInt(0, managedId).array(), 0);
            }
        } catch (BmcException ignored) {
            // the BMC drops idle sessions itself
        } finally {
            k1 = null;
            closeQuietly(channel, selector);
        }
    }

    private static void closeQuietly(DatagramChannel channel, Selector selector) {
        try {
            if (selector != null) {
                selector.close();
            }
        } catch (IOException ignored) {
            // nothing to do
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    static byte checksum(byte[] bytes) {
        int sum = 0;
        for (byte b : bytes) {
            sum += b & 0xFF;
        }
        return (byte) (-sum & 0xFF);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            return hmacSha1(key, data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 unavailable in this JDK", e);
        }
    }

    private static byte[] hmacSha1(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[MAX_PASSWORD] : key, "HmacSHA1"));
        return mac.doFinal(data);
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ByteBuffer le(byte[] bytes) {
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
