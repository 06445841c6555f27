package io.cairn.storage.stargate.internal.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.api.ZeusLock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.storage.api.iscsi.ReservationStore.Versioned;

class ZeusReservationsTest {

    static final String LU = "8b1c7a52-5b0e-4d3a-9d0e-3f8f7c1a2b3c";

    /** Documents with versions and compare-and-set, and watches whose events the test delivers by hand. */
    static final class DocZeus implements Zeus {
        final Map<String, VersionedDocument> docs = new HashMap<>();
        final Map<String, List<Consumer<Optional<VersionedDocument>>>> watchers = new HashMap<>();
        int reads;

        @Override
        public synchronized Optional<VersionedDocument> read(String document) {
            reads++;
            return Optional.ofNullable(docs.get(document));
        }

        @Override
        public synchronized VersionedDocument write(String document, byte[] data, int expectedVersion) {
            VersionedDocument cur = docs.get(document);
            int version = cur == null ? VersionedDocument.ABSENT : cur.version();
            if (version != expectedVersion) {
                throw new CairnException(ErrorCode.CONFLICT, "document " + document + " is at version " + version);
            }
            VersionedDocument next = new VersionedDocument(document, data, version + 1);
            docs.put(document, next);
            return next;
        }

        void deliver(String document, Optional<VersionedDocument> d) {
            List<Consumer<Optional<VersionedDocument>>> ws;
            synchronized (this) {
                ws = new ArrayList<>(watchers.getOrDefault(document, List.of()));
            }
            ws.forEach(w -> w.accept(d));
        }

        @Override
        public synchronized Registration watch(String document, Consumer<Optional<VersionedDocument>> listener) {
            watchers.computeIfAbsent(document, k -> new ArrayList<>()).add(listener);
            return () -> {
                synchronized (this) {
                    watchers.get(document).remove(listener);
                }
            };
        }

        @Override
        public ClusterConfig cluster() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> list(String prefix) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String document, int expectedVersion) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Presence announce(String service, Map<String, String> attributes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ServicePresence> presences() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Registration elect(String role, LeadershipListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<LeaderInfo> leaders() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<LeaderInfo> leader(String role) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ZeusLock lock(String name, Duration wait) {
            throw new UnsupportedOperationException();
        }
    }

    final DocZeus zeus = new DocZeus();
    final ZeusReservations a = new ZeusReservations(zeus);
    final ZeusReservations b = new ZeusReservations(zeus); // another node

    static byte[] bytes(String s) {
        return s.getBytes();
    }

    @Test
    void givenStateWrittenOnOneNode_thenTheOtherSeesItThroughItsWatch_andLoadsAreLocalAfterTheFirst() {
        assertThat(a.load(LU)).isEmpty();
        assertThat(b.load(LU)).isEmpty();
        Optional<Long> v1 = a.compareAndSet(LU, -1, bytes("registered"));
        assertThat(v1).hasValue(0L);
        assertThat(a.load(LU)).hasValueSatisfying(s -> assertThat(s.version()).isZero());
        String doc = ZeusReservations.document(LU);
        zeus.deliver(doc, zeus.read(doc));
        assertThat(b.load(LU)).hasValueSatisfying(s -> assertThat(new String(s.state())).isEqualTo("registered"));
        int reads = zeus.reads;
        b.load(LU);
        a.load(LU);
        assertThat(zeus.reads).as("mirrored: no Zeus read per command").isEqualTo(reads);
    }

    @Test
    void givenConcurrentChanges_thenOnlyOneCompareAndSetWins_andTheLoserLoadsTheWinnersState() {
        a.load(LU);
        b.load(LU);
        assertThat(a.compareAndSet(LU, -1, bytes("a"))).isPresent();
        assertThat(b.compareAndSet(LU, -1, bytes("b"))).as("b's view was stale").isEmpty();
        assertThat(b.load(LU)).hasValueSatisfying(s -> assertThat(new String(s.state())).isEqualTo("a"));
    }

    @Test
    void givenLateOrOldWatchEvents_thenTheStateNeverStepsBack_andAnAbsentEventNeverErasesAKnownState() {
        a.load(LU);
        String doc = ZeusReservations.document(LU);
        Optional<VersionedDocument> absent = Optional.empty();
        a.compareAndSet(LU, -1, bytes("v0"));
        VersionedDocument v0 = zeus.read(doc).orElseThrow();
        a.compareAndSet(LU, 0, bytes("v1"));
        zeus.deliver(doc, absent); // the watch's first read, taken before the first change, arriving late
        zeus.deliver(doc, Optional.of(v0)); // an older event
        Versioned now = a.load(LU).orElseThrow();
        assertThat(now.version()).isEqualTo(1);
        assertThat(new String(now.state())).isEqualTo("v1");
    }

    @Test
    void givenClosed_thenItsWatchesAreGone() {
        a.load(LU);
        a.close();
        assertThat(zeus.watchers.get(ZeusReservations.document(LU))).isEmpty();
    }
}
