package io.cairn.storage.stargate.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterJoin;
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
 * client must present a certificate from the cluster CA (an admin credential). Requests go to the
 * vDisk's owner like any other I/O.
 */
@Component(immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class NbdFrontEnd {

    private final Logger logger = LoggerFactory.getLogger(NbdFrontEnd.class);
    private final NbdServer server;

    @Activate
    public NbdFrontEnd(@Reference StargateService stargate, @Reference ClusterJoin join, @Reference NodeTrust trust, StargateConfig config)
            throws Exception {
        Credentials c = trust.credentials().orElseThrow(() -> new IllegalStateException(
                "this node belongs to a cluster but holds no cluster certificate (data/pki)"));
        NbdServerConfig nbd = NbdServerConfig.tls(InetAddress.getByName(join.self().address()), config.nbd__port(), tls(c), true);
        this.server = NbdServer.start(nbd, new Exports(stargate));
        logger.info("NBD server on {}:{} (TLS, client certificate from the cluster CA required); exports are CONTAINER/VDISK",
                join.self().address(), server.port());
    }

    @Deactivate
    void deactivate() {
        server.close();
    }

    static SSLContext tls(Credentials c) throws Exception {
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
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
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
            for (VDisk v : stargate.allVDisks()) {
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
