package io.cairn.storage.medusa.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Zeus document {@value #DOCUMENT}: the shard count, metadata RF, and per shard its Raft group
 * and members (preferred leader first) as last committed, plus a member being added. Written only
 * by the Medusa leader (fenced); read by every node. {@code down} records since when (cluster
 * clock, ms) a node has been down, {@code detached} the nodes taken out of the ring and
 * {@code back} since when a detached node has been up again.
 */
record ShardMap(int shards, int rf, List<Group> groups, Map<UUID, Long> down, List<UUID> detached, Map<UUID, Long> back) {

    static final String DOCUMENT = "medusa";
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    record Group(int shard, UUID group, List<UUID> members, UUID adding) {
        Group {
            members = List.copyOf(members);
        }

        Group withMembers(List<UUID> m, UUID add) {
            return new Group(shard, group, m, add);
        }
    }

    ShardMap {
        groups = List.copyOf(groups);
        down = new TreeMap<>(down == null ? Map.of() : down);
        detached = List.copyOf(detached == null ? List.of() : detached);
        back = new TreeMap<>(back == null ? Map.of() : back);
    }

    Group group(int shard) {
        return groups.get(shard);
    }

    ShardMap with(Group g) {
        List<Group> copy = new ArrayList<>(groups);
        copy.set(g.shard(), g);
        return new ShardMap(shards, rf, copy, down, detached, back);
    }

    ShardMap withHealth(Map<UUID, Long> down, List<UUID> detached, Map<UUID, Long> back) {
        return new ShardMap(shards, rf, groups, down, detached, back);
    }

    /** The nodes {@code earlier} had down that this map no longer has down: back up (or gone from the cluster). */
    Set<UUID> backSince(ShardMap earlier) {
        Set<UUID> back = new TreeSet<>(earlier.down().keySet());
        back.removeAll(down.keySet());
        return back;
    }

    /** The shard's Raft group id: derived from the cluster and the shard number, so it is stable. */
    static UUID groupId(UUID cluster, int shard) {
        return UUID.nameUUIDFromBytes((cluster + "/medusa/" + shard).getBytes(StandardCharsets.UTF_8));
    }

    byte[] toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ShardMap parse(byte[] json) {
        try {
            ShardMap m = JSON.readValue(json, ShardMap.class);
            Objects.requireNonNull(m.groups(), "groups");
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("the Zeus document 'medusa' is not a valid shard map: " + e.getMessage(), e);
        }
    }
}
