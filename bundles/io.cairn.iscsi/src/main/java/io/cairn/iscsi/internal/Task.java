package io.cairn.iscsi.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;

/**
 * One SCSI command of a connection, from its SCSI Command PDU to its response: the Data-Out it
 * collects (immediate data, then one R2T burst at a time) and its abort state. Data-Out state is
 * touched by the connection's reader thread only; the state transitions that race with task
 * management are synchronized on the task.
 */
final class Task {

    final int itt;
    final long lunField;
    final int lun;
    final byte[] cdb;
    final boolean read;
    final boolean write;
    final int edtl;
    final boolean immediate;
    final CountDownLatch done = new CountDownLatch(1);

    /** Every Data-Out byte (write commands), filled in offset order. */
    ByteBuffer dataOut;
    int received;
    // the R2T burst being answered
    int ttt = -1;
    int r2tSn;
    int burstOffset;
    int burstLength;
    int burstReceived;
    int nextDataSn;

    private boolean executing;
    private boolean responding;
    private boolean aborted;
    private boolean finished;

    Task(int itt, long lunField, int lun, byte[] cdb, boolean read, boolean write, int edtl, boolean immediate) {
        this.itt = itt;
        this.lunField = lunField;
        this.lun = lun;
        this.cdb = cdb;
        this.read = read;
        this.write = write;
        this.edtl = edtl;
        this.immediate = immediate;
    }

    /** Called before execution; false when it was aborted meanwhile. */
    synchronized boolean startExecuting() {
        if (aborted) {
            return false;
        }
        executing = true;
        return true;
    }

    /** Called before the response is sent; false when it was aborted (no response then). */
    synchronized boolean startResponding() {
        if (aborted) {
            return false;
        }
        responding = true;
        return true;
    }

    /**
     * Aborts the task unless its response is already on its way. Returns true when aborted (the
     * caller waits for {@link #done} if it was executing), false when it is completing anyway.
     */
    synchronized boolean abort() {
        if (responding || finished) {
            return false;
        }
        aborted = true;
        return true;
    }

    synchronized boolean executing() {
        return executing;
    }

    /** Marks the task finished; true the first time only (the caller then releases its window slot). */
    synchronized boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        done.countDown();
        return true;
    }
}
