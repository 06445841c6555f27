package io.cairn.storage.medusa.internal.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.cairn.cluster.api.NodeIdentity;

/**
 * Decides which nodes are the members of each Medusa metadata shard (one Raft group of {@code rf}
 * members per shard, over a fixed number of shards) and which member is the shard's preferred
 * leader (index 0 of its member list).
 *
 * <p>The rules, in priority order:
 * <ol>
 * <li><b>Valid</b>: every shard gets {@code rf} distinct nodes that may hold replicas; members that
 * were detached are dropped.</li>
 * <li><b>Fault domains</b>: at the level {@link #awareness(List, int)} chooses, no two members of a
 * shard share a domain; a shard that cannot be filled that way falls back to node level alone.
 * Below rack level, members are still spread over racks, then blocks, where load allows.</li>
 * <li><b>Minimal movement</b>: current members that are still eligible stay; a shard that lost
 * members is refilled with the least-loaded eligible nodes.</li>
 * <li><b>Balance</b>: replica counts per node differ by at most one where the domain constraint
 * allows, reached by moving single replicas from the most- to the least-loaded nodes, so a join
 * moves about 1/N of the replicas (to the new node) and a removal moves only the removed node's.</li>
 * <li><b>Preferred leaders</b>: leader counts per node differ by at most one where membership allows,
 * keeping current preferred leaders wherever that balance permits.</li>
 * <li><b>Deterministic</b>: ties go to the lower node UUID string, then the lower shard number.</li>
 * </ol>
 * Pure and stateless; the caller persists the result and reconciles the Raft groups towards it.
 */
public final class ShardPlacement {

    private ShardPlacement() {
    }

    /**
     * The metadata awareness rule (spec 20 §10): with X the number of nodes in the largest domain,
     * the other domains together hold at least {@code (rf - 1) · X} nodes, and there are at least
     * {@code rf} domains. Only then can every shard take its members from distinct domains while
     * every node still carries an equal share. Empty domains (size 0) are ignored.
     *
     * @param domainSizes the number of nodes in each domain (block or rack)
     * @param rf the replication factor (members per shard)
     * @throws IllegalArgumentException when {@code rf < 1} or a size is negative
     */
    public static boolean metadataAware(List<Integer> domainSizes, int rf) {
        Objects.requireNonNull(domainSizes, "domainSizes");
        if (rf < 1) {
            throw new IllegalArgumentException("rf must be at least 1 but was " + rf);
        }
        int domains = 0;
        long total = 0;
        int largest = 0;
        for (Integer size : domainSizes) {
            if (size == null || size < 0) {
                throw new IllegalArgumentException("domain sizes must be non-negative but were " + domainSizes);
            }
            if (size > 0) {
                domains++;
                total += size;
                largest = Math.max(largest, size);
            }
        }
        return domains >= rf && total - largest >= (long) (rf - 1) * largest;
    }

    /**
     * The level at which shard members are kept apart: {@link Awareness#RACK} when the
     * {@linkplain #metadataAware(List, int) rule} holds over the racks (counting nodes per rack) and
     * there is more than one rack, else {@link Awareness#BLOCK} when it holds over the blocks, else
     * {@link Awareness#NODE}.
     *
     * @throws IllegalArgumentException when {@code rf < 1}
     */
    public static Awareness awareness(List<NodeIdentity> nodes, int rf) {
        Objects.requireNonNull(nodes, "nodes");
        Map<String, Integer> perRack = new TreeMap<>();
        Map<String, Integer> perBlock = new TreeMap<>();
        for (NodeIdentity node : nodes) {
            perRack.merge(domain(node, Awareness.RACK), 1, Integer::sum);
            perBlock.merge(domain(node, Awareness.BLOCK), 1, Integer::sum);
        }
        if (perRack.size() > 1 && metadataAware(List.copyOf(perRack.values()), rf)) {
            return Awareness.RACK;
        }
        if (metadataAware(List.copyOf(perBlock.values()), rf)) {
            return Awareness.BLOCK;
        }
        return Awareness.NODE;
    }

    /** The key of the domain {@code node} sits in at {@code level}: its rack, its rack/block, or its UUID. */
    public static String domain(NodeIdentity node, Awareness level) {
        return switch (level) {
            case RACK -> node.faultDomain().rack();
            case BLOCK -> node.faultDomain().rack() + "/" + node.faultDomain().block();
            case NODE -> node.uuid().toString();
        };
    }

    /**
     * The target membership of every shard {@code 0..shardCount-1} (see the class comment for the
     * rules). Current members no longer in {@code nodes} count as detached and are replaced; entries
     * of {@code current} for shards outside the range are ignored. The order of {@code nodes} does
     * not matter.
     *
     * @param current the current membership per shard, preferred leader first; may be empty
     * @param shardCount the fixed number of shards
     * @param nodes the nodes that may hold replicas (distinct UUIDs)
     * @param rf the replication factor: odd and at least 1
     * @return an unmodifiable map, in shard order, from shard to an unmodifiable list of exactly
     *         {@code rf} distinct node UUIDs, preferred leader first, then the members that were
     *         already members (in their current order), then the new ones
     * @throws IllegalArgumentException when {@code rf} is even or below 1, {@code shardCount < 1},
     *         there are fewer than {@code rf} nodes, or two nodes share a UUID
     */
    public static Map<Integer, List<UUID>> target(Map<Integer, List<UUID>> current, int shardCount,
            List<NodeIdentity> nodes, int rf) {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(nodes, "nodes");
        if (rf < 1 || rf % 2 == 0) {
            throw new IllegalArgumentException("rf must be an odd number of at least 1 (3 at FT1, 5 at FT2) but was " + rf);
        }
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be at least 1 but was " + shardCount);
        }
        if (nodes.size() < rf) {
            throw new IllegalArgumentException("rf " + rf + " needs at least " + rf + " nodes to hold replicas but only "
                    + nodes.size() + (nodes.size() == 1 ? " is" : " are") + " available");
        }
        return new Planner(current, shardCount, nodes, rf).plan();
    }

    /** One computation of {@link #target}; nodes are indices into {@link #node}, ordered by UUID string. */
    private static final class Planner {

        private final int rf;
        private final NodeIdentity[] node;
        private final int[] rack;
        private final int[] block;
        private final int[] load;
        private final Shard[] shards;

        Planner(Map<Integer, List<UUID>> current, int shardCount, List<NodeIdentity> nodes, int rf) {
            this.rf = rf;
            this.node = nodes.stream()
                    .map(n -> Objects.requireNonNull(n, "nodes must not contain null"))
                    .sorted(Comparator.comparing(n -> n.uuid().toString()))
                    .toArray(NodeIdentity[]::new);
            int n = node.length;
            Map<UUID, Integer> index = new HashMap<>();
            Map<String, Integer> rackIds = new HashMap<>();
            Map<String, Integer> blockIds = new HashMap<>();
            rack = new int[n];
            block = new int[n];
            load = new int[n];
            for (int i = 0; i < n; i++) {
                if (index.putIfAbsent(node[i].uuid(), i) != null) {
                    throw new IllegalArgumentException("node " + node[i].uuid() + " is listed more than once");
                }
                rack[i] = rackIds.computeIfAbsent(domain(node[i], Awareness.RACK), k -> rackIds.size());
                block[i] = blockIds.computeIfAbsent(domain(node[i], Awareness.BLOCK), k -> blockIds.size());
            }
            Awareness level = awareness(nodes, rf);
            shards = new Shard[shardCount];
            for (int s = 0; s < shardCount; s++) {
                List<UUID> was = current.get(s);
                List<Integer> still = new ArrayList<>();
                int leader = -1;
                if (was != null) {
                    for (UUID u : was) {
                        Integer i = u == null ? null : index.get(u);
                        if (i != null && !still.contains(i)) {
                            still.add(i);
                        }
                    }
                    Integer first = was.isEmpty() || was.getFirst() == null ? null : index.get(was.getFirst());
                    leader = first == null ? -1 : first;
                }
                shards[s] = new Shard(s, List.copyOf(still), leader, level);
            }
        }

        Map<Integer, List<UUID>> plan() {
            keep();
            refill();
            rebalance();
            improveSpread();
            int[] leader = leaders();
            Map<Integer, List<UUID>> result = new TreeMap<>();
            for (Shard sh : shards) {
                int lead = leader[sh.number];
                List<UUID> ordered = new ArrayList<>(rf);
                ordered.add(node[lead].uuid());
                for (int i : sh.current) {
                    if (i != lead && sh.members.contains(i)) {
                        ordered.add(node[i].uuid());
                    }
                }
                for (int i : sh.members) {
                    if (i != lead && !sh.current.contains(i)) {
                        ordered.add(node[i].uuid());
                    }
                }
                result.put(sh.number, List.copyOf(ordered));
            }
            return Collections.unmodifiableMap(result);
        }

        /** Rule 3: every current member that is still eligible stays, up to rf per shard, earlier ones first. */
        private void keep() {
            for (Shard sh : shards) {
                for (int i : sh.current) {
                    if (sh.members.size() < rf && fits(sh, i, -1)) {
                        sh.members.add(i);
                        load[i]++;
                    }
                }
            }
        }

        /** Rules 2 and 3: each missing member is the least-loaded eligible node, best spread on ties. */
        private void refill() {
            for (Shard sh : shards) {
                while (sh.members.size() < rf) {
                    int best = -1;
                    int bestPenalty = 0;
                    for (int i = 0; i < node.length; i++) {
                        if (!fits(sh, i, -1)) {
                            continue;
                        }
                        int penalty = penalty(sh, i, -1);
                        if (best < 0 || load[i] < load[best] || load[i] == load[best] && penalty < bestPenalty) {
                            best = i;
                            bestPenalty = penalty;
                        }
                    }
                    if (best >= 0) {
                        sh.members.add(best);
                        load[best]++;
                    } else if (sh.level != Awareness.NODE) {
                        sh.level = Awareness.NODE; // rule 2: this shard alone falls back to distinct nodes
                    } else {
                        throw new IllegalStateException("no node left for shard " + sh.number); // nodes >= rf
                    }
                }
            }
        }

        /**
         * Rule 4: moves single replicas from more- to less-loaded nodes (loads at least two apart)
         * until no such move keeps rule 2. A chain of moves in distinct shards (a → b in one shard,
         * b → c in another, ...) shifts one replica from a to c and leaves the nodes in between as
         * they were; chains serve where single moves are blocked. Replicas placed by this computation
         * move first (singly, then in chains), since moving them again costs nothing. Every move or
         * chain lowers the sum of squared loads, so this ends.
         */
        private void rebalance() {
            while (true) {
                List<Move> moves = findMove(true);
                if (moves == null) {
                    moves = findChain(true);
                }
                if (moves == null) {
                    moves = findMove(false);
                }
                if (moves == null) {
                    moves = findChain(false);
                }
                if (moves == null) {
                    return;
                }
                for (Move move : moves) {
                    Shard sh = shards[move.shard];
                    sh.members.remove(Integer.valueOf(move.from));
                    sh.members.add(move.to);
                    load[move.from]--;
                    load[move.to]++;
                }
            }
        }

        /** The first single move from the most-loaded donors to the least-loaded receivers, or null. */
        private List<Move> findMove(boolean placedHereOnly) {
            Integer[] receivers = byLoad(1);
            for (int from : byLoad(-1)) {
                for (int to : receivers) {
                    if (load[from] - load[to] < 2) {
                        break;
                    }
                    Shard sh = bestShard(from, to, placedHereOnly, Set.of());
                    if (sh != null) {
                        return List.of(new Move(sh.number, from, to));
                    }
                }
            }
            return null;
        }

        /**
         * The shortest chain of moves, each in a different shard, from a most-loaded donor to a node
         * carrying at least two replicas fewer, or null. A chain of replicas placed by this computation
         * alone re-routes the refill, so it costs no movement.
         */
        private List<Move> findChain(boolean placedHereOnly) {
            int n = node.length;
            int least = Arrays.stream(load).min().orElse(0);
            for (int from : byLoad(-1)) {
                if (load[from] - least < 2) {
                    return null;
                }
                int[] parent = new int[n];
                int[] via = new int[n];
                boolean[] seen = new boolean[n];
                seen[from] = true;
                List<Integer> frontier = List.of(from);
                while (!frontier.isEmpty()) {
                    List<Integer> next = new ArrayList<>();
                    for (int x : frontier) {
                        Set<Integer> used = new HashSet<>();
                        for (int y = x; y != from; y = parent[y]) {
                            used.add(via[y]);
                        }
                        for (int v = 0; v < n; v++) {
                            Shard sh = seen[v] ? null : bestShard(x, v, placedHereOnly, used);
                            if (sh != null) {
                                seen[v] = true;
                                parent[v] = x;
                                via[v] = sh.number;
                                next.add(v);
                            }
                        }
                    }
                    int to = -1;
                    for (int v : next) {
                        if (load[v] <= load[from] - 2 && (to < 0 || load[v] < load[to] || load[v] == load[to] && v < to)) {
                            to = v;
                        }
                    }
                    if (to >= 0) {
                        List<Move> chain = new ArrayList<>();
                        for (int y = to; y != from; y = parent[y]) {
                            chain.addFirst(new Move(via[y], parent[y], y));
                        }
                        return chain;
                    }
                    frontier = next;
                }
            }
            return null;
        }

        /**
         * The best shard in which {@code to} can replace {@code from} under rule 2, or null: replicas
         * placed by this computation first (rule 3), then the best spread over racks and blocks, then
         * a shard {@code from} does not currently lead (rule 5), then the lowest shard number.
         */
        private Shard bestShard(int from, int to, boolean placedHereOnly, Set<Integer> excluded) {
            Shard best = null;
            int[] bestKey = null;
            for (Shard sh : shards) {
                if (excluded.contains(sh.number) || !sh.members.contains(from) || sh.members.contains(to)
                        || !fits(sh, to, from)) {
                    continue;
                }
                boolean placedHere = !sh.current.contains(from);
                if (placedHereOnly && !placedHere) {
                    continue;
                }
                int[] key = {placedHere ? 0 : 1, penalty(sh, to, from) - penalty(sh, from, from),
                    sh.currentLeader == from ? 1 : 0};
                if (bestKey == null || Arrays.compare(key, bestKey) < 0) {
                    best = sh;
                    bestKey = key;
                }
            }
            return best;
        }

        /** Node indices by load, ascending ({@code sign} 1) or descending (-1), then by UUID order. */
        private Integer[] byLoad(int sign) {
            Integer[] order = new Integer[node.length];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.<Integer>comparingInt(i -> sign * load[i]).thenComparingInt(i -> i));
            return order;
        }

        /**
         * Below rack level, swaps pairs of replicas placed by this computation between shards (loads
         * stay as they are, nothing else moves) while that spreads members over more racks, then
         * blocks, than the greedy choice did.
         */
        private void improveSpread() {
            boolean swapped = true;
            while (swapped) {
                swapped = false;
                search:
                for (Shard a : shards) {
                    for (int x : a.members) {
                        if (a.current.contains(x)) {
                            continue;
                        }
                        for (int s = a.number + 1; s < shards.length; s++) {
                            Shard b = shards[s];
                            if (b.members.contains(x)) {
                                continue;
                            }
                            for (int y : b.members) {
                                if (b.current.contains(y) || a.members.contains(y) || !fits(a, y, x) || !fits(b, x, y)) {
                                    continue;
                                }
                                int gain = penalty(a, x, x) - penalty(a, y, x) + penalty(b, y, y) - penalty(b, x, y);
                                if (gain > 0) {
                                    a.members.set(a.members.indexOf(x), y);
                                    b.members.set(b.members.indexOf(y), x);
                                    swapped = true;
                                    break search;
                                }
                            }
                        }
                    }
                }
            }
        }

        /**
         * Rule 5: keeps each current preferred leader that is still a member, gives every other shard
         * to its member leading fewest shards, then shifts leaderships along shortest alternating
         * paths (shard led by u → its member v → a shard v leads → ...) from a node leading k shards
         * to one leading at most k - 2. When no such path is left the leader counts are as even as the
         * membership permits (the cost-reducing-path optimality of semi-matchings).
         */
        private int[] leaders() {
            int[] leader = new int[shards.length];
            int[] count = new int[node.length];
            for (Shard sh : shards) {
                leader[sh.number] = sh.members.contains(sh.currentLeader) ? sh.currentLeader : -1;
                if (leader[sh.number] >= 0) {
                    count[leader[sh.number]]++;
                }
            }
            for (Shard sh : shards) {
                if (leader[sh.number] < 0) {
                    int best = -1;
                    for (int i : sh.members) {
                        if (best < 0 || Arrays.compare(leaderKey(sh, i, count), leaderKey(sh, best, count)) < 0) {
                            best = i;
                        }
                    }
                    leader[sh.number] = best;
                    count[best]++;
                }
            }
            boolean shifted = true;
            while (shifted) {
                shifted = false;
                Integer[] busiest = new Integer[node.length];
                Arrays.setAll(busiest, i -> i);
                Arrays.sort(busiest, Comparator.<Integer>comparingInt(i -> -count[i]).thenComparingInt(i -> i));
                for (int u : busiest) {
                    if (shiftLeadership(u, leader, count)) {
                        shifted = true;
                        break;
                    }
                }
            }
            return leader;
        }

        /** Fewest leaderships, then a member that already was one (it has the log), then UUID order. */
        private static int[] leaderKey(Shard sh, int i, int[] count) {
            return new int[] {count[i], sh.current.contains(i) ? 0 : 1, i};
        }

        private boolean shiftLeadership(int u, int[] leader, int[] count) {
            int n = node.length;
            int[] parentNode = new int[n];
            int[] parentShard = new int[n];
            boolean[] seen = new boolean[n];
            seen[u] = true;
            List<Integer> frontier = List.of(u);
            while (!frontier.isEmpty()) {
                List<Integer> next = new ArrayList<>();
                for (int x : frontier) {
                    for (Shard sh : ledBy(x, leader)) {
                        List<Integer> members = new ArrayList<>(sh.members);
                        Collections.sort(members);
                        for (int y : members) {
                            if (!seen[y]) {
                                seen[y] = true;
                                parentNode[y] = x;
                                parentShard[y] = sh.number;
                                next.add(y);
                            }
                        }
                    }
                }
                int target = -1;
                for (int y : next) {
                    if (count[y] <= count[u] - 2 && (target < 0 || count[y] < count[target]
                            || count[y] == count[target] && y < target)) {
                        target = y;
                    }
                }
                if (target >= 0) {
                    for (int y = target; y != u; y = parentNode[y]) {
                        leader[parentShard[y]] = y;
                    }
                    count[u]--;
                    count[target]++;
                    return true;
                }
                frontier = next;
            }
            return false;
        }

        /** The shards {@code x} leads, those it did not already lead before this computation first. */
        private List<Shard> ledBy(int x, int[] leader) {
            List<Shard> led = new ArrayList<>();
            for (Shard sh : shards) {
                if (leader[sh.number] == x && sh.currentLeader != x) {
                    led.add(sh);
                }
            }
            for (Shard sh : shards) {
                if (leader[sh.number] == x && sh.currentLeader == x) {
                    led.add(sh);
                }
            }
            return led;
        }

        /** Whether {@code candidate} may join {@code sh} in place of {@code replacing} (-1: none) under rule 2. */
        private boolean fits(Shard sh, int candidate, int replacing) {
            for (int m : sh.members) {
                if (m == replacing) {
                    continue;
                }
                if (m == candidate || sh.level != Awareness.NODE && domainId(m, sh.level) == domainId(candidate, sh.level)) {
                    return false;
                }
            }
            return true;
        }

        /** How crowded {@code candidate} would make {@code sh}'s racks, then blocks, without {@code replacing}. */
        private int penalty(Shard sh, int candidate, int replacing) {
            int sameRack = 0;
            int sameBlock = 0;
            for (int m : sh.members) {
                if (m != replacing && m != candidate) {
                    sameRack += rack[m] == rack[candidate] ? 1 : 0;
                    sameBlock += block[m] == block[candidate] ? 1 : 0;
                }
            }
            return sameRack * (rf + 1) + sameBlock;
        }

        private int domainId(int i, Awareness level) {
            return switch (level) {
                case RACK -> rack[i];
                case BLOCK -> block[i];
                case NODE -> i;
            };
        }
    }

    /** One shard's state during planning; {@code current} holds the still-eligible current members in order. */
    private static final class Shard {

        final int number;
        final List<Integer> current;
        final int currentLeader;
        final List<Integer> members = new ArrayList<>();
        Awareness level;

        Shard(int number, List<Integer> current, int currentLeader, Awareness level) {
            this.number = number;
            this.current = current;
            this.currentLeader = currentLeader;
            this.level = level;
        }
    }

    private record Move(int shard, int from, int to) {
    }
}
