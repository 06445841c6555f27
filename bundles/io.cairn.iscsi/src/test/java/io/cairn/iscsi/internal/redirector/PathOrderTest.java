package io.cairn.iscsi.internal.redirector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import io.cairn.storage.api.iscsi.PortalAddresses;

class PathOrderTest {

    private static final List<InetSocketAddress> REMOTES = List.of(new InetSocketAddress("10.0.0.1", 3261),
            new InetSocketAddress("10.0.0.2", 3261), new InetSocketAddress("10.0.0.3", 3261), new InetSocketAddress("10.0.0.4", 3261),
            new InetSocketAddress("10.0.0.5", 3261));

    private static String iqn(int i) {
        return "iqn.2010-06.org.cairn:vmdisk-" + new java.util.UUID(0x1234L, i);
    }

    @Test
    void givenAnIqn_whenOrderedTwiceInAnyInputOrder_thenTheSameTwoRemotesComeFirst() {
        List<InetSocketAddress> shuffled = new ArrayList<>(REMOTES);
        Collections.shuffle(shuffled, new Random(7));
        for (int i = 0; i < 50; i++) {
            List<InetSocketAddress> a = PathOrder.remotePaths(iqn(i), REMOTES, 2);
            assertThat(a).hasSize(2).doesNotHaveDuplicates();
            assertThat(PathOrder.remotePaths(iqn(i), shuffled, 2)).isEqualTo(a);
            assertThat(PathOrder.remotePaths(iqn(i), REMOTES, 5).subList(0, 2)).isEqualTo(a);
        }
    }

    @Test
    void givenManyIqns_whenOrdered_thenFirstChoicesSpreadOverEveryRemote() {
        Map<InetSocketAddress, Integer> first = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            first.merge(PathOrder.remotePaths(iqn(i), REMOTES, 1).get(0), 1, Integer::sum);
        }
        assertThat(first).containsOnlyKeys(REMOTES);
        assertThat(first.values()).allSatisfy(n -> assertThat(n).isBetween(300, 500)); // 400 each on average
    }

    @Test
    void givenARemoteRemoved_whenOrdered_thenOnlyTheIqnsThatRankedItFirstMove() {
        InetSocketAddress gone = REMOTES.get(2);
        List<InetSocketAddress> fewer = REMOTES.stream().filter(r -> !r.equals(gone)).toList();
        for (int i = 0; i < 500; i++) {
            InetSocketAddress before = PathOrder.remotePaths(iqn(i), REMOTES, 1).get(0);
            InetSocketAddress after = PathOrder.remotePaths(iqn(i), fewer, 1).get(0);
            if (!before.equals(gone)) {
                assertThat(after).isEqualTo(before);
            }
        }
    }

    @Test
    void givenIpv6_whenFormatted_thenBracketed() {
        assertThat(PortalAddresses.hostPort(new InetSocketAddress("::1", 3261))).isEqualTo("[0:0:0:0:0:0:0:1]:3261");
        assertThat(PortalAddresses.hostPort(new InetSocketAddress("192.168.5.254", 3261))).isEqualTo("192.168.5.254:3261");
    }
}
