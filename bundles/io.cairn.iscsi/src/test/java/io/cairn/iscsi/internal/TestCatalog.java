package io.cairn.iscsi.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.iscsi.TargetCatalog;

/** Test-only catalog: targets with RAM-disk LUNs, optional CHAP, and per-target decisions that override serving. */
final class TestCatalog implements TargetCatalog {

    record Target(String name, List<Integer> lunSizes, Optional<Chap> chap) {
    }

    final Map<String, Target> targets = new ConcurrentHashMap<>();
    final Map<String, LoginDecision> overrides = new ConcurrentHashMap<>();
    volatile Optional<Chap> discoveryChap = Optional.empty();
    /** What SendTargets advertises (the portal's own address once it is known). */
    volatile String advertised = "127.0.0.1:3260,1";
    /** Disks by target and LUN, created on first login and kept, so data survives sessions. */
    final Map<String, RamVDiskIo> disks = new ConcurrentHashMap<>();

    TestCatalog add(String name, Optional<Chap> chap, Integer... lunSizes) {
        targets.put(name, new Target(name, List.of(lunSizes), chap));
        return this;
    }

    @Override
    public List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress portal) {
        return targets.keySet().stream().sorted().map(n -> new DiscoveredTarget(n, List.of(advertised))).toList();
    }

    @Override
    public Optional<Chap> discoveryChap(String initiatorName) {
        return discoveryChap;
    }

    @Override
    public LoginDecision login(String initiatorName, String targetName, InetSocketAddress portal) {
        LoginDecision override = overrides.get(targetName);
        if (override != null) {
            return override;
        }
        Target t = targets.get(targetName);
        if (t == null) {
            return new LoginDecision.Refuse(2, 3, "no target " + targetName);
        }
        List<LogicalUnit> luns = new java.util.ArrayList<>();
        for (int i = 0; i < t.lunSizes().size(); i++) {
            String key = targetName + "/" + i;
            int size = t.lunSizes().get(i);
            RamVDiskIo io = disks.computeIfAbsent(key, k -> new RamVDiskIo(k, size));
            luns.add(new LogicalUnit(i, io, io.vdisk().uuid().toString()));
        }
        return new LoginDecision.Serve(targetName, luns, t.chap());
    }

    static final ReservationStore NO_RESERVATIONS = new ReservationStore() {
        @Override
        public Optional<Versioned> load(String luId) {
            return Optional.empty();
        }

        @Override
        public Optional<Long> compareAndSet(String luId, long expectedVersion, byte[] state) {
            return Optional.of(expectedVersion + 1);
        }
    };
}
