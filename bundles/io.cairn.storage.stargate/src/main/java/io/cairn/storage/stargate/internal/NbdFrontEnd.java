package io.cairn.storage.stargate.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;


import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.nbd.NbdErrno;
import io.cairn.storage.stargate.internal.nbd.NbdException;
import io.cairn.storage.stargate.internal.nbd.NbdExport;
import io.cairn.storage.stargate.internal.nbd.NbdExports;
import io.cairn.storage.stargate.internal.nbd.NbdServer;
import io.cairn.storage.stargate.internal.nbd.NbdServerConfig;

/**
 * vDisks over NBD on every node ({@code nbds://NODE:10809/CONTAINER/VDISK}): TLS required, and the
 * client must present a certificate from the cluster CA (an admin credential). Clients on the node's
 * own host (the hypervisor's QEMU, fio, qemu-img, nbdcopy) may instead use the Unix socket
 * {@value #SOCKET} under the node home ({@code nbd+unix:///CONTAINER/VDISK?socket=HOME/run/nbd.sock}),
 * without TLS: the socket file is mode 0600 in a directory of mode 0700, so only the node's user can
 * connect. Requests go to the vDisk's owner like any other I/O.
 */
@Component(immediate = true, configurationPid = StargateConfig.PID, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class NbdFrontEnd {

    /** The Unix socket, relative to the node home. */
    static final String SOCKET = "run/nbd.sock";


    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final Logger logger = LoggerFactory.getLogger(NbdFrontEnd.class);
    private final NbdServer server;
    private final Optional<NbdServer> localServer;

    @Activate
    public NbdFrontEnd(@Reference StargateService stargate, @Reference ClusterJoin join, @Reference NodeTrust trust,
            @Reference LocalNode local, StargateConfig config) throws Exception {
        Credentials c = trust.credentials().orElseThrow(() -> new IllegalStateException(
                "this node belongs to a cluster but holds no cluster certificate (data/pki)"));
        Exports exports = new Exports(stargate);
        NbdServerConfig nbd = NbdServerConfig.tls(InetAddress.getByName(join.self().address()), config.nbd__port(), trust.tlsContext(), true);
        this.server = NbdServer.start(nbd, exports);
        logger.info("NBD server on {}:{} (TLS, client certificate from the cluster CA required); exports are CONTAINER/VDISK",
                join.self().address(), server.port());
        if (!config.nbd__unix__socket()) {
            this.localServer = Optional.empty();
            logger.info("NBD Unix socket for local clients is off (nbd_unix_socket=false)");
            return;
        }
        Path socket = local.home().resolve(SOCKET);
        try {
            ownerOnlyDirectory(socket.getParent());
            this.localServer = Optional.of(NbdServer.start(NbdServerConfig.unixSocket(socket), exports));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        logger.info("NBD server for local clients on Unix socket {} (no TLS, mode 0600); clients use nbd+unix:///CONTAINER/VDISK?socket={}",
                socket, socket);
    }

    @Deactivate
    void deactivate() {
        try {
            localServer.ifPresent(NbdServer::close);
        } finally {
            server.close();
        }
    }

    /**
     * Makes {@code dir} (the node's own {@code run/}) a directory only this user can enter, mode
     * 0700, creating it if needed: a second fence around the socket besides its own mode 0600.
     */
    private void ownerOnlyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            return;
        }
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!now.equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
            logger.info("{} was mode {}; now rwx------ so that only this node's user can reach the NBD socket", dir,
                    PosixFilePermissions.toString(now));
        }
    }


    /** Every vDisk of every container, named CONTAINER/VDISK. */
    private record Exports(StargateService stargate) implements NbdExports {

        @Override
        public Optional<NbdExport> find(String name) {
            int slash = name.indexOf('/');
            if (slash <= 0) {
                return Optional.empty();
            }
            try {
                return stargate.vdisk(name.substring(0, slash), name.substring(slash + 1))
                        .map(v -> new VDiskExport(name, v, stargate.open(v.uuid())));
            } catch (StargateException e) {
                return Optional.empty();
            }
        }

        @Override
        public List<String> names() {
            List<String> out = new ArrayList<>();
            for (VDisk v : stargate.vdisks()) {
                out.add(v.containerName() + "/" + v.name());
            }
            return out;
        }
    }

    /** One vDisk as an NBD export; Stargate errors become the NBD errno that says the same. */
    private record VDiskExport(String name, VDisk vdisk, VDiskIo io) implements NbdExport {

        /** Whole 512-byte blocks: NBD sizes are multiples of the minimum block size. */
        @Override
        public long size() {
            return vdisk.sizeBytes() / 512 * 512;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public int minimumBlockSize() {
            return 512;
        }

        @Override
        public int preferredBlockSize() {
            return 4096;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws NbdException {
            call(() -> io.read(offset, dst));
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws NbdException {
            call(() -> io.write(offset, src, fua));
        }

        @Override
        public void flush() throws NbdException {
            call(io::flush);
        }

        @Override
        public void trim(long offset, long length) throws NbdException {
            call(() -> io.trim(offset, length));
        }

        @Override
        public void writeZeroes(long offset, long length, boolean fua) throws NbdException {
            call(() -> io.writeZeroes(offset, length));
        }

        private static void call(Runnable r) throws NbdException {
            try {
                r.run();
            } catch (StargateException e) {
                NbdErrno errno = switch (e.reason()) {
                    case INVALID_REQUEST -> NbdErrno.EINVAL;
                    case STORAGE_FULL -> NbdErrno.ENOSPC;
                    default -> NbdErrno.EIO;
                };
                throw new NbdException(errno, e.getMessage(), e);
            }
        }
    }
}
