package io.cairn.storage.stargate.internal.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;

class VmDiskTargetsTest {

    static final UUID SELF = new UUID(0, 1);
    static final UUID OTHER = new UUID(0, 2);
    static final UUID DEAD = new UUID(0, 3);
    static final UUID CTR = new UUID(9, 9);
    static final InetSocketAddress PORTAL = new InetSocketAddress("127.0.1.5", 3261);

    final Map<UUID, VDisk> vdisks = new java.util.LinkedHashMap<>();
    final Map<UUID, UUID> owners = new java.util.HashMap<>();
    final Set<UUID> alive = Set.of(SELF, OTHER);
    final List<UUID> opened = new ArrayList<>();

    final VmDiskTargets targets = new VmDiskTargets(new VmDiskTargets.Disks() {
        @Override
        public List<VDisk> all() {
            return List.copyOf(vdisks.values());
        }

        @Override
        public Optional<VDisk> find(UUID vdisk) {
            return Optional.ofNullable(vdisks.get(vdisk));
        }

        @Override
        public Optional<UUID> owner(UUID vdisk) {
            return Optional.ofNullable(owners.get(vdisk));
        }

        @Override
        public boolean alive(UUID node) {
            return alive.contains(node);
        }

        @Override
        public UUID self() {
            return SELF;
        }

        @Override
        public String portal(UUID node) {
            return node.equals(OTHER) ? "127.0.1.6:3261" : "?";
        }

        @Override
        public VDiskIo open(UUID vdisk) {
            opened.add(vdisk);
            VDisk v = vdisks.get(vdisk);
            return new VDiskIo() {
                public VDisk vdisk() {
                    return v;
                }

                public void read(long offset, ByteBuffer dst) {
                }

                public void write(long offset, ByteBuffer src, boolean fua) {
                }

                public void writeZeroes(long offset, long length) {
                }

                public void trim(long offset, long length) {
                }

                public void flush() {
                }

                public void close() {
                }
            };
        }
    }, 1);

    UUID vdisk(String name) {
        UUID id = UUID.nameUUIDFromBytes(name.getBytes());
        vdisks.put(id, new VDisk(id, name, CTR, "ctr", 1 << 20, 2, null, 0));
        return id;
    }

    @Test
    void givenVDisks_thenDiscoveryListsEachAsATargetAtThisPortal() {
        UUID a = vdisk("a");
        UUID b = vdisk("b");
        assertThat(targets.discover("iqn.x", PORTAL)).extracting(t -> t.name() + " " + t.addresses())
                .containsExactly(VmDiskTargets.targetName(a) + " [127.0.1.5:3261,1]", VmDiskTargets.targetName(b) + " [127.0.1.5:3261,1]");
    }

    @Test
    void givenTheOwner_thenLoginsAreServedHereWhenItIsThisNodeOrNobodyLive_andRedirectedToALiveOtherOwner() {
        UUID mine = vdisk("mine");
        UUID theirs = vdisk("theirs");
        UUID orphan = vdisk("orphan");
        UUID unowned = vdisk("unowned");
        owners.put(mine, SELF);
        owners.put(theirs, OTHER);
        owners.put(orphan, DEAD);

        assertThat(targets.login("iqn.x", VmDiskTargets.targetName(mine), PORTAL)).isInstanceOfSatisfying(LoginDecision.Serve.class,
                s -> assertThat(s.luns()).singleElement().satisfies(l -> {
                    assertThat(l.lun()).isZero();
                    assertThat(l.luId()).isEqualTo(mine.toString());
                }));
        assertThat(targets.login("iqn.x", VmDiskTargets.targetName(theirs), PORTAL)).isEqualTo(new LoginDecision.Redirect("127.0.1.6:3261,1",
                false));
        assertThat(targets.login("iqn.x", VmDiskTargets.targetName(orphan), PORTAL)).isInstanceOf(LoginDecision.Serve.class);
        assertThat(targets.login("iqn.x", VmDiskTargets.targetName(unowned), PORTAL)).isInstanceOf(LoginDecision.Serve.class);
        assertThat(opened).containsExactly(mine, orphan, unowned);
    }

    @Test
    void givenNamesThatAreNotOurVDisks_thenTheLoginIsRefusedAsNotFound() {
        for (String name : List.of("iqn.2010-06.org.cairn:vmdisk-nope", "iqn.1999-01.com.example:disk", VmDiskTargets.targetName(UUID.randomUUID()))) {
            assertThat(targets.login("iqn.x", name, PORTAL)).isInstanceOfSatisfying(LoginDecision.Refuse.class, r -> {
                assertThat(r.statusClass()).isEqualTo(2);
                assertThat(r.statusDetail()).isEqualTo(3);
            });
        }
        assertThat(opened).isEmpty();
    }
}
