package io.cairn.iscsi.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.iscsi.internal.login.LoginException;
import io.cairn.iscsi.internal.login.SessionParams;
import io.cairn.iscsi.internal.login.TextKeys;
import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;
import io.cairn.iscsi.internal.pdu.PduCodec;
import io.cairn.iscsi.internal.pdu.PduException;
import io.cairn.iscsi.internal.scsi.ScsiResult;
import io.cairn.storage.api.iscsi.DiscoveredTarget;

/**
 * One TCP connection of a portal: the login phase ({@link Login}), then the full-feature phase
 * (RFC 7143 §3-4, §11) on this reader thread. SCSI commands run each on their own virtual thread
 * against the session's {@code ScsiTarget}; every PDU goes out through {@link #send}, which
 * serialises writers and assigns StatSN, ExpCmdSN and MaxCmdSN at the moment a PDU is sent.
 * ErrorRecoveryLevel 0: any protocol error drops the connection, which ends the session.
 */
final class Connection implements Runnable {

    /** How long a login may take between PDUs. */
    static final int LOGIN_TIMEOUT_MS = 30_000;
    /** Idle time after which the target pings the initiator with a NOP-In. */
    static final int KEEPALIVE_MS = 15_000;
    /** Unanswered keepalive intervals after which the connection is dropped. */
    static final int KEEPALIVE_MISSES = 3;
    /**
     * The largest write a single command may carry (buffered in memory before execution): 32 MiB, the
     * SCSI layer's MAXIMUM TRANSFER LENGTH of 65536 blocks. Larger: CHECK CONDITION before any R2T.
     */
    static final int MAX_WRITE_BYTES = 32 << 20;
    /** Write data buffered per connection at most (commands beyond it get TASK SET FULL and are retried). */
    static final long WRITE_BUFFER_BUDGET = 128L << 20;
    /** The largest text request (with continuations) accepted. */
    static final int MAX_TEXT_BYTES = 65536;
    /** How long logout and session end wait for commands in flight. */
    static final long DRAIN_MS = 30_000;
    /** A LUN field this target cannot address: handed to the SCSI layer as a LUN it does not have. */
    static final int INVALID_LUN = 0xffff;
    /** Bytes the reader takes from the socket at most per read(2) (a few dozen 4 KiB write commands). */
    static final int READ_BUFFER = 256 << 10;
    /** The same during login, before the initiator is known or authenticated. */
    static final int LOGIN_READ_BUFFER = 8 << 10;
    /** The logical block size of every LUN (spec 50 §1: 512 B logical). */
    static final int LOGICAL_BLOCK = 512;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    private static final byte[] SENSE_INTERNAL_FAILURE = sense(0x04, 0x44, 0x00); // HARDWARE ERROR, INTERNAL TARGET FAILURE
    private static final byte[] SENSE_INVALID_FIELD_IN_CDB = sense(0x05, 0x24, 0x00); // ILLEGAL REQUEST

    private final Logger logger = LoggerFactory.getLogger(Connection.class);
    final PortalImpl portal;
    private final SocketChannel channel;
    private final SocketAddress remote;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Map<Integer, Task> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger nextTtt = new AtomicInteger(1);
    private final java.util.concurrent.atomic.AtomicLong bufferedWriteBytes = new java.util.concurrent.atomic.AtomicLong();

    // guarded by writeLock
    private int statSn;
    private boolean headerDigest;
    private boolean dataDigest;

    volatile CmdSnWindow<Runnable> window;
    private volatile Session session;
    private volatile boolean closing;
    private volatile String closeReason;
    private int idleTicks;
    // text request accumulation and long text responses (reader thread only)
    private byte[] textIn = new byte[0];
    private byte[] textOut;
    private int textOutTtt;

    Connection(PortalImpl portal, SocketChannel channel) throws IOException {
        this.portal = portal;
        this.channel = channel;
        this.remote = channel.getRemoteAddress();
    }

    SocketAddress remote() {
        return remote;
    }

    Session session() {
        return session;
    }

    void startStatSn(int value) {
        writeLock.lock();
        try {
            statSn = value;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void run() {
        String reason = null;
        try {
            channel.socket().setTcpNoDelay(true);
            channel.socket().setSoTimeout(LOGIN_TIMEOUT_MS);
            // a small buffer until the login succeeds (connections that never authenticate cost little memory), then a
            // large one: with several commands in flight one read(2) takes in many PDUs (a 48-byte BHS each, plus data);
            // the large one reads what the small one holds already first, and larger reads pass through it unbuffered
            InputStream loginIn = new BufferedInputStream(channel.socket().getInputStream(), LOGIN_READ_BUFFER);
            Session s = new Login(this, portal, loginIn).run();
            if (s == null) {
                return;
            }
            session = s;
            writeLock.lock();
            try {
                headerDigest = s.params.headerDigest();
                dataDigest = s.params.dataDigest();
            } finally {
                writeLock.unlock();
            }
            channel.socket().setSoTimeout(portal.keepaliveMillis);
            reason = fullFeature(new BufferedInputStream(loginIn, READ_BUFFER), s);
        } catch (IOException e) {
            reason = closing ? closeReason : "connection lost (" + e.getMessage() + ")";
        } catch (RuntimeException e) {
            portal.connectionFailures.increment();
            logger.warn("iSCSI connection from {} failed", remote, e);
            reason = "internal error: " + e;
        } finally {
            end(reason);
        }
    }

    /** Closes the connection (another thread's request); the reader thread ends the session. */
    void close(String reason) {
        if (!closing) {
            closeReason = reason;
            closing = true;
        }
        try {
            channel.close();
        } catch (IOException e) {
            logger.debug("closing the connection from {}: {}", remote, e.toString());
        }
    }

    boolean closing() {
        return closing;
    }

    private void end(String reason) {
        close(reason);
        Session s = session;
        if (s == null) {
            return;
        }
        portal.removeSession(s);
        for (Task t : List.copyOf(tasks.values())) {
            if (t.abort() && !t.executing()) {
                release(t);
            }
        }
        drain(DRAIN_MS);
        if (s.target != null) {
            try {
                s.target.nexusEnded(s.nexus);
            } finally {
                s.target.close();
            }
        }
        // discovery sessions (SendTargets, and every redirector's health probe once a second) at DEBUG
        org.slf4j.event.Level level = s.discovery() ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.INFO;
        logger.atLevel(level).log("iSCSI session ended: initiator {} isid {} target {} on portal {} from {}: {}", s.initiatorName, s.isid,
                s.discovery() ? "(discovery)" : s.targetName, portal.address(), remote, closeReason == null ? reason : closeReason);
    }

    // ---------------------------------------------------------------- full-feature phase

    private String fullFeature(InputStream in, Session s) throws IOException {
        PduCodec.Limits limits = new PduCodec.Limits(s.params.targetMaxRecvDataSegment(), s.params.headerDigest(),
                s.params.dataDigest());
        while (!closing) {
            Pdu pdu;
            try {
                pdu = PduCodec.read(in, limits);
            } catch (SocketTimeoutException e) {
                if (++idleTicks > KEEPALIVE_MISSES) {
                    return "dropped: no answer to NOP-In keepalives";
                }
                send(Pdu.of(Opcode.NOP_IN).flags(0x80).itt(Opcode.RESERVED_TAG).i32(20, ttt()));
                continue;
            } catch (PduException e) {
                byte[] header = e.header();
                if (header != null) {
                    reject(e.reason(), header);
                }
                int op = header == null ? -1 : header[0] & 0x3f;
                if (e.dropConnection() || op == Opcode.SCSI_COMMAND || op == Opcode.DATA_OUT) {
                    return "dropped: " + e.getMessage();
                }
                continue;
            }
            if (pdu == null) {
                return closing ? closeReason : "dropped: the initiator closed the connection";
            }
            idleTicks = 0;
            try {
                dispatch(s, pdu);
            } catch (ProtocolViolation v) {
                reject(v.reason, pdu.bhs());
                return "dropped: " + v.getMessage();
            }
        }
        return closeReason;
    }

    private void dispatch(Session s, Pdu pdu) throws IOException {
        switch (pdu.opcode()) {
            case Opcode.SCSI_COMMAND -> scsiCommand(s, pdu);
            case Opcode.DATA_OUT -> dataOut(pdu);
            case Opcode.NOP_OUT -> nopOut(pdu);
            case Opcode.TEXT_REQUEST -> ordered(pdu, () -> text(s, pdu));
            case Opcode.TASK_MGMT_REQUEST -> deliver(pdu, pdu.immediate(), () -> taskManagement(s, pdu));
            case Opcode.LOGOUT_REQUEST -> ordered(pdu, () -> logout(s, pdu));
            case Opcode.LOGIN_REQUEST -> reject(Opcode.REJECT_PROTOCOL_ERROR, pdu.bhs());
            case Opcode.SNACK_REQUEST -> reject(Opcode.REJECT_PROTOCOL_ERROR, pdu.bhs()); // ERL 0 has no SNACK
            default -> reject(Opcode.REJECT_COMMAND_NOT_SUPPORTED, pdu.bhs());
        }
    }

    /** Hands a non-SCSI command to the CmdSN window; it runs when its turn comes and frees its slot when done. */
    private void ordered(Pdu pdu, IoAction action) {
        boolean immediate = pdu.immediate();
        deliver(pdu, immediate, () -> {
            try {
                action.run();
            } catch (IOException e) {
                close("connection lost (" + e.getMessage() + ")");
            } finally {
                if (!immediate) {
                    window.complete();
                }
            }
        });
    }

    private void deliver(Pdu pdu, boolean immediate, Runnable item) {
        List<Runnable> ready = window.submit(pdu.i32(24), immediate, item);
        if (ready == null) {
            logger.debug("ignoring a PDU outside the CmdSN window from {}: {}", remote, pdu);
            return;
        }
        ready.forEach(Runnable::run);
    }

    // ---------------------------------------------------------------- SCSI commands

    private void scsiCommand(Session s, Pdu pdu) throws IOException {
        int flags = pdu.flags();
        boolean finalBit = (flags & 0x80) != 0;
        boolean read = (flags & 0x40) != 0;
        boolean write = (flags & 0x20) != 0;
        int edtl = pdu.i32(20);
        int dsl = pdu.dataSegmentLength();
        if (!finalBit) {
            throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "unsolicited Data-Out announced but InitialR2T=Yes");
        }
        if (dsl > 0 && (!write || !s.params.immediateData() || dsl > s.params.firstBurst() || Integer.compareUnsigned(dsl, edtl) > 0)) {
            throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "immediate data of " + dsl + " bytes not allowed (W=" + write
                    + ", EDTL " + Integer.toUnsignedString(edtl) + ")");
        }
        byte[] cdb = cdb(pdu);
        int itt = pdu.itt();
        boolean immediate = pdu.immediate();
        if (s.discovery() || cdb == null || (read && write) || itt == Opcode.RESERVED_TAG || edtl < 0 || tasks.containsKey(itt)) {
            int reason = s.discovery() || (read && write) ? Opcode.REJECT_COMMAND_NOT_SUPPORTED
                    : tasks.containsKey(itt) ? Opcode.REJECT_TASK_IN_PROGRESS : Opcode.REJECT_INVALID_PDU_FIELD;
            byte[] header = pdu.bhs();
            ordered(pdu, () -> reject(reason, header));
            return;
        }
        Task task = new Task(itt, pdu.lun(), decodeLun(pdu.lun()), cdb, read, write, edtl, immediate);
        ByteBuffer immediateData = pdu.data();
        tasks.put(itt, task);
        deliver(pdu, immediate, () -> start(s, task, immediateData));
    }

    /** The command's turn came (CmdSN order): collect its data or run it. Reader thread. */
    private void start(Session s, Task task, ByteBuffer immediateData) {
        try {
            if (s.quiescing || closing) {
                release(task); // no response: the initiator re-sends it after logging in again
                return;
            }
            if (task.write && task.edtl > MAX_WRITE_BYTES) {
                task.startResponding();
                respond(s, task, new ScsiResult(ScsiResult.CHECK_CONDITION, null, SENSE_INVALID_FIELD_IN_CDB));
                return;
            }
            if (task.write && bufferedWriteBytes.addAndGet(task.edtl) > WRITE_BUFFER_BUDGET) {
                bufferedWriteBytes.addAndGet(-task.edtl);
                task.startResponding();
                respond(s, task, new ScsiResult(ScsiResult.TASK_SET_FULL, null, null));
                return;
            }
            if (task.write) {
                task.dataOut = ByteBuffer.allocate(task.edtl);
                task.dataOut.put(0, immediateData, immediateData.position(), immediateData.remaining());
                task.received = immediateData.remaining();
                if (task.received < task.edtl) {
                    r2t(task);
                    return;
                }
            }
            Thread.ofVirtual().name("iscsi-cmd").start(() -> execute(s, task));
        } catch (IOException e) {
            close("connection lost (" + e.getMessage() + ")");
        }
    }

    private void r2t(Task task) throws IOException {
        task.burstOffset = task.received;
        task.burstLength = Math.min(session().params.maxBurst(), task.edtl - task.received);
        task.burstReceived = 0;
        task.nextDataSn = 0;
        task.ttt = ttt();
        send(Pdu.of(Opcode.R2T).flags(0x80).lun(task.lunField).itt(task.itt).i32(20, task.ttt).i32(36, task.r2tSn++)
                .i32(40, task.burstOffset).i32(44, task.burstLength));
    }

    private void dataOut(Pdu pdu) throws IOException {
        int ttt = pdu.i32(20);
        if (ttt == Opcode.RESERVED_TAG) {
            throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "unsolicited Data-Out, but InitialR2T=Yes");
        }
        Task t = tasks.get(pdu.itt());
        if (t == null) {
            return; // the task was aborted: its remaining data is discarded
        }
        if (!t.write || ttt != t.ttt) {
            throw new ProtocolViolation(Opcode.REJECT_INVALID_PDU_FIELD, "Data-Out for no outstanding R2T (TTT 0x" + Integer.toHexString(ttt) + ")");
        }
        int dataSn = pdu.i32(36);
        int offset = pdu.i32(40);
        int length = pdu.dataSegmentLength();
        if (dataSn != t.nextDataSn) {
            throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "Data-Out DataSN " + dataSn + ", expected " + t.nextDataSn);
        }
        if (offset != t.burstOffset + t.burstReceived || length > t.burstLength - t.burstReceived) {
            throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "Data-Out at offset " + offset + " with " + length
                    + " bytes does not continue the burst at " + (t.burstOffset + t.burstReceived));
        }
        ByteBuffer data = pdu.data();
        t.dataOut.put(offset, data, data.position(), length);
        t.burstReceived += length;
        t.nextDataSn++;
        if (!pdu.finalBit()) {
            if (t.burstReceived == t.burstLength) {
                throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "the last Data-Out of a burst lacks the F bit");
            }
            return;
        }
        if (t.burstReceived != t.burstLength) {
            throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "Data-Out burst ended after " + t.burstReceived + " of "
                    + t.burstLength + " bytes");
        }
        t.received += t.burstLength;
        t.ttt = -1;
        if (t.received < t.edtl) {
            r2t(t);
        } else {
            Session s = session;
            Thread.ofVirtual().name("iscsi-cmd").start(() -> execute(s, t));
        }
    }

    /** Runs one command on its own virtual thread and sends its response. */
    private void execute(Session s, Task task) {
        try {
            if (!task.startExecuting()) {
                return;
            }
            ScsiResult result;
            try {
                ByteBuffer out = task.write ? task.dataOut.slice(0, task.received).asReadOnlyBuffer() : EMPTY;
                result = s.target.execute(s.nexus, task.lun, task.cdb.clone(), out, task.read ? task.edtl : 0);
                if (result == null) {
                    throw new IllegalStateException("the SCSI layer returned no result");
                }
            } catch (RuntimeException e) {
                logger.warn("SCSI command 0x{} from {} to LUN {} failed", Integer.toHexString(task.cdb[0] & 0xff), s.initiatorName, task.lun, e);
                result = new ScsiResult(ScsiResult.CHECK_CONDITION, null, SENSE_INTERNAL_FAILURE);
            }
            if (!task.startResponding()) {
                return;
            }
            s.commands.increment(); // before the response: whoever sees the response sees it counted
            respond(s, task, result);
        } catch (IOException e) {
            close("connection lost (" + e.getMessage() + ")");
        } finally {
            release(task);
        }
    }

    /** The task is over (response sent, aborted or dropped): forget it and open the window by one. */
    private void release(Task task) {
        tasks.remove(task.itt, task);
        if (task.finish()) {
            if (task.dataOut != null) {
                bufferedWriteBytes.addAndGet(-task.edtl);
            }
            if (!task.immediate) {
                window.complete();
            }
        }
    }

    /**
     * Data-In PDUs (split at the initiator's MaxRecvDataSegmentLength, F at each MaxBurstLength
     * sequence end) and the status: in the last Data-In (S bit) when there is no sense data, else
     * in a SCSI Response. Residuals against the expected Data-In length (U/O bits).
     */
    private void respond(Session s, Task task, ScsiResult result) throws IOException {
        ByteBuffer in = result.dataIn() == null ? EMPTY : result.dataIn().duplicate();
        int length = in.remaining();
        int expected = task.read ? task.edtl : 0;
        int toSend = Math.min(length, expected);
        int residualFlags = 0;
        long residual = 0;
        if (length > expected) {
            residualFlags = 0x04;
            residual = length - expected;
        } else if (length < expected) {
            residualFlags = 0x02;
            residual = expected - length;
        }
        long writeLength = task.write ? writeTransferLength(task.cdb) : -1;
        if (writeLength > Integer.toUnsignedLong(task.edtl)) {
            residualFlags = 0x04;
            residual = writeLength - Integer.toUnsignedLong(task.edtl);
        } else if (writeLength >= 0 && writeLength < Integer.toUnsignedLong(task.edtl)) {
            residualFlags = 0x02;
            residual = Integer.toUnsignedLong(task.edtl) - writeLength;
        }
        boolean statusInData = toSend > 0 && result.sense() == null;
        int maxPdu = s.params.initiatorMaxRecvDataSegment();
        int maxBurst = s.params.maxBurst();
        int offset = 0;
        int dataSn = 0;
        int inBurst = 0;
        while (offset < toSend) {
            int chunk = Math.min(Math.min(maxPdu, toSend - offset), maxBurst - inBurst);
            boolean last = offset + chunk == toSend;
            inBurst += chunk;
            boolean endOfSequence = last || inBurst == maxBurst;
            if (endOfSequence) {
                inBurst = 0;
            }
            Pdu pdu = Pdu.of(Opcode.DATA_IN).lun(task.lunField).itt(task.itt).i32(20, Opcode.RESERVED_TAG).i32(36, dataSn++)
                    .i32(40, offset).data(in.slice(in.position() + offset, chunk));
            int flags = endOfSequence ? 0x80 : 0;
            if (last && statusInData) {
                flags |= 0x01 | residualFlags;
                pdu.u8(3, result.status()).i32(44, (int) Math.min(residual, 0xffffffffL));
                release(task);
            }
            pdu.flags(flags);
            send(pdu);
            offset += chunk;
        }
        if (statusInData) {
            return;
        }
        Pdu response = Pdu.of(Opcode.SCSI_RESPONSE).flags(0x80 | residualFlags).u8(2, 0).u8(3, result.status()).itt(task.itt)
                .i32(36, dataSn).i32(44, (int) Math.min(residual, 0xffffffffL));
        byte[] sense = result.sense();
        if (sense != null) {
            ByteBuffer segment = ByteBuffer.allocate(2 + sense.length);
            segment.putShort((short) sense.length).put(sense).flip();
            response.data(segment);
        }
        release(task);
        send(response);
    }

    // ---------------------------------------------------------------- other requests

    private void nopOut(Pdu pdu) throws IOException {
        int itt = pdu.itt();
        int ttt = pdu.i32(20);
        if (itt == Opcode.RESERVED_TAG) {
            if (!pdu.immediate()) {
                throw new ProtocolViolation(Opcode.REJECT_PROTOCOL_ERROR, "NOP-Out with ITT 0xffffffff must be immediate");
            }
            return; // the answer to our ping, or an ExpStatSN update
        }
        if (ttt != Opcode.RESERVED_TAG) {
            reject(Opcode.REJECT_INVALID_PDU_FIELD, pdu.bhs());
            return;
        }
        ByteBuffer ping = pdu.data();
        int echo = Math.min(ping.remaining(), session.params.initiatorMaxRecvDataSegment());
        byte[] copy = new byte[echo];
        ping.get(copy);
        long lun = pdu.lun();
        ordered(pdu, () -> send(Pdu.of(Opcode.NOP_IN).flags(0x80).lun(lun).itt(itt).i32(20, Opcode.RESERVED_TAG).data(copy)));
    }

    private void text(Session s, Pdu pdu) throws IOException {
        int ttt = pdu.i32(20);
        boolean continues = (pdu.flags() & 0x40) != 0;
        if (ttt != Opcode.RESERVED_TAG) {
            if (ttt != textOutTtt || (textOut == null && textIn.length == 0)) {
                reject(Opcode.REJECT_INVALID_PDU_FIELD, pdu.bhs());
                return;
            }
            if (textIn.length == 0) {
                sendText(s, pdu, textOut); // the initiator asks for the rest of a long answer
                return;
            }
        }
        textOut = null;
        byte[] more = pdu.dataBytes();
        if (textIn.length + more.length > MAX_TEXT_BYTES) {
            textIn = new byte[0];
            reject(Opcode.REJECT_OUT_OF_RESOURCES, pdu.bhs());
            return;
        }
        textIn = concat(textIn, more);
        if (continues) {
            textOutTtt = ttt();
            send(Pdu.of(Opcode.TEXT_RESPONSE).flags(0).lun(pdu.lun()).itt(pdu.itt()).i32(20, textOutTtt));
            return;
        }
        byte[] request = textIn;
        textIn = new byte[0];
        List<String[]> answer = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : TextKeys.parse(request).entrySet()) {
                if (e.getKey().equals("SendTargets")) {
                    sendTargets(s, e.getValue(), answer);
                } else {
                    // operational keys are not renegotiated in the full-feature phase
                    answer.add(new String[] {e.getKey(), knownKey(e.getKey()) ? "Reject" : "NotUnderstood"});
                }
            }
        } catch (LoginException e) {
            reject(Opcode.REJECT_PROTOCOL_ERROR, pdu.bhs());
            return;
        }
        sendText(s, pdu, encode(answer));
    }

    private void sendText(Session s, Pdu request, byte[] text) throws IOException {
        int max = s.params.initiatorMaxRecvDataSegment();
        Pdu response = Pdu.of(Opcode.TEXT_RESPONSE).lun(request.lun()).itt(request.itt());
        if (text.length <= max) {
            textOut = null;
            send(response.flags(0x80).i32(20, Opcode.RESERVED_TAG).data(text));
            return;
        }
        // split at a pair boundary when possible (RFC 7143 §6.1: a pair may also span PDUs)
        int cut = max;
        for (int i = max - 1; i > 0; i--) {
            if (text[i] == 0) {
                cut = i + 1;
                break;
            }
        }
        textOut = Arrays.copyOfRange(text, cut, text.length);
        textOutTtt = ttt();
        send(response.flags(0x40).i32(20, textOutTtt).data(Arrays.copyOf(text, cut)));
    }

    private void sendTargets(Session s, String value, List<String[]> answer) {
        List<DiscoveredTarget> targets = portal.catalog().discover(s.initiatorName, portal.address());
        for (DiscoveredTarget t : targets) {
            boolean wanted = s.discovery() ? value.equals("All") || value.equals(t.name())
                    : t.name().equals(s.targetName) && (value.isEmpty() || value.equals("All") || value.equals(s.targetName));
            if (wanted) {
                answer.add(new String[] {"TargetName", t.name()});
                t.addresses().forEach(a -> answer.add(new String[] {"TargetAddress", a}));
            }
        }
    }

    private static boolean knownKey(String key) {
        return switch (key) {
            case "HeaderDigest", "DataDigest", "MaxConnections", "InitialR2T", "ImmediateData", "MaxRecvDataSegmentLength",
                    "MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain", "MaxOutstandingR2T",
                    "DataPDUInOrder", "DataSequenceInOrder", "ErrorRecoveryLevel", "SessionType", "InitiatorName", "TargetName",
                    "InitiatorAlias", "TargetAlias", "TargetAddress", "TargetPortalGroupTag", "AuthMethod" -> true;
            default -> false;
        };
    }

    private void taskManagement(Session s, Pdu pdu) {
        // blocking waits for aborted commands: off the reader thread; the window slot is freed once answered
        boolean immediate = pdu.immediate();
        Thread.ofVirtual().name("iscsi-tmf").start(() -> {
            int function = pdu.flags() & 0x7f;
            int lun = decodeLun(pdu.lun());
            int response;
            if (s.discovery()) {
                response = 255;
            } else {
                response = switch (function) {
                    case 1 -> abortTask(pdu, lun);
                    case 2 -> {
                        abortAll(t -> t.lun == lun);
                        yield 0;
                    }
                    case 5 -> {
                        abortAll(t -> t.lun == lun);
                        s.target.reset(s.nexus, lun);
                        yield 0;
                    }
                    case 6 -> {
                        abortAll(t -> true);
                        s.target.reset(s.nexus, -1);
                        yield 0;
                    }
                    default -> 5; // CLEAR ACA, CLEAR TASK SET, TARGET COLD RESET, TASK REASSIGN: function not supported
                };
            }
            try {
                if (!immediate) {
                    window.complete();
                }
                send(Pdu.of(Opcode.TASK_MGMT_RESPONSE).flags(0x80).u8(2, response).itt(pdu.itt()));
            } catch (IOException e) {
                close("connection lost (" + e.getMessage() + ")");
            }
        });
    }

    private int abortTask(Pdu pdu, int lun) {
        int refItt = pdu.i32(20);
        int refCmdSn = pdu.i32(32);
        Task t = tasks.get(refItt);
        if (t == null || t.lun != lun) {
            // never received but inside the window and before this request: consider it received (RFC 7143 §11.5.1)
            return window.inWindow(refCmdSn) && CmdSnWindow.before(refCmdSn, pdu.i32(24)) ? 0 : 1;
        }
        return abortTask(t) ? 0 : 1;
    }

    private void abortAll(java.util.function.Predicate<Task> which) {
        tasks.values().stream().filter(which).toList().forEach(this::abortTask);
    }

    /** Aborts one task: no response for it; waits until its execution (if started) has ended. */
    private boolean abortTask(Task t) {
        if (!t.abort()) {
            awaitQuietly(t, DRAIN_MS);
            return false;
        }
        if (t.executing()) {
            awaitQuietly(t, DRAIN_MS);
        } else {
            release(t);
        }
        return true;
    }

    private void logout(Session s, Pdu pdu) throws IOException {
        int reason = pdu.flags() & 0x7f;
        int response = switch (reason) {
            case 0, 1 -> 0;
            case 2 -> 2; // connection recovery needs ErrorRecoveryLevel 2
            default -> throw new ProtocolViolation(Opcode.REJECT_INVALID_PDU_FIELD, "logout reason " + reason);
        };
        if (response == 0) {
            s.quiescing = true;
            drain(DRAIN_MS);
        }
        send(Pdu.of(Opcode.LOGOUT_RESPONSE).flags(0x80).u8(2, response).itt(pdu.itt()).u16(40, s.params.time2Wait())
                .u16(42, s.params.time2Retain()));
        if (response == 0) {
            closeReason = reason == 0 ? "logout (close session)" : "logout (close connection)";
            closing = true;
        }
    }

    /** Waits up to {@code millis} for the commands in flight; returns whether none is left. */
    boolean drain(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Task t : List.copyOf(tasks.values())) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !awaitQuietly(t, TimeUnit.NANOSECONDS.toMillis(left))) {
                return false;
            }
        }
        return tasks.isEmpty();
    }

    private static boolean awaitQuietly(Task t, long millis) {
        try {
            return t.done.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---------------------------------------------------------------- writing

    void reject(int reason, byte[] header) throws IOException {
        send(Pdu.of(Opcode.REJECT).flags(0x80).u8(2, reason).itt(Opcode.RESERVED_TAG).data(header));
    }

    /**
     * Sends one PDU, stamping StatSN (advanced for PDUs that carry status), ExpCmdSN and MaxCmdSN.
     * Serialised per connection; StatSN order is send order.
     */
    void send(Pdu pdu) throws IOException {
        writeLock.lock();
        try {
            int op = pdu.opcode();
            boolean status = Opcode.carriesStatus(op) || op == Opcode.DATA_IN && (pdu.flags() & 0x01) != 0
                    || op == Opcode.NOP_IN && pdu.itt() != Opcode.RESERVED_TAG;
            if (op == Opcode.DATA_IN && !status) {
                pdu.i32(24, 0);
            } else {
                pdu.i32(24, statSn);
            }
            if (status) {
                statSn++;
            }
            CmdSnWindow<Runnable> w = window;
            if (w != null) {
                pdu.i32(28, w.expCmdSn()).i32(32, w.maxCmdSn());
            }
            ByteBuffer[] parts = PduCodec.encode(pdu, headerDigest, dataDigest);
            long left = 0;
            for (ByteBuffer b : parts) {
                left += b.remaining();
            }
            while (left > 0) {
                left -= channel.write(parts);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private int ttt() {
        int t;
        do {
            t = nextTtt.getAndIncrement() & 0x7fffffff;
        } while (t == 0);
        return t;
    }

    // ---------------------------------------------------------------- helpers

    /** The CDB: the 16 bytes of the BHS plus an Extended CDB AHS; null when the AHS is malformed or bidirectional. */
    static byte[] cdb(Pdu pdu) {
        byte[] cdb = pdu.bytes(32, 16);
        ByteBuffer ahs = ByteBuffer.wrap(pdu.ahs());
        while (ahs.remaining() >= 4) {
            int length = ahs.getShort() & 0xffff;
            int type = ahs.get() & 0xff;
            int padded = (length + 3 + 3) / 4 * 4 - 3; // the AHS specific part after the type byte, padded to a word
            if (length < 1 || padded > ahs.remaining()) {
                return null;
            }
            byte[] specific = new byte[padded];
            ahs.get(specific);
            if (type != 1) {
                return null; // 2: bidirectional read length (not supported); others unknown
            }
            byte[] extended = Arrays.copyOfRange(specific, 1, length); // a reserved byte, then the CDB bytes beyond 16
            cdb = concat(cdb, extended);
        }
        return ahs.hasRemaining() ? null : cdb;
    }

    /**
     * The SCSI data-out length (SPDTL) a WRITE or WRITE AND VERIFY CDB asks for, in bytes of the
     * 512-byte logical blocks every LUN has (spec 50 §1 geometry), or -1 for other commands. The
     * write residual (U/O bits) is reported against it (RFC 7143 §11.4.5.1).
     */
    static long writeTransferLength(byte[] cdb) {
        ByteBuffer b = ByteBuffer.wrap(cdb);
        long blocks = switch (cdb[0] & 0xff) {
            case 0x0a -> (cdb[4] & 0xff) == 0 ? 256 : cdb[4] & 0xff;
            case 0x2a, 0x2e -> b.getShort(7) & 0xffff;
            case 0xaa, 0xae -> b.getInt(6) & 0xffffffffL;
            case 0x8a, 0x8e -> b.getInt(10) & 0xffffffffL;
            default -> -1;
        };
        return blocks < 0 ? -1 : blocks * LOGICAL_BLOCK;
    }

    /** The LUN of a LUN field (SAM-5 §4.7): peripheral (bus 0) or flat space addressing, single level. */
    static int decodeLun(long field) {
        if ((field & 0x0000ffffffffffffL) != 0) {
            return INVALID_LUN;
        }
        int b0 = (int) (field >>> 56) & 0xff;
        int b1 = (int) (field >>> 48) & 0xff;
        return switch (b0 >>> 6) {
            case 0 -> (b0 & 0x3f) == 0 ? b1 : INVALID_LUN;
            case 1 -> ((b0 & 0x3f) << 8) | b1;
            default -> INVALID_LUN;
        };
    }

    private static byte[] encode(List<String[]> pairs) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String[] p : pairs) {
            out.writeBytes((p[0] + "=" + p[1]).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Fixed-format sense data (SPC-4 §4.5.3), current error. */
    static byte[] sense(int key, int asc, int ascq) {
        byte[] s = new byte[18];
        s[0] = 0x70;
        s[2] = (byte) key;
        s[7] = 10;
        s[12] = (byte) asc;
        s[13] = (byte) ascq;
        return s;
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /** A protocol error that ends the connection (ErrorRecoveryLevel 0) after a Reject. */
    static final class ProtocolViolation extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int reason;

        ProtocolViolation(int reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
