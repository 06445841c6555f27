package io.cairn.iscsi.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import io.cairn.iscsi.internal.login.LoginException;
import io.cairn.iscsi.internal.login.TextKeys;
import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;
import io.cairn.iscsi.internal.pdu.PduCodec;

/** Test-only: a bare iSCSI initiator speaking PDUs over a socket, to drive the target where no tool can. */
final class RawInitiator implements AutoCloseable {

    static final byte[] ISID = {(byte) 0x80, 0x12, 0x34, 0x56, 0x00, 0x01};

    final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    int cmdSn = 1;
    int expStatSn;
    int itt = 1;
    boolean headerDigest;
    boolean dataDigest;
    int tsih;
    /** The ISID of {@link #login(int, int, boolean, Map)}. */
    byte[] isid = ISID.clone();
    Map<String, String> lastKeys = new LinkedHashMap<>();

    RawInitiator(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A one-PDU-per-stage login request. */
    Pdu loginRequest(int csg, int nsg, boolean transit, byte[] isid, Map<String, String> keys) {
        return Pdu.of(Opcode.LOGIN_REQUEST).immediate(true).flags((transit ? 0x80 : 0) | (csg << 2) | (transit ? nsg : 0)).u8(2, 0).u8(3, 0)
                .bytes(8, isid).u16(14, 0).itt(itt).i32(24, cmdSn).i32(28, expStatSn).data(TextKeys.encode(keys));
    }

    /** Sends one login request and returns the response (keys in {@link #lastKeys}). */
    Pdu login(int csg, int nsg, boolean transit, Map<String, String> keys) throws IOException {
        return login(csg, nsg, transit, isid, keys);
    }

    Pdu login(int csg, int nsg, boolean transit, byte[] isid, Map<String, String> keys) throws IOException {
        send(loginRequest(csg, nsg, transit, isid, keys));
        Pdu r = read();
        try {
            lastKeys = TextKeys.parse(r.dataBytes());
        } catch (LoginException e) {
            throw new IOException(e);
        }
        if (r.u8(36) == 0) {
            expStatSn = r.i32(24) + 1;
            tsih = r.u16(14);
        }
        return r;
    }

    /** Logs in to {@code target} (null: discovery) without authentication, straight to full feature, with {@code extra} keys. */
    Pdu loginNormal(String target, Map<String, String> extra) throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("InitiatorName", PortalFixture.INITIATOR);
        keys.put("SessionType", target == null ? "Discovery" : "Normal");
        if (target != null) {
            keys.put("TargetName", target);
        }
        keys.put("AuthMethod", "None");
        Pdu r = login(0, 1, true, keys);
        if (r.u8(36) != 0) {
            return r;
        }
        r = login(1, 3, true, extra);
        if (r.u8(36) == 0) {
            headerDigest = "CRC32C".equals(lastKeys.get("HeaderDigest"));
            dataDigest = "CRC32C".equals(lastKeys.get("DataDigest"));
        }
        return r;
    }

    Pdu nopOut(byte[] ping) throws IOException {
        Pdu p = Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).itt(itt++).i32(20, Opcode.RESERVED_TAG).i32(24, cmdSn)
                .i32(28, expStatSn).data(ping);
        send(p);
        return p;
    }

    /** A SCSI command PDU with the next ITT and CmdSN (advanced). */
    Pdu command(byte[] cdb, boolean read, boolean write, int edtl, byte[] immediateData) {
        byte[] c = new byte[16];
        System.arraycopy(cdb, 0, c, 0, cdb.length);
        Pdu p = Pdu.of(Opcode.SCSI_COMMAND).flags(0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 1).itt(itt++).i32(20, edtl)
                .i32(24, cmdSn++).i32(28, expStatSn).bytes(32, c);
        if (immediateData != null) {
            p.data(immediateData);
        }
        return p;
    }

    void send(Pdu pdu) throws IOException {
        out.write(PduCodec.toBytes(pdu, headerDigest, dataDigest));
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one target PDU; null on end of stream. */
    Pdu read() throws IOException {
        byte[] bhs = new byte[48];
        try {
            in.readFully(bhs);
        } catch (EOFException e) {
            return null;
        }
        Pdu p = Pdu.fromBhs(bhs);
        byte[] ahs = new byte[p.totalAhsWords() * 4];
        in.readFully(ahs);
        if (headerDigest) {
            byte[] d = new byte[4];
            in.readFully(d);
            CRC32C crc = new CRC32C();
            crc.update(bhs);
            crc.update(ahs);
            if (ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() != (int) crc.getValue()) {
                throw new IOException("bad header digest from the target");
            }
        }
        int dsl = p.dataSegmentLength();
        byte[] data = new byte[(dsl + 3) & ~3];
        in.readFully(data);
        if (dsl > 0 && dataDigest) {
            in.readFully(new byte[4]);
        }
        p.data(ByteBuffer.wrap(data, 0, dsl));
        return p;
    }

    /** Reads PDUs until one with {@code opcode} arrives (NOP-In pings are answered). */
    Pdu await(int opcode) throws IOException {
        while (true) {
            Pdu p = read();
            if (p == null || p.opcode() == opcode) {
                return p;
            }
        }
    }

    /** True when the target closed the connection (EOF or reset) within the socket timeout. */
    boolean closedByTarget() {
        try {
            while (true) {
                if (read() == null) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
