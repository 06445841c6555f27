package io.cairn.storage.api.medusa;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One shard as seen by the node that answers: its Raft group, leader and term, members (the
 * preferred leader first), the leader's commit index, each member's lag behind it (log entries;
 * -1 when unknown), and the size of the answering node's replica.
 */
public record ShardStatus(int shard, String group, UUID leader, long term, List<UUID> members,
        long commitIndex, Map<UUID, Long> lag, long keys, long bytes, boolean available) {
    public ShardStatus {
        members = List.copyOf(members);
        lag = Map.copyOf(lag);
    }
}
