package io.cairn.storage.medusa.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.Credentials;

/**
 * This node's Apache Ratis server (one server, one Raft group per shard replica the node holds)
 * and the clients it uses to reach any shard. Transport is gRPC over mutual TLS with the cluster
 * CA: no peer or client without a cluster certificate gets in.
 */
final class RatisNode implements AutoCloseable {

    /** Tuning, measured in bench/medusa.sh; see the bundle readme. */
    record Tuning(int port, TimeDuration electionMin, TimeDuration electionMax, TimeDuration requestTimeout,
            int clientAttempts, long snapshotEvery) {
    }

    private final Logger logger = LoggerFactory.getLogger(RatisNode.class);
    private final UUID self;
    private final Function<UUID, String> addressOf;
    private final RaftProperties properties;
    private final Parameters parameters;
    private final RaftServer server;
    private final Tuning tuning;
    private final Map<String, RaftClient> clients = new ConcurrentHashMap<>();
    private final Map<RaftClient, Long> retired = new java.util.HashMap<>();
    private final Map<UUID, RaftClient> admins = new ConcurrentHashMap<>();
    private final ClientId localClient = ClientId.randomId();
    private final java.util.concurrent.atomic.AtomicLong localCalls = new java.util.concurrent.atomic.AtomicLong();

    RatisNode(UUID self, String ip, Path storage, Credentials credentials, ShardStore store, Tuning tuning,
            Function<UUID, String> addressOf) throws IOException {
        this(self, ip, storage, credentials, null, store, tuning, addressOf);
    }

    /**
     * @param keyManager what the gRPC server and clients present, consulted at each TLS handshake (the node's
     *        {@code NodeTrust.keyManager()}, so a renewed certificate is served on new connections); null: {@code credentials}' key
     */
    RatisNode(UUID self, String ip, Path storage, Credentials credentials, javax.net.ssl.KeyManager keyManager, ShardStore store, Tuning tuning,
            Function<UUID, String> addressOf) throws IOException {
        this.self = self;
        this.tuning = tuning;
        this.addressOf = addressOf;
        this.properties = properties(ip, storage, tuning);
        this.parameters = new Parameters();
        GrpcTlsConfig tls = tls(credentials, keyManager);
        GrpcConfigKeys.TLS.setConf(parameters, tls);
        GrpcConfigKeys.Server.setTlsConf(parameters, tls);
        GrpcConfigKeys.Client.setTlsConf(parameters, tls);
        GrpcConfigKeys.Admin.setTlsConf(parameters, tls);
        this.server = RaftServer.newBuilder().setServerId(peerId(self)).setProperties(properties).setParameters(parameters)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .setStateMachineRegistry(group -> new ShardStateMachine(store, group)).build();
        server.start();
    }

    private static RaftProperties properties(String ip, Path storage, Tuning t) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, ip);
        GrpcConfigKeys.Server.setPort(p, t.port());
        RaftServerConfigKeys.setStorageDir(p, List.of(storage.toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, t.electionMin());
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, t.electionMax());
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, t.requestTimeout());
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        // linearizable reads under the leader's lease: while a majority acknowledged its heartbeats within 0.9 of the
        // minimum election timeout, no other leader can exist, so the leader answers from its applied state without a
        // ReadIndex round to the followers first (Ratis falls back to ReadIndex when the lease has lapsed)
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.Read.setLeaderLeaseTimeoutRatio(p, 0.9);
        RaftServerConfigKeys.Read.setTimeout(p, t.requestTimeout());
        // a node hosts many groups: small buffers (the default is 8 MB of direct memory per group)
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("2200KB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("2MB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        // no commit-index ("metadata") entry after each commit: by default the leader appends and replicates
        // one per committed write, doubling log appends and fsyncs. It only lets a restarted replica apply
        // committed entries before it hears from a leader; Medusa serves nothing without a quorum, so it waits.
        // Every acknowledged write is still fsynced in the logs of a majority (Ozone OM/SCM do the same, HDDS-13281).
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, t.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, t.requestTimeout());
        return p;
    }

    private static GrpcTlsConfig tls(Credentials c, javax.net.ssl.KeyManager keyManager) throws IOException {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry("node", c.key(), none, new Certificate[] {c.certificate(), c.ca()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("cluster-ca", c.ca());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return new GrpcTlsConfig(keyManager != null ? keyManager : kmf.getKeyManagers()[0], tmf.getTrustManagers()[0], true);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot build the TLS configuration from the node's cluster certificate", e);
        }
    }

    static RaftPeerId peerId(UUID node) {
        return RaftPeerId.valueOf(node.toString());
    }

    RaftPeer peer(UUID node, int priority) {
        return RaftPeer.newBuilder().setId(peerId(node)).setAddress(addressOf.apply(node) + ":" + tuning.port())
                .setPriority(priority).build();
    }

    /**
     * The Raft group of a shard. Every member has the same Raft priority: with a higher priority,
     * Ratis' leader keeps handing leadership to that member while it is down but still looks caught
     * up, refusing writes meanwhile; the Medusa leader moves leadership to preferred members instead
     * ({@link MedusaController}), only when they are up and caught up.
     */
    RaftGroup group(ShardMap.Group g) {
        List<RaftPeer> peers = new ArrayList<>();
        for (UUID member : g.members()) {
            peers.add(peer(member, 0));
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(g.group()), peers);
    }

    /**
     * A client for the shard's current members, cached per membership. A client of an older membership
     * is closed a minute after it was replaced (calls still running on it finish first).
     */
    RaftClient client(ShardMap.Group g) {
        String key = g.group() + "/" + g.members();
        RaftClient c = clients.get(key);
        if (c != null) {
            return c;
        }
        synchronized (clients) {
            c = clients.get(key);
            if (c == null) {
                long now = System.nanoTime();
                String prefix = g.group() + "/";
                clients.entrySet().removeIf(e -> {
                    if (e.getKey().startsWith(prefix)) {
                        retired.put(e.getValue(), now);
                        return true;
                    }
                    return false;
                });
                retired.entrySet().removeIf(e -> {
                    if (now - e.getValue() > java.util.concurrent.TimeUnit.MINUTES.toNanos(1)) {
                        closeQuietly(e.getKey());
                        return true;
                    }
                    return false;
                });
                c = newClient(group(g), tuning.clientAttempts());
                clients.put(key, c);
            }
            return c;
        }
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    RaftClient newClient(RaftGroup group, int attempts) {
        return newClient(group, attempts, null);
    }

    /** A client that sends its first request to {@code leader} (null: to the group's first member). */
    RaftClient newClient(RaftGroup group, int attempts, RaftPeerId leader) {
        RaftClient.Builder b = RaftClient.newBuilder().setClientId(ClientId.randomId()).setProperties(properties).setParameters(parameters)
                .setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts, TimeDuration.valueOf(100, java.util.concurrent.TimeUnit.MILLISECONDS)));
        if (leader != null) {
            b.setLeaderId(leader);
        }
        return b.build();
    }

    /**
     * The client that talks to {@code member} itself, for group management there (add, remove, info of
     * any group: those requests name their group). One per member, kept open: its TLS channel is reused
     * by every status pass and membership change instead of a new handshake per call. Not closed by callers.
     */
    /** The group id admin clients carry (Ratis refuses the empty one); their requests name their own group. */
    private static final RaftGroupId ADMIN_GROUP = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("cairn-medusa-admin".getBytes(java.nio.charset.StandardCharsets.UTF_8)));

    RaftClient admin(UUID member) {
        return admins.computeIfAbsent(member, m -> newClient(RaftGroup.valueOf(ADMIN_GROUP, peer(m, 0)), 2));
    }

    /**
     * Sends a request straight to this node's replica of {@code group} when that replica leads it: no
     * gRPC, TLS or serialisation for the third of the requests whose leader is local. Returns null when
     * the replica is absent or does not lead (then the caller goes through its {@link #client}).
     * A leader that steps down answers such a request with NotLeaderException even when the entry
     * is already in a majority's log; the caller then sends it again (through the client), and the
     * request id in the command keeps it from being applied twice ({@link ShardStateMachine}).
     */
    java.util.concurrent.CompletableFuture<org.apache.ratis.protocol.RaftClientReply> submitLocal(RaftGroupId group,
            org.apache.ratis.protocol.Message message, boolean readOnly) {
        RaftServer.Division d;
        try {
            d = server.getDivision(group);
        } catch (IOException e) {
            return null;
        }
        if (!d.getInfo().isLeaderReady()) {
            return null;
        }
        org.apache.ratis.protocol.RaftClientRequest request = org.apache.ratis.protocol.RaftClientRequest.newBuilder()
                .setClientId(localClient).setServerId(server.getId()).setGroupId(group).setCallId(localCalls.incrementAndGet())
                .setMessage(message).setTimeoutMs(tuning.requestTimeout().toLong(java.util.concurrent.TimeUnit.MILLISECONDS))
                .setType(readOnly ? org.apache.ratis.protocol.RaftClientRequest.readRequestType()
                        : org.apache.ratis.protocol.RaftClientRequest.writeRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    RaftServer server() {
        return server;
    }

    /** Whether this node's replica of a group leads and takes writes ({@link #writeState}). */
    enum WriteState {
        /** leads and takes writes */
        ACCEPTING,
        /** leads but refuses every write: a leadership transfer is pending (or was left pending, see {@link #unstick}) */
        STEPPING_DOWN,
        /** does not lead (or is absent, or did not answer the probe) */
        NOT_LEADING
    }

    /**
     * Asks this node's replica of {@code group} whether it takes writes, with a write that the state machine
     * refuses before the log ({@link Codec#PROBE}): nothing is written. In process, no network.
     */
    WriteState writeState(RaftGroupId group) {
        RaftServer.Division d;
        try {
            d = server.getDivision(group);
        } catch (IOException e) {
            return WriteState.NOT_LEADING;
        }
        if (!d.getInfo().isLeaderReady()) {
            return WriteState.NOT_LEADING;
        }
        var future = submitLocal(group, org.apache.ratis.protocol.Message.valueOf(
                org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(Codec.probe())), false);
        if (future == null) {
            return WriteState.NOT_LEADING;
        }
        try {
            org.apache.ratis.protocol.RaftClientReply reply = future.get(2, java.util.concurrent.TimeUnit.SECONDS);
            Throwable e = reply.getException();
            if (e instanceof org.apache.ratis.protocol.exceptions.LeaderSteppingDownException) {
                return WriteState.STEPPING_DOWN;
            }
            if (e instanceof org.apache.ratis.protocol.exceptions.StateMachineException && e.getCause() instanceof ShardStateMachine.ProbeAnswer) {
                return WriteState.ACCEPTING;
            }
            return WriteState.NOT_LEADING;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return WriteState.NOT_LEADING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return WriteState.NOT_LEADING;
        }
    }

    /**
     * How long ago this node's replica of {@code group}, as leader, last heard from {@code member} (its
     * last answered append or heartbeat); empty when the replica does not lead or {@code member} is
     * not its follower. Heartbeats go every half election timeout, so a follower that is up and
     * reachable over the leader's channel answered less than one election timeout ago.
     */
    java.util.Optional<java.time.Duration> leaderLastHeardFrom(RaftGroupId group, UUID member) {
        try {
            return lastHeard(server.getDivision(group).getInfo().getRoleInfoProto(), member);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** {@link #leaderLastHeardFrom} from a leader's role information (local or from a group-info reply). */
    static java.util.Optional<java.time.Duration> lastHeard(org.apache.ratis.proto.RaftProtos.RoleInfoProto role, UUID member) {
        if (role.getRole() != org.apache.ratis.proto.RaftProtos.RaftPeerRole.LEADER || !role.hasLeaderInfo()) {
            return java.util.Optional.empty();
        }
        String id = member.toString();
        for (org.apache.ratis.proto.RaftProtos.ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
            if (f.getId().getId().toStringUtf8().equals(id)) {
                return java.util.Optional.of(java.time.Duration.ofMillis(f.getLastRpcElapsedTimeMs()));
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Makes this node's replica of {@code group} give up leadership (Ratis step-down; the group elects
     * again within an election timeout or two, possibly this replica). In process, no network.
     */
    boolean stepDown(RaftGroupId group) {
        try {
            org.apache.ratis.protocol.TransferLeadershipRequest request = new org.apache.ratis.protocol.TransferLeadershipRequest(
                    localClient, server.getId(), group, localCalls.incrementAndGet(), null,
                    tuning.requestTimeout().toLong(java.util.concurrent.TimeUnit.MILLISECONDS));
            return server.transferLeadershipAsync(request).get(tuning.requestTimeout().toLong(java.util.concurrent.TimeUnit.MILLISECONDS) + 1000,
                    java.util.concurrent.TimeUnit.MILLISECONDS).isSuccess();
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            logger.info("replica of group {} could not step down: {}", group.getUuid(), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Since when each local leader has been seen refusing writes as "stepping down" (nanoTime). */
    private final Map<RaftGroupId, Long> steppingDownSince = new ConcurrentHashMap<>();

    /**
     * Frees leaders that a failed leadership transfer left refusing writes. In Ratis 3.3.0 a transfer
     * whose first attempt fails at once (the StartLeaderElection call to the transferee fails before the
     * leader checks it: the transferee is down and the leader's channel to it in reconnect back-off; or
     * the leader's last entry changed in between; or the transferee has no log appender) completes the
     * caller's request with an error but never clears the leader's pending transfer
     * ({@code TransferLeadership.start} completes the request, not the transfer, and schedules no
     * timeout). The leader then answers every write with {@code LeaderSteppingDownException} and every
     * later transfer to the same member with the old error, until the group elects a leader again,
     * which without a failure never happens. A leader seen refusing writes for {@code stuckAfter}
     * (longer than any transfer Medusa asks for) steps down, which ends the stale transfer when the
     * group has elected again. Returns the groups that were told to step down.
     */
    List<RaftGroupId> unstick(java.time.Duration stuckAfter) {
        List<RaftGroupId> freed = new ArrayList<>();
        long now = System.nanoTime();
        List<RaftGroupId> groups = localGroups();
        steppingDownSince.keySet().retainAll(groups);
        for (RaftGroupId group : groups) {
            if (writeState(group) != WriteState.STEPPING_DOWN) {
                steppingDownSince.remove(group);
                continue;
            }
            long since = steppingDownSince.computeIfAbsent(group, g -> now);
            if (now - since < stuckAfter.toNanos()) {
                continue;
            }
            logger.info("replica of group {} has led while refusing every write for {} ms: a failed leadership transfer left it "
                    + "stepping down (Ratis 3.3.0); it steps down so that the group elects a leader again", group.getUuid(),
                    (now - since) / 1_000_000);
            steppingDownSince.remove(group);
            if (stepDown(group)) {
                freed.add(group);
            }
        }
        return freed;
    }


    /**
     * Replaces this server's gRPC channel to {@code node} (one channel per peer, shared by every local
     * group) with a new one, so the next append, vote request or leadership transfer to it connects at
     * once. Called when the node is back after being down: a channel whose connection attempts failed
     * waits out gRPC's exponential reconnect back-off (up to 120 s) before trying again. In Ratis 3.3.0
     * only a leader's log appender cuts that wait short (it resets the back-off after each failed append);
     * a candidate whose vote requests fail does not, so a shard that needs the returning member's vote
     * could stay without a leader for minutes. Ratis has no setting for the back-off. Blocks while the old
     * channel closes (seconds at most).
     */
    void reconnect(UUID node) {
        if (node.equals(self)) {
            return;
        }
        try {
            if (server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc) {
                rpc.getProxies().resetProxy(peerId(node));
            } else {
                logger.info("cannot reopen the Raft channel to node {}: the server transport {} keeps no per-peer channels", node,
                        server.getServerRpc().getClass().getSimpleName());
            }
        } catch (RuntimeException e) {
            logger.info("could not reopen the Raft channel to node {}; it reconnects after gRPC's back-off: {}", node, e.toString());
        }
    }

    UUID self() {
        return self;
    }

    List<RaftGroupId> localGroups() {
        List<RaftGroupId> ids = new ArrayList<>();
        server.getGroupIds().forEach(ids::add);
        return ids;
    }

    @Override
    public void close() throws IOException {
        synchronized (clients) {
            clients.values().forEach(RatisNode::closeQuietly);
            retired.keySet().forEach(RatisNode::closeQuietly);
            admins.values().forEach(RatisNode::closeQuietly);
            admins.clear();
            clients.clear();
            retired.clear();
        }
        server.close();
    }
}
