/**
 * An NBD (Network Block Device) server, so that vDisks can be used by standard tools and
 * hypervisors: {@code qemu}, {@code qemu-img}, {@code nbdinfo}, {@code nbdcopy}, fio's
 * {@code nbd} engine.
 *
 * <p>{@link io.cairn.storage.stargate.internal.nbd.NbdServer} speaks the fixed newstyle
 * handshake and the simple-reply transmission phase of the NBD protocol (the {@code proto.md}
 * document of the NBD project) over any {@link io.cairn.storage.stargate.internal.nbd.NbdExport};
 * the data path implements that interface and the server never knows what lies behind it.
 * Exports are found by name through {@link io.cairn.storage.stargate.internal.nbd.NbdExports}.
 *
 * <p>Security: a server configured with an {@code SSLContext} requires TLS (NBD_OPT_STARTTLS)
 * before it reveals or serves anything; without TLS it only binds to a loopback address, or to a
 * Unix domain socket whose file (mode 0600) only the server's user can connect to.
 * {@link io.cairn.storage.stargate.internal.nbd.NbdTransport} carries the protocol over either.
 *
 * <p>Implementation only; nothing here is exported from the bundle.
 */
package io.cairn.storage.stargate.internal.nbd;
