/**
 * The iSCSI target engine (RFC 7143 sessions over SBC-3/SPC-4 logical units), as the storage
 * services use it. The engine ({@code io.cairn.iscsi}) registers {@link io.cairn.storage.api.iscsi.IscsiPortals};
 * whoever owns the targets (the Stargate portal, Volumes, the redirector) opens a
 * {@link io.cairn.storage.api.iscsi.Portal} on an address with its own
 * {@link io.cairn.storage.api.iscsi.TargetCatalog}, which decides what each initiator discovers
 * and where each login goes (served here, redirected, refused), and hands the engine the vDisks
 * ({@link io.cairn.storage.api.stargate.VDiskIo}) behind a target's LUNs. SCSI-3 persistent
 * reservations are kept in a {@link io.cairn.storage.api.iscsi.ReservationStore}, so they survive
 * session moves and restarts.
 */
@Export
@Version("1.1.0")
package io.cairn.storage.api.iscsi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
